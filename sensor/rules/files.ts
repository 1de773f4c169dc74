// Which files a --rules argument names: a file, or a directory's *.yaml and
// *.yml files in name order. Fixture files (*.tests.yaml) sit beside them.
import * as fs from 'node:fs';
import * as path from 'node:path';

const RULE_FILE = /\.ya?ml$/;
const TEST_FILE = /\.tests\.ya?ml$/;

export class RulePathError extends Error {}

function listDir(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((d) => (d.isFile() || d.isSymbolicLink()) && RULE_FILE.test(d.name))
    .map((d) => d.name)
    .sort()
    .map((n) => path.join(dir, n));
}

function statOrThrow(p: string): fs.Stats {
  try {
    return fs.statSync(p);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new RulePathError(`${p}: ${code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`);
  }
}

/** Rule files, in load order. */
export function ruleFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    const st = statOrThrow(p);
    if (st.isDirectory()) out.push(...listDir(p).filter((f) => !TEST_FILE.test(f)));
    else out.push(p);
  }
  return out;
}

/** Fixture files for the given rule paths: every *.tests.yaml in a directory,
 *  and NAME.tests.yaml beside a rule file NAME.yaml. */
export function fixtureFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    const st = statOrThrow(p);
    if (st.isDirectory()) {
      out.push(...listDir(p).filter((f) => TEST_FILE.test(f)));
    } else if (TEST_FILE.test(p)) {
      out.push(p);
    } else {
      const beside = p.replace(RULE_FILE, '.tests.yaml');
      if (beside !== p && fs.existsSync(beside)) out.push(beside);
    }
  }
  return [...new Set(out)];
}

/** The default ruleset shipped with the sensor (the repository's rules/). */
export const DEFAULT_RULES_DIR = path.resolve(__dirname, '../../../rules');
