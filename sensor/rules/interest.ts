// The interest set: which read-only opens the loaded rules could match, in
// terms the kernel can check before it resolves a path (bpf/file.bpf.c). Each
// rule's condition is read over the opens the kernel may keep back, and every
// part of it becomes one of:
//   true / false  it holds for every such open, or for none;
//   unbounded     it may hold anywhere (a process name, a notIn, a regex
//                 with no fixed start or end): no open can be kept back;
//   atoms         it can only hold when one of these does: the file's own
//                 name, its directory's name, a name on its path, the end of
//                 its name, the end of the path string given, its file type.
// all() keeps the most selective of its parts, any() the union, not() only a
// constant. The result over-approximates: an open outside every atom cannot
// fire any rule. Writes are never judged (the kernel passes them all); failed
// opens are judged per errno, by the end of the path string at most.
import { errnoName } from '../decode/names';
import { globToSource } from './glob';
import { OPERATORS, type Operator } from './operators';
import type { CompiledRuleset } from './engine';
import type { Condition, FactCondition, RuleSetSpec } from './types';

/** What a read-only open must show to pass: any one of these. */
export interface PathAtoms {
  /** The file's own name. */
  final: string[];
  /** The name of the directory holding it. */
  parent: string[];
  /** Any name on its path, its own included. */
  ancestor: string[];
  /** The end of its own name. */
  suffix: string[];
  /** The end of the path string the caller gave. */
  raw: string[];
  /** File types (i_mode >> 12): opened files of these types pass. */
  types: number[];
}

export interface InterestSet {
  /** Successful read-only opens of open(2) and openat(2); null: all pass. */
  read: PathAtoms | null;
  /**
   * Failed read-only opens, by errno (1..255; any other passes): those in
   * `pass` all pass, those in `judge` pass when the path string ends with
   * one of `raw`, the rest never leave the kernel.
   */
  failed: { pass: number[]; judge: number[]; raw: string[] };
  /** Rules that make every successful read-only open pass. */
  unbounded: string[];
}

/** The open syscalls the kernel may keep an open of (creat writes; openat2 always passes). */
export const FILTERED_SYSCALLS: readonly string[] = ['open', 'openat'];

export const ERRNO_MAX = 255;

/** Fields open events never have (other event types' fields): always null. */
export const ABSENT_ON_OPEN: ReadonlySet<string> = new Set([
  'proc.argc', 'proc.args_truncated', 'user.ruid', 'evt.arg.parent_tid', 'proc.exit_code', 'proc.exit_signal',
  'proc.core_dumped', 'fd.l4proto', 'fd.sockfamily', 'fd.socktype', 'evt.arg.listen_fd', 'fd.sip', 'fd.sport',
  'fd.dip', 'fd.dport', 'fd.lip', 'fd.lport', 'fd.rip', 'fd.rport', 'evt.args_raw', 'evt.args_truncated',
  'evt.arg.source', 'evt.arg.target', 'evt.arg.target_raw', 'evt.arg.fstype', 'evt.arg.flags', 'evt.arg.fd',
  'evt.arg.nstype', 'evt.arg.ns_kind', 'evt.arg.ns_inum', 'evt.arg.request', 'evt.arg.pid', 'evt.arg.len',
  'evt.arg.params', 'evt.arg.cmd', 'evt.arg.prog_type', 'evt.arg.prog_name', 'evt.arg.name', 'evt.arg.oldfd',
  'evt.arg.newfd', 'fd.is_socket', 'evt.arg.domain', 'evt.arg.type', 'evt.arg.proto', 'evt.arg.oldpath',
  'evt.arg.newpath', 'evt.arg.oldpath_raw', 'evt.arg.newpath_raw', 'evt.arg.linkpath', 'evt.arg.linkpath_raw',
  'evt.arg.mode', 'evt.arg.uid', 'evt.arg.gid', 'dns.qr', 'dns.id', 'dns.name', 'dns.qtype', 'dns.qtype_raw',
  'dns.rcode', 'dns.answers', 'dns.latency_ms', 'dns.nameserver', 'dns.nameserver_port', 'dns.netns', 'dns.unmatched',
]);

