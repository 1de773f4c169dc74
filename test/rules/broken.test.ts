// The broken-rules corpus: every file (or directory of files, loaded in
// order) under test/rules/broken/ must fail to load with exactly the problems
// its leading comments announce, each at its line and column:
//   # expect: 7:12 unknown event type "opne"; did you mean "open"?
// The text is a substring of the message. Also the CLI's exit codes.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadRulePaths } from '../../sensor/rules/loader';
import { formatProblem, type Problem } from '../../sensor/rules/types';
import { ROOT, SENSOR } from '../support';

const CORPUS = path.join(ROOT, 'test/rules/broken');
const CLI_DIR = path.join(ROOT, 'test/rules/cli');
const EXPECT = /^#\s*expect:\s*(\d+):(\d+)\s+(.+?)\s*$/;

interface Expected {
  file: string;
  line: number;
  col: number;
  text: string;
}

function expectations(file: string): Expected[] {
  const out: Expected[] = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.startsWith('#')) break;
    const m = EXPECT.exec(line);
    if (m) out.push({ file: path.basename(file), line: Number(m[1]), col: Number(m[2]), text: m[3] });
  }
  return out;
}

function caseFiles(entry: string): string[] {
  const full = path.join(CORPUS, entry);
  if (!fs.statSync(full).isDirectory()) return [full];
  return fs.readdirSync(full).filter((n) => /\.ya?ml$/.test(n)).sort().map((n) => path.join(full, n));
}

function same(p: Problem, e: Expected): boolean {
  return path.basename(p.file) === e.file && p.line === e.line && p.col === e.col && p.message.includes(e.text);
}

const entries = fs.readdirSync(CORPUS).sort();

describe('rules: broken rule files', function () {
  it('the corpus has at least 25 cases, each announcing what is wrong', function () {
    assert.ok(entries.length >= 25, `only ${entries.length} cases`);
    for (const e of entries) {
      const n = caseFiles(e).reduce((acc, f) => acc + expectations(f).length, 0);
      assert.ok(n > 0, `${e}: no "# expect: LINE:COL TEXT" comment`);
    }
  });

  for (const entry of entries) {
    it(entry, function () {
      const files = caseFiles(entry);
      const expected = files.flatMap(expectations);
      const { spec, problems } = loadRulePaths([path.join(CORPUS, entry)]);
      const errors = problems.filter((p) => p.severity === 'error');
      const shown = problems.map((p) => '  ' + formatProblem(p).replace(CORPUS + '/', '')).join('\n');
      assert.equal(spec, null, `${entry} loaded, but should not have`);
      for (const e of expected) {
        assert.ok(problems.some((p) => same(p, e)), `expected ${e.file}:${e.line}:${e.col} "${e.text}"; got:\n${shown}`);
      }
      // No noise: every error is one the file announces.
      for (const p of errors) {
        assert.ok(expected.some((e) => same(p, e)), `unexpected problem:\n  ${formatProblem(p)}\nall problems:\n${shown}`);
      }
    });
  }
});

describe('rules: the CLI', function () {
  const run = (...args: string[]): { status: number | null; stdout: string; stderr: string } =>
    spawnSync(process.execPath, [SENSOR, 'rules', ...args], { encoding: 'utf8', cwd: ROOT });

  it('validate exits 0 on good rules and 1 on broken ones, naming file:line:col', function () {
    const ok = run('validate', path.join(CLI_DIR, 'ok'));
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /^ok: 1 rules \(1 enabled\), 1 macros, 1 lists from 1 files/);
    const bad = run('validate', path.join(CORPUS, 'unknown-event-type.yaml'));
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /unknown-event-type\.yaml:4:18: error: unknown event type "opne"; did you mean "open"\?/);
    assert.equal(bad.stdout, '');
  });

  it('validate exits 1 when any of several paths is broken (later files see earlier ones)', function () {
    const r = run('validate', path.join(CLI_DIR, 'ok'), path.join(CORPUS, 'bad-priority.yaml'));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /bad-priority\.yaml:7:13: error: /);
  });

  it('test exits 0 when every fixture holds and 1 when one fails', function () {
    const ok = run('test', path.join(CLI_DIR, 'ok'));
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /3 cases for 1 rules: 3 passed, 0 failed/);
    const bad = run('test', path.join(CLI_DIR, 'failing'));
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /shell\.tests\.yaml:3:7: FAIL "Shell in container" \/ "wrongly expected to fire on the host" \(fire\): did not fire/);
    assert.match(bad.stdout, /0 passed, 1 failed/);
  });

  it('test exits 1 when the rules themselves do not load', function () {
    const r = run('test', path.join(CORPUS, 'bad-cidr.yaml'));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /bad-cidr\.yaml:7:62: error: cidr: /);
  });

  it('list prints the rules (json: one object a line) and exits 0', function () {
    const r = run('list', '-o', 'json', path.join(CLI_DIR, 'ok'));
    assert.equal(r.status, 0, r.stderr);
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(rows.map((x) => [x.rule, x.priority, x.events, x.enabled]), [['Shell in container', 'Notice', ['execve'], true]]);
    assert.equal(run('list', path.join(CORPUS, 'bad-cidr.yaml')).status, 1);
  });

  it('interest prints what the kernel lets through, and names a rule that makes every open pass', function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-interest-'));
    try {
      const f = path.join(dir, 'r.yaml');
      fs.writeFileSync(f, `- rule: Shadow read
  desc: d
  events: [openat]
  condition: { all: [{ fact: fd.name, operator: in, value: [/etc/shadow] }, { fact: evt.res, operator: equal, value: SUCCESS }] }
  output: "x | fd.name=%fd.name"
  priority: WARNING
  tags: [T1003.008]
`);
      const tight = run('interest', '-o', 'json', f);
      assert.equal(tight.status, 0, tight.stderr);
      const set = JSON.parse(tight.stdout) as { read: { final: string[] } | null; unbounded: string[]; failed: { pass: number[]; judge: number[] } };
      assert.deepEqual(set.read?.final, ['shadow']);
      assert.deepEqual(set.unbounded, []);
      assert.deepEqual([set.failed.pass, set.failed.judge], [[], []], 'evt.res SUCCESS keeps every failed read back');
      const text = run('interest', f);
      assert.match(text.stdout, /the file is named: +"shadow"/);
      assert.match(text.stdout, /No rule makes every read-only open leave the kernel/);
      fs.appendFileSync(f, `- rule: Any open by cat
  desc: d
  events: [openat]
  condition: { all: [{ fact: proc.name, operator: equal, value: cat }] }
  output: "x | fd.name=%fd.name"
  priority: NOTICE
  tags: [T1005]
`);
      const wide = run('interest', f);
      assert.equal(wide.status, 0, wide.stderr);
      assert.match(wide.stdout, /every one leaves the kernel/);
      assert.match(wide.stdout, /"Any open by cat"/);
      assert.equal(run('interest', path.join(CORPUS, 'bad-cidr.yaml')).status, 1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a missing path or unknown command is a usage problem, not a crash', function () {
    const missing = run('validate', path.join(CLI_DIR, 'nope.yaml'));
    assert.notEqual(missing.status, 0);
    assert.match(missing.stderr, /nope\.yaml: no such file or directory/);
    assert.doesNotMatch(missing.stderr, /at .*\.js:\d+/, 'no stack trace');
    const unknown = run('frobnicate');
    assert.equal(unknown.status, 2);
  });
});
