// The interest set, without a kernel: what it derives from rules, how it is
// encoded for the maps, and above all that it never keeps back an open a
// rule would fire on. kernelVerdict() (sensor/kernel/interest.ts) decides as
// bpf/file.bpf.c does from the same inputs; test/kernel/interest.test.ts
// holds it against the real kernel.
import { strict as assert } from 'node:assert';
import * as posix from 'node:path/posix';
import type { Fields } from '../../sensor/decode/fields';
import { toFields } from '../../sensor/decode/fields';
import { errnoName, isWriteOpen, openFlagNames } from '../../sensor/decode/names';
import { INTEREST_NAME_MAX } from '../../sensor/decode/layout';
import type { OpenEvent } from '../../sensor/decode/types';
import { contextFields } from '../../sensor/enrich/context-fields';
import type { Context } from '../../sensor/enrich/enricher';
import { encodeInterest, INTEREST_ENTRIES_MAX, kernelVerdict, type EncodedInterest, type OpenInput } from '../../sensor/kernel/interest';
import { CompiledRuleset } from '../../sensor/rules/engine';
import { DEFAULT_RULES_DIR, fixtureFiles } from '../../sensor/rules/files';
import { readFixtures } from '../../sensor/rules/fixtures';
import { ABSENT_ON_OPEN, deriveInterest, literalEnds, TYPE_OF_CHAR, type InterestSet } from '../../sensor/rules/interest';
import { loadRulePaths, loadRuleTexts } from '../../sensor/rules/loader';
import { formatProblem, type RuleSetSpec } from '../../sensor/rules/types';
import { EventGenerator, Rng, generateRuleFiles } from '../rules/generate';

const OPEN_TYPES = ['open', 'openat', 'openat2', 'creat'];
const O_PATH = 0o10000000;
const ERRNO_OF = new Map<string, number>();
for (let e = 1; e <= 255; e++) if (!ERRNO_OF.has(errnoName(e))) ERRNO_OF.set(errnoName(e), e);

function rulesOf(yaml: string): RuleSetSpec {
  const { spec, problems } = loadRuleTexts([{ file: 'test.yaml', text: yaml }]);
  assert.ok(spec, problems.map(formatProblem).join('\n'));
  return spec;
}

/** One open rule with this condition (YAML flow), and the interest it yields. */
function interestOf(condition: string, events = '[open]'): InterestSet {
  return deriveInterest(rulesOf(`
- rule: r
  desc: d
  events: ${events}
  condition: ${condition}
  output: "x | fd.name=%fd.name"
  priority: WARNING
  tags: [T1000]
`));
}

const ok = (names: string[], extra: Partial<OpenInput> = {}): OpenInput => ({
  syscall: 'openat', flags: 0, ret: 3, raw: '/' + [...names].reverse().join('/'), names, iMode: 0o100644, ...extra,
});

function defaultSpec(extraListItems?: Record<string, unknown[]>): RuleSetSpec {
  const { spec, problems } = loadRulePaths([DEFAULT_RULES_DIR], extraListItems ? { extraListItems } : {});
  assert.ok(spec, `the default ruleset does not load:\n${problems.map(formatProblem).join('\n')}`);
  return spec;
}

// ---------------------------------------------------------------------------
// From fields to what the kernel sees

const TYPE_CHARS = Object.keys(TYPE_OF_CHAR);
const PSEUDO = /^[a-z_]+:/;

/** The kernel's view of an event given as fields (a fixture, say), filled in where it is silent. */
function inputOf(f: Fields): OpenInput {
  const syscall = f['evt.type'] as OpenInput['syscall'];
  let flags = typeof f['evt.flags_raw'] === 'number' ? (f['evt.flags_raw'] as number) >>> 0 : f['evt.is_open_write'] === true ? 0o1101 : 0;
  if (syscall === 'creat') flags = 0o1101;
  const res = f['evt.res'];
  const ret = res === undefined || res === 'SUCCESS' ? 3 : -(ERRNO_OF.get(String(res)) ?? 2);
  let name = typeof f['fd.name'] === 'string' ? (f['fd.name'] as string) : '';
  if (!name && typeof f['fd.filename'] === 'string') name = posix.join((f['fd.directory'] as string) || '/', f['fd.filename'] as string);
  const raw = typeof f['fd.nameraw'] === 'string' ? (f['fd.nameraw'] as string) : name;
  let names: string[] | null = null;
  if (name.startsWith('/')) names = posix.normalize(name).split('/').filter((x) => x !== '').reverse();
  const tc = f['fd.typechar'];
  const iMode = (typeof tc === 'string' && tc in TYPE_OF_CHAR ? TYPE_OF_CHAR[tc] : 8) << 12;
  return { syscall, flags, ret, raw, names, iMode };
}