/** fileTypeChar() letters and their i_mode >> 12. */
export const TYPE_OF_CHAR: Readonly<Record<string, number>> = { p: 1, c: 2, d: 4, b: 6, f: 8, l: 10, u: 12 };
const OTHER_TYPES = [0, 3, 5, 7, 9, 11, 13, 14, 15];
const ALL_TYPES = range(0, 15);

/** Flag names only a write-open shows. */
const WRITE_FLAG_NAMES = new Set(['O_WRONLY', 'O_RDWR', 'O_CREAT', 'O_TRUNC']);

/** Directory names on many paths: a poor choice of ancestor atom. */
const COMMON_NAMES = new Set([
  'etc', 'usr', 'lib', 'lib32', 'lib64', 'libx32', 'var', 'run', 'tmp', 'dev', 'proc', 'sys', 'home', 'root', 'bin',
  'sbin', 'opt', 'srv', 'mnt', 'media', 'boot', 'local', 'share', 'include', 'src', 'data', 'app', 'log', 'cache',
  'spool', 'lock', 'snap', 'x86_64-linux-gnu', 'aarch64-linux-gnu', 'python3', 'site-packages', 'node_modules',
]);

function range(a: number, b: number): number[] {
  const out: number[] = [];
  for (let i = a; i <= b; i++) out.push(i);
  return out;
}

// ---------------------------------------------------------------------------
// Abstract values

class Atoms {
  final = new Set<string>();
  parent = new Set<string>();
  ancestor = new Set<string>();
  suffix = new Set<string>();
  raw = new Set<string>();
  types = new Set<number>();

  static of(kind: 'final' | 'parent' | 'ancestor' | 'suffix' | 'raw', values: Iterable<string>): Atoms {
    const a = new Atoms();
    for (const v of values) a[kind].add(v);
    return a;
  }

  addAll(o: Atoms): this {
    for (const k of ['final', 'parent', 'ancestor', 'suffix', 'raw'] as const) for (const v of o[k]) this[k].add(v);
    for (const t of o.types) this.types.add(t);
    return this;
  }

  empty(): boolean {
    return !this.final.size && !this.parent.size && !this.ancestor.size && !this.suffix.size && !this.raw.size && !this.types.size;
  }

  /** How much it lets through and what it costs the kernel to check: lower is better. */
  score(): number {
    let s = this.final.size * 10;
    for (const p of this.parent) s += COMMON_NAMES.has(p) ? 500 : 30;
    for (const p of this.ancestor) s += COMMON_NAMES.has(p) ? 5000 : 1000;
    for (const x of this.suffix) s += 100 + 400 / Math.max(1, x.length);
    s += this.raw.size * 300;
    for (const t of this.types) s += t === 8 ? 1e6 : t === 4 ? 1e4 : 50;
    return s;
  }
}

const TRUE = 'true';
const FALSE = 'false';
const ANY = 'unbounded';
type Abs = typeof TRUE | typeof FALSE | typeof ANY | Atoms;

function atomsOr(a: Atoms): Abs {
  return a.empty() ? FALSE : a;
}

function conj(parts: Abs[]): Abs {
  let best: Atoms | null = null;
  let allTrue = true;
  for (const p of parts) {
    if (p === FALSE) return FALSE;
    if (p === TRUE) continue;
    allTrue = false;
    if (p !== ANY && (!best || p.score() < best.score())) best = p;
  }
  return allTrue ? TRUE : best ?? ANY;
}

function disj(parts: Abs[]): Abs {
  const out = new Atoms();
  let unbounded = false;
  for (const p of parts) {
    if (p === TRUE) return TRUE;
    if (p === FALSE) continue;
    if (p === ANY) unbounded = true;
    else out.addAll(p);
  }
  return unbounded ? ANY : atomsOr(out);
}

// ---------------------------------------------------------------------------
// The opens the kernel may keep back

interface Domain {
  /** A successful open (else failed with errno). */
  ok: boolean;
  errno: number;
  /** evt.type values: the rule's events among FILTERED_SYSCALLS. */
  types: readonly string[];
}

