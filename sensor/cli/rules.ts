// `sensor rules validate|test|list [PATH...]`: check rule files, run their
// fixtures, show what is loaded. Without PATH: the default ruleset.
import { parseArgs } from 'node:util';
import { DEFAULT_RULES_DIR, fixtureFiles } from '../rules/files';
import { runFixtures, readFixtures } from '../rules/fixtures';
import { encodeInterest, INTEREST_ENTRIES_MAX } from '../kernel/interest';
import { loadRulePaths } from '../rules/loader';
import { deriveInterest } from '../rules/interest';
import { describeInterest } from '../rules/interest-text';
import { ruleFileSchema } from '../rules/schema';
import { formatProblem, type Problem, type RuleSetSpec } from '../rules/types';
import { UsageError } from './usage';

export const RULES_USAGE = `usage: sensor rules COMMAND [PATH...] [options]

Commands:
  validate PATH...   load rule files (or directories of them) and report
                     every problem as file:line:column
  test PATH...       validate, then run each rule's fixtures (NAME.tests.yaml
                     beside NAME.yaml) through the engine and through
                     json-rules-engine
  list [PATH...]     the rules that load, with priority, events and tags
  interest [PATH...] what the kernel lets through of read-only opens for
                     these rules (the interest set), and which rules make
                     every open pass
  schema             print the JSON Schema of rule files (rules/schema.json)

Without PATH, the default ruleset (${DEFAULT_RULES_DIR}).

Options:
  -o, --output text|json   (list, interest) output format
  -q, --quiet              (validate, test) only problems and failures
`;

function report(problems: Problem[]): void {
  for (const p of problems) process.stderr.write(formatProblem(p) + '\n');
}

function load(paths: string[]): { spec: RuleSetSpec | null; problems: Problem[] } {
  const r = loadRulePaths(paths);
  report(r.problems);
  return r;
}

function summary(spec: RuleSetSpec): string {
  const enabled = spec.rules.filter((r) => r.enabled).length;
  return `${spec.rules.length} rules (${enabled} enabled), ${spec.macros.size} macros, ${spec.lists.size} lists from ${spec.files.length} files`;
}

export async function runRules(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      output: { type: 'string', short: 'o', default: 'text' },
      quiet: { type: 'boolean', short: 'q', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [cmd, ...rest] = positionals;
  if (values.help || cmd === undefined) {
    process.stdout.write(RULES_USAGE);
    return values.help ? 0 : 2;
  }
  if (cmd === 'schema') {
    process.stdout.write(JSON.stringify(ruleFileSchema(), null, 2) + '\n');
    return 0;
  }
  const paths = rest.length ? rest : [DEFAULT_RULES_DIR];
  const out = (s: string): void => void (values.quiet ? null : process.stdout.write(s + '\n'));
  if (cmd === 'validate') {
    const { spec } = load(paths);
    if (!spec) return 1;
    out(`ok: ${summary(spec)}`);
    return 0;
  }
  if (cmd === 'test') {
    const { spec } = load(paths);
    if (!spec) return 1;
    const fx = readFixtures(fixtureFiles(paths), spec);
    report(fx.problems);
    if (fx.problems.some((p) => p.severity === 'error')) return 1;
    const results = await runFixtures(fx.cases, spec);
    const failed = results.filter((r) => !r.ok);
    for (const f of failed) {
      const why = f.compiled === f.reference
        ? `${f.expect === 'fire' ? 'did not fire' : 'fired'}`
        : `engines disagree: compiled ${f.compiled ? 'fired' : 'did not fire'}, json-rules-engine ${f.reference ? 'fired' : 'did not fire'}`;
      process.stderr.write(`${f.at.file}:${f.at.line}:${f.at.col}: FAIL ${JSON.stringify(f.rule)} / ${JSON.stringify(f.name)} (${f.expect}): ${why}\n`);
    }
    const untested = spec.rules.filter((r) => r.enabled && !results.some((c) => c.rule === r.name && c.expect === 'fire'));
    for (const r of untested) process.stderr.write(`${r.source.file}:${r.source.line}:${r.source.col}: warning: rule "${r.name}" has no fire fixture\n`);
    out(`${results.length} cases for ${new Set(results.map((r) => r.rule)).size} rules: ${results.length - failed.length} passed, ${failed.length} failed`);
    return failed.length ? 1 : 0;
  }
  if (cmd === 'list') {
    const { spec } = load(paths);
    if (!spec) return 1;
    if (values.output === 'json') {
      for (const r of spec.rules) {
        process.stdout.write(JSON.stringify({ rule: r.name, enabled: r.enabled, priority: r.priority, events: r.events, tags: r.tags, desc: r.desc, source: `${r.source.file}:${r.source.line}` }) + '\n');
      }
      return 0;
    }
    if (values.output !== 'text') throw new UsageError(`--output takes text or json, not "${values.output}"`);
    const w = Math.max(...spec.rules.map((r) => r.name.length), 4);
    process.stdout.write(`${'RULE'.padEnd(w)}  ${'PRIORITY'.padEnd(13)}  ON   TAGS\n`);
    for (const r of spec.rules) {
      process.stdout.write(`${r.name.padEnd(w)}  ${r.priority.padEnd(13)}  ${r.enabled ? 'yes' : 'no '}  ${r.tags.join(',')}\n`);
    }
    out(summary(spec));
    return 0;
  }
  if (cmd === 'interest') {
    if (values.output !== 'text' && values.output !== 'json') throw new UsageError(`--output takes text or json, not "${values.output}"`);
    const { spec } = load(paths);
    if (!spec) return 1;
    const set = deriveInterest(spec);
    const enc = encodeInterest(set);
    if (values.output === 'json') {
      process.stdout.write(JSON.stringify({ ...set, kernelEntries: enc.entries.size, kernelEntriesMax: INTEREST_ENTRIES_MAX, notes: enc.notes }) + '\n');
      return 0;
    }
    process.stdout.write(describeInterest(set, enc.entries.size, enc.notes));
    return 0;
  }
  throw new UsageError(`unknown rules command "${cmd}" (validate, test, list, interest or schema)`);
}