const BASES = ['/', '/etc', '/tmp/w', '/run/containerd', '/var/run/secrets/kubernetes.io/serviceaccount', '/dev', '/root'];
const NAMES_POOL = ['/tmp/x', '/etc/passwd', '/usr/lib/libc.so.6', '/proc/self/status', '/dev/null', '/home/u/.bashrc'];

/**
 * A generated event made into one the kernel could produce: flags, result
 * and paths consistent with each other, derived fields left to derive,
 * fields open events never carry removed. Returns the fields the rules see
 * and the inputs the kernel program sees.
 */
function realistic(f0: Fields, rng: Rng): { f: Fields; input: OpenInput } | null {
  const type = f0['evt.type'];
  if (typeof type !== 'string' || !OPEN_TYPES.includes(type)) return null;
  const f: Fields = { ...f0 };
  for (const k of ABSENT_ON_OPEN) delete f[k];
  for (const k of ['fd.filename', 'fd.directory', 'evt.is_open_read']) delete f[k];

  let flags: number;
  if (typeof f0['evt.flags_raw'] === 'number' && Number.isInteger(f0['evt.flags_raw'])) flags = (f0['evt.flags_raw'] as number) >>> 0;
  else if (f0['evt.is_open_write'] === true) flags = rng.pick([1, 2, 0o1101, 0o102]);
  else flags = rng.pick([0, 0o2000000, O_PATH, 0o200000, 0o4000, 0o100000]);
  if (type === 'creat') flags = 0o1101;
  f['evt.flags_raw'] = flags;
  f['evt.flags'] = openFlagNames(flags);
  f['evt.is_open_write'] = isWriteOpen(flags);

  const res = f0['evt.res'];
  const errno = res === 'SUCCESS' ? 0 : typeof res === 'string' && ERRNO_OF.has(res) ? ERRNO_OF.get(res)! : rng.chance(0.7) ? 0 : rng.pick([2, 13, 1, 6, 20]);
  const given = typeof f0['fd.name'] === 'string' && f0['fd.name'] !== ''
    ? (f0['fd.name'] as string)
    : typeof f0['fd.filename'] === 'string' && f0['fd.filename'] !== ''
      ? posix.join(typeof f0['fd.directory'] === 'string' && (f0['fd.directory'] as string).startsWith('/') ? (f0['fd.directory'] as string) : rng.pick(BASES), f0['fd.filename'] as string)
      : rng.pick(NAMES_POOL);
  const rawGiven = typeof f0['fd.nameraw'] === 'string' ? (f0['fd.nameraw'] as string) : null;

  let input: OpenInput;
  if (errno === 0) {
    let name = given;
    let names: string[] | null;
    if (name.startsWith('/')) {
      name = posix.normalize(name);
      if (name.length > 1 && name.endsWith('/')) name = name.slice(0, -1);
      names = name.split('/').filter((x) => x !== '').reverse();
    } else if (PSEUDO.test(name)) names = null;
    else {
      name = posix.join(rng.pick(BASES), name);
      names = name.split('/').filter((x) => x !== '').reverse();
    }
    const raw = rawGiven || name;
    const tc = typeof f0['fd.typechar'] === 'string' && TYPE_CHARS.includes(f0['fd.typechar'] as string) ? (f0['fd.typechar'] as string) : rng.pick(['f', 'f', 'f', 'd', 'c', 'b']);
    const fd = 3 + rng.int(20);
    Object.assign(f, {
      'fd.name': name, 'fd.nameraw': raw, 'fd.typechar': tc, 'fd.num': fd, 'fd.name_resolved': true,
      'fd.ino': typeof f0['fd.ino'] === 'number' ? f0['fd.ino'] : 1234, 'fd.dev': typeof f0['fd.dev'] === 'number' ? f0['fd.dev'] : 2049,
      'evt.res': 'SUCCESS', 'evt.rawres': fd,
    });
    input = { syscall: type as OpenInput['syscall'], flags, ret: fd, raw, names, iMode: TYPE_OF_CHAR[tc] << 12 };
  } else {
    const raw = rawGiven ?? given;
    const name = raw.startsWith('/') || rng.chance(0.1) ? raw : posix.join(rng.pick(BASES), raw);
    Object.assign(f, {
      'fd.name': name, 'fd.nameraw': raw, 'fd.typechar': '', 'fd.num': -1, 'fd.ino': 0, 'fd.dev': 0,
      'fd.name_resolved': false, 'evt.res': errnoName(errno), 'evt.rawres': -errno,
    });
    input = { syscall: type as OpenInput['syscall'], flags, ret: -errno, raw };
  }
  return { f, input };
}