/** Values a field can take in the domain, when there are few; null: many. */
function knownValues(fact: string, d: Domain): unknown[] | null {
  if (ABSENT_ON_OPEN.has(fact)) return [null];
  switch (fact) {
    case 'evt.type': return [...d.types];
    case 'evt.res': return [d.ok ? 'SUCCESS' : errnoName(d.errno)];
    case 'evt.rawres': return d.ok ? null : [-d.errno];
    case 'evt.is_open_write': return [false];
    case 'evt.is_open_read': return [true, false];
    case 'fd.num': return d.ok ? null : [-1];
    case 'fd.ino':
    case 'fd.dev': return d.ok ? null : [0];
    case 'fd.name_resolved': return [d.ok];
    case 'fd.typechar': return d.ok ? null : [''];
    default: return null;
  }
}

/** Prepared values by condition: a ruleset is read once per errno. */
const PREPARED = new WeakMap<FactCondition, { ok: boolean; value: unknown }>();

function finite(c: FactCondition, op: Operator, known: unknown[]): Abs {
  let p = PREPARED.get(c);
  if (!p) {
    try {
      p = { ok: true, value: op.prepare(c.value) };
    } catch {
      p = { ok: false, value: null };
    }
    PREPARED.set(c, p);
  }
  if (!p.ok) return ANY;
  const prepared = p.value;
  let yes = 0;
  for (const v of known) if (op.test(v, prepared)) yes++;
  return yes === known.length ? TRUE : yes === 0 ? FALSE : ANY;
}

function isFactRef(v: unknown): boolean {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && typeof (v as { fact?: unknown }).fact === 'string';
}

function stringsOf(value: unknown): string[] {
  return (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');
}

// ---------------------------------------------------------------------------
// Strings the kernel compares byte for byte

/** decodeBytes() shows an invalid byte as \xNN: such text is not the bytes. */
const ESCAPE = /\\x[0-9a-f]{2}/;

/**
 * Whether text can be a path component as the walk writes it: 'never' (so
 * no open the kernel may keep back shows it), 'ok' (as bytes), 'unknown' (it
 * may stand for bytes it does not show).
 */
function componentKind(s: string): 'ok' | 'never' | 'unknown' {
  if (s === '' || s === '.' || s === '..' || s.includes('/') || Buffer.byteLength(s) > 255) return 'never';
  return ESCAPE.test(s) ? 'unknown' : 'ok';
}

function component(s: string): boolean {
  return componentKind(s) === 'ok';
}

/**
 * The end of a decoded string as bytes: text that begins inside a \xNN of
 * the decoded form loses its first characters (a weaker end, still sound).
 */
function safeEnd(s: string): string | null {
  if (ESCAPE.test(s)) return null;
  const cut = /^x[0-9a-f]{2}/.test(s) ? 3 : /^[0-9a-f]{2}/.test(s) ? 2 : /^[0-9a-f]/.test(s) ? 1 : 0;
  const rest = s.slice(cut);
  return rest === '' ? null : rest;
}

/** A name among several: the rarest-looking, then the longest. */
function bestName(names: string[]): string {
  return [...names].sort((a, b) => Number(COMMON_NAMES.has(a)) - Number(COMMON_NAMES.has(b)) || b.length - a.length)[0];
}

/** The names of an absolute, normalised path; 'never' when no path the walk writes looks so. */
function components(p: string): string[] | 'never' | 'unknown' {
  if (!p.startsWith('/')) return 'never';
  const parts = p.split('/').slice(1);
  const kinds = parts.map(componentKind);
  return kinds.includes('never') ? 'never' : kinds.includes('unknown') ? 'unknown' : parts;
}

/** Atoms of one kind for the last name of a path, or the path's verdict. */
function lastOf(p: string, kind: 'final' | 'parent'): Abs {
  const parts = components(p);
  return parts === 'never' ? FALSE : parts === 'unknown' ? ANY : Atoms.of(kind, [parts[parts.length - 1]]);
}

// fd.name of a successful open the kernel may keep back is "/" + its names
// joined by "/": absolute, normalised, at least one name, no trailing slash
// (pseudo files, "/" itself and paths outside the task's root pass anyway).
// Of a failed one it is the path string (joined to its base directory when
// relative): only its last segment is known, the string's own, unless that
// is "", "." or ".." (the kernel passes those).

type Shape = 'name' | 'filename' | 'directory' | 'raw';

function nameStartsWith(s: string): Abs {
  if (!s.startsWith('/')) return s === '' ? ANY : FALSE;
  const whole = s.split('/').slice(1, -1); // each followed by "/" in s
  const kinds = whole.map(componentKind);
  if (kinds.includes('never')) return FALSE;
  const known = whole.filter((_, i) => kinds[i] === 'ok');
  return known.length ? Atoms.of('ancestor', [bestName(known)]) : ANY;
}

/** The last name: the file's own (ok), or the last segment of a failed open's string. */
function lastName(s: string, ok: boolean): Abs {
  if (s === '' || s === '.' || s === '..' || s.includes('/')) return FALSE;
  if (ESCAPE.test(s)) return ANY;
  // No file has a longer name (the kernel passes one anyway); a failed
  // open's string may well have such a segment.
  if (ok && Buffer.byteLength(s) > 255) return FALSE;
  return Atoms.of('final', [s]);
}

function suffixOf(s: string, kind: 'suffix' | 'raw'): Abs {
  const end = s === '' ? null : safeEnd(s);
  return end === null ? ANY : Atoms.of(kind, [end]);
}

function startAtoms(shape: Shape, s: string, ok: boolean): Abs {
  return ok && (shape === 'name' || shape === 'directory') ? nameStartsWith(s) : ANY;
}

function endAtoms(shape: Shape, s: string, ok: boolean): Abs {
  const i = s.lastIndexOf('/');
  switch (shape) {
    case 'name':
      if (s === '') return ANY;
      return i >= 0 ? lastName(s.slice(i + 1), ok) : suffixOf(s, 'suffix');
    case 'filename':
      return i >= 0 ? FALSE : suffixOf(s, 'suffix');
    case 'directory': {
      if (!ok || s === '' || s === '/' || i < 0) return ANY;
      const kind = componentKind(s.slice(i + 1));
      return kind === 'never' ? FALSE : kind === 'unknown' ? ANY : Atoms.of('parent', [s.slice(i + 1)]);
    }
    case 'raw':
      return suffixOf(s, 'raw');
  }
}

function equalAtoms(shape: Shape, v: string, ok: boolean): Abs {
  switch (shape) {
    case 'name':
      return ok ? lastOf(v, 'final') : lastName(v.slice(v.lastIndexOf('/') + 1), ok);
    case 'filename':
      return lastName(v, ok);
    case 'directory':
      return !ok || v === '/' ? ANY : lastOf(v, 'parent');
    case 'raw':
      return v === '' || ESCAPE.test(v) ? ANY : Atoms.of('raw', [v]);
  }
}

function nameContains(s: string): Abs {
  const inner = s.split('/').slice(1, -1); // each between two "/" in s
  const kinds = inner.map(componentKind);
  if (kinds.includes('never')) return FALSE;
  const known = inner.filter((_, i) => kinds[i] === 'ok');
  return known.length ? Atoms.of('ancestor', [bestName(known)]) : ANY;
}

function pathPrefixOf(p: string): Abs {
  if (p === '/') return ANY;
  const parts = components(p);
  if (parts === 'never') return FALSE;
  const known = parts === 'unknown' ? p.split('/').slice(1).filter(component) : parts;
  return known.length ? Atoms.of('ancestor', [bestName(known)]) : ANY;
}

function patternAtoms(shape: Shape, source: string, flags: string, ok: boolean): Abs {
  const alts = literalEnds(source, flags);
  if (!alts) return ANY;
  return disj(
    alts.map((a) => {
      // Every match of the alternative has one of its starts and one of
      // its ends: either bounds it, keep the more selective.
      const options: Abs[] = [];
      if (a.starts) options.push(disj(a.starts.map((s) => startAtoms(shape, s, ok))));
      if (a.ends) options.push(disj(a.ends.map((s) => endAtoms(shape, s, ok))));
      return options.length ? conj(options) : ANY;
    }),
  );
}

const SHAPE_OF: Record<string, Shape> = { 'fd.name': 'name', 'fd.filename': 'filename', 'fd.directory': 'directory', 'fd.nameraw': 'raw' };

function pathLeaf(shape: Shape, operator: string, value: unknown, ok: boolean): Abs {
  const values = stringsOf(value);
  const onPath = ok && (shape === 'name' || shape === 'directory');
  switch (operator) {
    case 'equal':
    case 'in':
      return disj(values.map((v) => equalAtoms(shape, v, ok)));
    case 'startsWith':
      return disj(values.map((s) => startAtoms(shape, s, ok)));
    case 'endsWith':
      return disj(values.map((s) => endAtoms(shape, s, ok)));
    case 'contains':
      return onPath ? disj(values.map(nameContains)) : ANY;
    case 'pathPrefix':
      return onPath ? disj(values.map(pathPrefixOf)) : ANY;
    case 'glob':
      return disj(values.map((g) => patternAtoms(shape, globToSource(g), 's', ok)));
    case 'regex': {
      let pattern: unknown = value;
      let flags = '';
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        pattern = (value as { pattern?: unknown }).pattern;
        flags = String((value as { flags?: unknown }).flags ?? '');
      }
      return disj(stringsOf(pattern).map((p) => patternAtoms(shape, p, flags, ok)));
    }
    case 'exists':
      return ok && typeof value === 'boolean' ? (value ? TRUE : FALSE) : ANY;
    default:
      return ANY;
  }
}