interface Outcome {
  opens: number;
  /** Verdicts of "keep back", over every set checked. */
  kept: number;
  /** Passed events that fired the rules of their set. */
  passedFiring: number;
  sets: number;
}

/**
 * Generated events through the rules and the mirror: nothing kept back may
 * fire. Checked against the interest of the whole ruleset and, when
 * `perRule`, of each open rule alone (a tighter set: a stronger check of
 * each rule's reading, which one unbounded rule would otherwise hide).
 */
function differential(spec: RuleSetSpec, seed: number, opens: number, opts: { seeds?: readonly Fields[]; perRule?: boolean } = {}): Outcome {
  const compiled = new CompiledRuleset(spec);
  const sets: { label: string; enc: EncodedInterest; rules: CompiledRuleset }[] = [
    { label: 'the whole ruleset', enc: encodeInterest(deriveInterest(compiled)), rules: compiled },
  ];
  if (opts.perRule) {
    for (const r of spec.rules) {
      if (!r.enabled || !r.events.some((t) => OPEN_TYPES.includes(t))) continue;
      const one = new CompiledRuleset({ ...spec, rules: [r] });
      sets.push({ label: `rule "${r.name}" alone`, enc: encodeInterest(deriveInterest(one)), rules: one });
    }
  }
  const rng = new Rng(seed ^ 0x1f1f);
  const gen = new EventGenerator(spec, new Rng(seed), (opts.seeds ?? []).filter((s) => OPEN_TYPES.includes(String(s['evt.type']))));
  const out: Outcome = { opens: 0, kept: 0, passedFiring: 0, sets: sets.length };
  for (let i = 0; out.opens < opens && i < opens * 50; i++) {
    const r = realistic(gen.next(), rng);
    if (!r) continue;
    out.opens++;
    for (const s of sets) {
      const verdict = kernelVerdict(s.enc, r.input);
      const fired: string[] = s.rules.evaluate(r.f).map((x) => x.name);
      if (verdict !== 'pass') {
        out.kept++;
        if (fired.length) {
          assert.fail(`seed ${seed}, ${s.label}: the kernel keeps back (${verdict}) an open that fires ${fired.join(', ')}\n`
            + `input: ${JSON.stringify(r.input)}\nevent: ${JSON.stringify(r.f)}`);
        }
      } else if (fired.length) out.passedFiring++;
    }
  }
  return out;
}

function report(o: Outcome): void {
  process.stdout.write(`      ${o.opens} opens x ${o.sets} interest sets: ${o.kept} verdicts kept back, ${o.passedFiring} passed and fired\n`);
}

// ---------------------------------------------------------------------------

describe('interest set: derivation', function () {
  it('reads pathPrefix as a name on the path, filename as the file name', function () {
    const i = interestOf(`{ all: [ { fact: fd.name, operator: pathPrefix, value: [/var/run/secrets/kubernetes.io/serviceaccount] },
      { fact: proc.name, operator: equal, value: cat } ] }`);
    assert.deepEqual(i.read?.ancestor, ['serviceaccount']);
    const j = interestOf(`{ all: [ { fact: fd.name, operator: pathPrefix, value: [/run/secrets] }, { fact: fd.filename, operator: in, value: [token] } ] }`);
    assert.deepEqual(j.read, { final: ['token'], parent: [], ancestor: [], suffix: [], raw: [], types: [] }, 'all() keeps the more selective');
  });

  it('unions any(), drops branches that cannot hold on an open', function () {
    const i = interestOf(`{ any: [ { fact: fd.name, operator: in, value: [/etc/shadow, /etc/gshadow] },
      { all: [ { fact: evt.type, operator: equal, value: connect }, { fact: fd.dport, operator: equal, value: 2375 } ] },
      { fact: fd.name, operator: endsWith, value: .sock } ] }`, '[open, connect]');
    assert.deepEqual(i.read?.final, ['gshadow', 'shadow']);
    assert.deepEqual(i.read?.suffix, ['.sock']);
  });

  it('a rule on writes only adds nothing; one bounded by no path makes every read pass', function () {
    const w = interestOf(`{ all: [ { fact: evt.is_open_write, operator: equal, value: true }, { fact: proc.name, operator: equal, value: sh } ] }`);
    assert.deepEqual(w.read, { final: [], parent: [], ancestor: [], suffix: [], raw: [], types: [] });
    assert.deepEqual(w.failed.pass, []);
    const u = interestOf(`{ fact: proc.name, operator: equal, value: cat }`);
    assert.equal(u.read, null);
    assert.deepEqual(u.unbounded, ['r']);
    const n = interestOf(`{ not: { fact: fd.name, operator: equal, value: /etc/shadow } }`);
    assert.equal(n.read, null, 'not() of a path is unbounded');
  });

  it('failed opens: per errno, by the end of the path string when that is all a rule needs', function () {
    const s = interestOf(`{ all: [ { fact: fd.filename, operator: equal, value: shadow }, { fact: evt.res, operator: equal, value: SUCCESS } ] }`);
    assert.deepEqual(s.failed, { pass: [], judge: [], raw: [] });
    const e = interestOf(`{ all: [ { fact: fd.filename, operator: equal, value: shadow }, { fact: evt.res, operator: in, value: [EACCES, EPERM] } ] }`);
    assert.deepEqual(e.failed, { pass: [], judge: [1, 13], raw: ['shadow'] });
    const d = interestOf(`{ all: [ { fact: fd.name, operator: pathPrefix, value: /etc }, { fact: evt.res, operator: notIn, value: [SUCCESS, ENOENT] } ] }`);
    assert.ok(!d.failed.pass.includes(2) && d.failed.pass.includes(13) && d.failed.judge.length === 0, 'a directory cannot be judged on a failed open');
  });

  it('anchored regular expressions and globs give their literal start or end', function () {
    assert.deepEqual(literalEnds('^/dev/(mem|kmem|port)$', ''), [{ starts: ['/dev/mem', '/dev/kmem', '/dev/port'], ends: ['/dev/mem', '/dev/kmem', '/dev/port'] }]);
    assert.deepEqual(literalEnds('(^|/)(release_agent|notify_on_release)$', ''), [{ starts: null, ends: ['release_agent', '/release_agent', 'notify_on_release', '/notify_on_release'] }]);
    assert.equal(literalEnds('a(?=b)', ''), null);
    assert.equal(literalEnds('^/etc/', 'i'), null);
    const r = interestOf(`{ fact: fd.name, operator: regex, value: ["^/dev/(mem|kmem|port)$", "^/dev/mapper/[^/]+$"] }`);
    assert.deepEqual(r.read?.final, ['kmem', 'mem', 'port']);
    assert.deepEqual(r.read?.ancestor, ['mapper']);
    const g = interestOf(`{ fact: fd.name, operator: glob, value: ["/proc/*/exe", "**/*.pem"] }`);
    assert.deepEqual(g.read?.final, ['exe']);
    assert.deepEqual(g.read?.suffix, ['.pem']);
    assert.equal(interestOf(`{ fact: fd.name, operator: regex, value: "shadow" }`).read, null, 'unanchored: unbounded');
  });

  it('fd.typechar becomes file types', function () {
    assert.deepEqual(interestOf(`{ fact: fd.typechar, operator: in, value: [b, c] }`).read?.types, [2, 6]);
  });

  it('never trusts text that may stand for an undecodable byte', function () {
    assert.equal(interestOf(`{ fact: fd.filename, operator: equal, value: "a\\\\xffb" }`).read, null);
    assert.deepEqual(interestOf(`{ fact: fd.filename, operator: endsWith, value: "9f.conf" }`).read?.suffix, ['.conf']);
  });

  it('fields open events never carry are missing on every open event', function () {
    const ev = {
      type: 'open', syscall: 'openat', ret: 3, flags: 0, mode: 0, dirfd: -100, path: '/x', resolved: true, raw: '/x',
      pathTruncated: false, rawTruncated: false, ino: 1, dev: 1, iMode: 0o100644, ktime: 1, startTime: 1, cgroupId: 1,
      pid: 1, tid: 1, ppid: 0, vpid: 1, uid: 0, gid: 0, auid: 0, mntns: 1, pidns: 1, netns: 1, comm: 'x',
    } as unknown as OpenEvent;
    const proc = { name: 'x', exepath: '/x', exeResolved: '/x', args: ['x'], cwd: '/', tty: 0, pid: 1 };
    const ctx = { proc, ancestors: [proc], container: null, podContainer: undefined, pod: undefined, inContainerNs: false, exeDrift: false } as unknown as Context;
    const f = contextFields(ctx, 'node', toFields(ev, null));
    for (const k of Object.keys(f)) assert.ok(!ABSENT_ON_OPEN.has(k), `${k} is on open events`);
  });
});