function typeLeaf(operator: string, value: unknown): Abs {
  const typesOf = (c: unknown): number[] =>
    typeof c !== 'string' ? [] : c === '?' ? OTHER_TYPES : c in TYPE_OF_CHAR ? [TYPE_OF_CHAR[c]] : [];
  const chosen = new Set(stringsOf(value).flatMap(typesOf));
  let types: number[];
  switch (operator) {
    case 'equal':
    case 'in':
      types = [...chosen];
      break;
    case 'notEqual':
    case 'notIn':
      types = ALL_TYPES.filter((t) => !chosen.has(t));
      break;
    case 'exists':
      return value === true ? TRUE : value === false ? FALSE : ANY;
    default:
      return ANY;
  }
  const a = new Atoms();
  for (const t of types) a.types.add(t);
  return atomsOr(a);
}

function leaf(c: FactCondition, d: Domain): Abs {
  const op = OPERATORS.get(c.operator);
  if (!op || isFactRef(c.value)) return ANY;
  const known = knownValues(c.fact, d);
  if (known) return finite(c, op, known);
  const shape = SHAPE_OF[c.fact];
  if (shape) return pathLeaf(shape, c.operator, c.value, d.ok);
  if (c.fact === 'fd.typechar') return typeLeaf(c.operator, c.value);
  if (c.fact === 'evt.flags' && (c.operator === 'contains' || c.operator === 'doesNotContain')) {
    const names = stringsOf(c.value);
    if (names.length && names.every((n) => WRITE_FLAG_NAMES.has(n))) return c.operator === 'contains' ? FALSE : TRUE;
  }
  return ANY;
}

/** Facts whose value depends on the errno of a failed open. */
const BY_ERRNO = new Set(['evt.res', 'evt.rawres']);

class Reader {
  private readonly macroCache = new Map<string, Abs>();

  /** `leaves`: results of conditions on facts other than BY_ERRNO, shared across errnos. */
  constructor(
    private readonly macros: ReadonlyMap<string, Condition>,
    private readonly d: Domain,
    private readonly leaves: Map<FactCondition, Abs>,
  ) {}

  read(c: Condition): Abs {
    if ('all' in c) return conj(c.all.map((x) => this.read(x)));
    if ('any' in c) return disj(c.any.map((x) => this.read(x)));
    if ('not' in c) {
      const v = this.read(c.not);
      return v === TRUE ? FALSE : v === FALSE ? TRUE : ANY;
    }
    if ('condition' in c) {
      const hit = this.macroCache.get(c.condition);
      if (hit) return hit;
      const m = this.macros.get(c.condition);
      const v = m ? this.read(m) : ANY;
      this.macroCache.set(c.condition, v);
      return v;
    }
    if (BY_ERRNO.has(c.fact)) return leaf(c, this.d);
    let v = this.leaves.get(c);
    if (!v) this.leaves.set(c, (v = leaf(c, this.d)));
    return v;
  }
}