describe('interest set: encoding and the kernel mirror', function () {
  it('passes writes, openat2 and creat; keeps back reads outside the set', function () {
    const enc = encodeInterest(interestOf(`{ fact: fd.filename, operator: equal, value: shadow }`));
    assert.equal(kernelVerdict(enc, ok(['shadow', 'etc'])), 'pass');
    assert.equal(kernelVerdict(enc, ok(['passwd', 'etc'])), 'filtered_read');
    assert.equal(kernelVerdict(enc, ok(['passwd', 'etc'], { flags: 0o1 })), 'pass');
    assert.equal(kernelVerdict(enc, ok(['passwd', 'etc'], { flags: 0o100 })), 'pass');
    assert.equal(kernelVerdict(enc, ok(['passwd', 'etc'], { syscall: 'openat2' })), 'pass');
    assert.equal(kernelVerdict(enc, ok([], { raw: '/' })), 'pass', '"/" itself');
    assert.equal(kernelVerdict(enc, ok(['x'], { names: null })), 'pass', 'pseudo file');
    assert.equal(kernelVerdict(enc, { syscall: 'open', flags: 0, ret: -2, raw: '/etc/shadow' }), 'pass', 'a failed open judged by its string');
    assert.equal(kernelVerdict(enc, { syscall: 'open', flags: 0, ret: -2, raw: '/etc/passwd' }), 'filtered_failed');
    assert.equal(kernelVerdict(encodeInterest(null), ok(['passwd'])), 'pass', 'no interest set');
  });

  it('names longer than a key share it: both pass', function () {
    const long = 'n'.repeat(40);
    const enc = encodeInterest(interestOf(`{ fact: fd.filename, operator: equal, value: ${long} }`));
    assert.equal(kernelVerdict(enc, ok([long])), 'pass');
    assert.equal(kernelVerdict(enc, ok(['n'.repeat(INTEREST_NAME_MAX) + 'x'.repeat(40 - INTEREST_NAME_MAX)])), 'pass', 'same length and first bytes');
    assert.equal(kernelVerdict(enc, ok(['n'.repeat(INTEREST_NAME_MAX - 1) + 'x'.repeat(41 - INTEREST_NAME_MAX)])), 'filtered_read');
    assert.equal(kernelVerdict(enc, ok(['n'.repeat(41)])), 'filtered_read');
  });

  it('a set larger than the kernel holds is widened to pass every read, and says so', function () {
    const names = Array.from({ length: INTEREST_ENTRIES_MAX + 1 }, (_, i) => `f${i}`);
    const set: InterestSet = { read: { final: names, parent: [], ancestor: [], suffix: [], raw: [], types: [] }, failed: { pass: [], judge: [], raw: [] }, unbounded: [] };
    const enc = encodeInterest(set);
    assert.equal(enc.entries.size, 0);
    assert.equal(enc.notes.length, 1);
    assert.equal(kernelVerdict(enc, ok(['other'])), 'pass');
    assert.equal(kernelVerdict(enc, { syscall: 'open', flags: 0, ret: -2, raw: '/x' }), 'pass');
    set.read!.final = names.slice(0, 100);
    assert.equal(kernelVerdict(encodeInterest(set), ok(['other'])), 'filtered_read');
  });

  it('ends of the path string: its last 24 bytes, and failed opens end in a real name', function () {
    const enc = encodeInterest(interestOf(`{ fact: fd.nameraw, operator: endsWith, value: /secrets/kubernetes.io/serviceaccount/token }`, '[open]'));
    assert.equal(kernelVerdict(enc, ok(['token', '..data'], { raw: '/var/run/secrets/kubernetes.io/serviceaccount/token' })), 'pass');
    assert.equal(kernelVerdict(enc, ok(['token', '..data'], { raw: 'token' })), 'filtered_read');
    const f = encodeInterest(interestOf(`{ all: [ { fact: fd.filename, operator: equal, value: shadow }, { fact: evt.res, operator: equal, value: EACCES } ] }`));
    const failed = (raw: string): string => kernelVerdict(f, { syscall: 'openat', flags: 0, ret: -13, raw });
    assert.equal(failed('/etc/shadow'), 'pass');
    assert.equal(failed('shadow'), 'pass');
    assert.equal(failed('/etc/passwd'), 'filtered_failed');
    for (const odd of ['/etc/', '/etc/.', '/etc/..', '.', '..', '']) assert.equal(failed(odd), 'pass', JSON.stringify(odd));
  });
});

describe('interest set: the default rules never lose an alert', function () {
  this.timeout(300_000);
  let spec: RuleSetSpec;
  let enc: EncodedInterest;

  before(function () {
    spec = defaultSpec();
    enc = encodeInterest(deriveInterest(spec));
  });

  it('keeps reads of unwatched files back, passes the watched ones', function () {
    assert.equal(kernelVerdict(enc, ok(['bench-file', 'tmp'])), 'filtered_read');
    assert.equal(kernelVerdict(enc, ok(['libc.so.6', 'x86_64-linux-gnu', 'lib', 'usr'])), 'filtered_read');
    assert.equal(kernelVerdict(enc, ok(['shadow', 'etc'])), 'pass');
    assert.equal(kernelVerdict(enc, ok(['token', '..2024_01_01', 'serviceaccount', 'kubernetes.io', 'secrets', 'run'])), 'pass');
    assert.equal(kernelVerdict(enc, ok(['sudo', 'pam.d', 'etc'])), 'pass');
  });

  it('every fixture case that must fire on an open passes the kernel', function () {
    const fx = readFixtures(fixtureFiles([DEFAULT_RULES_DIR]), spec);
    const cases = fx.cases.filter((c) => c.expect === 'fire' && OPEN_TYPES.includes(String(c.event['evt.type'])));
    assert.ok(cases.length >= 20, `only ${cases.length} open cases`);
    for (const c of cases) {
      const e = c.lists ? encodeInterest(deriveInterest(defaultSpec(c.lists))) : enc;
      assert.equal(kernelVerdict(e, inputOf(c.event)), 'pass', `${c.rule}: ${c.name} (${c.at.file}:${c.at.line})`);
    }
  });

  it('10,000 generated open events: none the kernel keeps back fires a rule (the whole set, and each rule alone)', function () {
    const fx = readFixtures(fixtureFiles([DEFAULT_RULES_DIR]), spec);
    const o = differential(spec, 0x5eed, 10_000, { seeds: fx.cases.map((c) => c.event), perRule: true });
    report(o);
    assert.ok(o.kept >= o.opens, `only ${o.kept} verdicts kept an open back: the check is near vacuous`);
    assert.ok(o.passedFiring >= 1000, `only ${o.passedFiring} fired`);
  });

  for (const seed of [1, 2, 3, 4]) {
    it(`generated ruleset ${seed} (200 rules, every operator): none kept back fires, each open rule alone`, function () {
      const { spec: g, problems } = loadRuleTexts(generateRuleFiles(seed, 200));
      assert.ok(g, problems.map(formatProblem).join('\n'));
      const o = differential(g, seed, 2_000, { perRule: true });
      report(o);
      assert.ok(o.opens >= 1000 && o.kept >= o.opens, `opens ${o.opens}, kept ${o.kept}`);
    });
  }
});