// ---------------------------------------------------------------------------
// The set

function sorted<T>(xs: Iterable<T>): T[] {
  return [...new Set(xs)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function toPathAtoms(a: Atoms): PathAtoms {
  return {
    final: sorted(a.final),
    parent: sorted(a.parent),
    ancestor: sorted(a.ancestor),
    suffix: sorted(a.suffix),
    raw: sorted(a.raw),
    types: sorted(a.types),
  };
}

/** The interest set of a ruleset (its enabled rules). */
export function deriveInterest(rules: CompiledRuleset | RuleSetSpec): InterestSet {
  const spec = 'macros' in rules ? rules : rules.spec;
  const openRules = spec.rules
    .filter((r) => r.enabled)
    .map((r) => ({ r, types: r.events.filter((t) => FILTERED_SYSCALLS.includes(t)) }))
    .filter((x) => x.types.length > 0);

  const readAll = new Atoms();
  const unbounded: string[] = [];
  const cache = new Map<string, Map<FactCondition, Abs>>();
  const leaves = (ok: boolean, types: readonly string[]): Map<FactCondition, Abs> => {
    const key = `${ok}:${types.join(',')}`;
    let m = cache.get(key);
    if (!m) cache.set(key, (m = new Map()));
    return m;
  };
  for (const { r, types } of openRules) {
    const v = new Reader(spec.macros, { ok: true, errno: 0, types }, leaves(true, types)).read(r.condition);
    if (v === TRUE || v === ANY) unbounded.push(r.name);
    else if (v !== FALSE) readAll.addAll(v);
  }

  const pass: number[] = [];
  const judge: number[] = [];
  const raw = new Set<string>();
  for (let e = 1; e <= ERRNO_MAX; e++) {
    const parts = openRules.map(({ r, types }) => new Reader(spec.macros, { ok: false, errno: e, types }, leaves(false, types)).read(r.condition));
    const v = disj(parts);
    if (v === FALSE) continue;
    // A failed open has no file: only the path string's end can be checked.
    if (v === TRUE || v === ANY || v.parent.size || v.ancestor.size || v.types.size) {
      pass.push(e);
      continue;
    }
    judge.push(e);
    for (const s of [...v.final, ...v.suffix, ...v.raw]) raw.add(s);
  }
  return {
    read: unbounded.length ? null : toPathAtoms(readAll),
    failed: { pass, judge, raw: sorted(raw) },
    unbounded,
  };
}

// ---------------------------------------------------------------------------
// Literal starts and ends of a regular expression (the subset rules use)

type Tok =
  | { t: 'lit'; c: string }
  | { t: 'grp'; alts: QTok[][] }
  | { t: 'any' }
  | { t: 'zero' } // an assertion such as \b: matches no character
  | { t: 'bol' }
  | { t: 'eol' };
interface QTok {
  tok: Tok;
  min: number;
  max: number;
}

const MAX_LITERALS = 64;

class RegexReader {
  i = 0;
  constructor(private readonly s: string) {}

  /** Alternatives up to the end or a ")"; null for syntax this does not follow. */
  alternatives(): QTok[][] | null {
    const alts: QTok[][] = [[]];
    while (this.i < this.s.length) {
      const c = this.s[this.i];
      if (c === ')') return alts;
      if (c === '|') {
        this.i++;
        alts.push([]);
        continue;
      }
      const tok = this.atom();
      if (!tok) return null;
      const q = this.quantifier();
      if (!q) return null;
      alts[alts.length - 1].push({ tok, ...q });
    }
    return alts;
  }

  private atom(): Tok | null {
    const s = this.s;
    const c = s[this.i++];
    switch (c) {
      case '^': return { t: 'bol' };
      case '$': return { t: 'eol' };
      case '.': return { t: 'any' };
      case '(': {
        if (s[this.i] === '?') {
          if (s[this.i + 1] !== ':') return null;
          this.i += 2;
        }
        const alts = this.alternatives();
        if (!alts || s[this.i] !== ')') return null;
        this.i++;
        return { t: 'grp', alts };
      }
      case '[': {
        let j = this.i;
        if (s[j] === '^') j++;
        if (s[j] === ']') j++;
        for (; j < s.length && s[j] !== ']'; j++) if (s[j] === '\\') j++;
        if (j >= s.length) return null;
        this.i = j + 1;
        return { t: 'any' };
      }
      case '\\': {
        const e = s[this.i++];
        if (e === undefined) return null;
        if ('dDwWsS'.includes(e)) return { t: 'any' };
        if ('bB'.includes(e)) return { t: 'zero' };
        const ctl: Record<string, string> = { n: '\n', t: '\t', r: '\r', f: '\f', v: '\v' };
        if (ctl[e]) return { t: 'lit', c: ctl[e] };
        if (e === 'x' && /^[0-9a-fA-F]{2}$/.test(s.slice(this.i, this.i + 2))) {
          this.i += 2;
          return { t: 'lit', c: String.fromCharCode(parseInt(s.slice(this.i - 2, this.i), 16)) };
        }
        if (/[A-Za-z0-9]/.test(e)) return null;
        return { t: 'lit', c: e };
      }
      case '*':
      case '+':
      case '?':
      case '{':
      case '}':
      case ']':
        return c === '{' || c === '}' || c === ']' ? { t: 'lit', c } : null;
      default:
        return { t: 'lit', c };
    }
  }

  private quantifier(): { min: number; max: number } | null {
    const s = this.s;
    let q: { min: number; max: number } = { min: 1, max: 1 };
    const c = s[this.i];
    if (c === '*') q = { min: 0, max: Infinity };
    else if (c === '+') q = { min: 1, max: Infinity };
    else if (c === '?') q = { min: 0, max: 1 };
    else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(s.slice(this.i));
      if (!m) return q; // a literal "{"
      const min = Number(m[1]);
      q = { min, max: m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]) };
      this.i += m[0].length - 1;
    } else return q;
    this.i++;
    if (s[this.i] === '?') this.i++; // lazy
    return q;
  }
}

/** The literal texts a sequence must start with (reversed: end with), and whether they are all of it. */
function literals(seq: QTok[], fromEnd: boolean): { strs: string[]; whole: boolean } {
  let strs = [''];
  const order = fromEnd ? [...seq].reverse() : seq;
  for (const { tok, min, max } of order) {
    if (tok.t === 'zero') continue;
    if (tok.t === 'lit') {
      const add = tok.c.repeat(min);
      strs = strs.map((x) => (fromEnd ? add + x : x + add));
      if (min !== max) return { strs, whole: false };
      continue;
    }
    if (tok.t === 'grp' && min === 1 && max === 1) {
      const subs = tok.alts.map((a) => literals(a, fromEnd));
      const next: string[] = [];
      for (const x of strs) for (const sub of subs) for (const y of sub.strs) next.push(fromEnd ? y + x : x + y);
      if (next.length > MAX_LITERALS) return { strs, whole: false };
      strs = [...new Set(next)];
      if (subs.some((sub) => !sub.whole)) return { strs, whole: false };
      continue;
    }
    return { strs, whole: false };
  }
  return { strs, whole: true };
}

/**
 * For each top-level alternative of a pattern: the literal texts every match
 * starts with when anchored by ^, and ends with when anchored by $ (each a
 * set: a match has one of them). null when the pattern is outside what this
 * reads (flags other than s, look-arounds, back-references).
 */
export function literalEnds(source: string, flags: string): { starts: string[] | null; ends: string[] | null }[] | null {
  if (/[^s]/.test(flags)) return null;
  const r = new RegexReader(source);
  const alts = r.alternatives();
  if (!alts || r.i !== source.length) return null;
  return alts.map((seq) => {
    const first = seq[0];
    const last = seq[seq.length - 1];
    const starts = first && first.tok.t === 'bol' && first.min === 1 ? literals(seq.slice(1), false).strs : null;
    const ends = last && last.tok.t === 'eol' && last.min === 1 ? literals(seq.slice(0, -1), true).strs : null;
    return { starts, ends };
  });
}
