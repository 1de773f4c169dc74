// The interest set in the file object's maps (bpf/file.bpf.c): encoding,
// writing with a generation switch so a reload is seen whole, and a mirror of
// the kernel's decision that the tests hold against both the rules and the
// kernel itself.
import {
  EV_PATH_DEPTH,
  EV_PATH_MAX,
  INTEREST_BLOOM_BITS,
  INTEREST_GENS,
  INTEREST_NAME_MAX,
  INTEREST_ON,
  InterestCfg,
  InterestKey,
  InterestKind,
} from '../decode/layout';
import type { InterestSet } from '../rules/interest';
import type { BpfObject } from './object';

/** Entries of one generation; the map holds INTEREST_GENS of them. */
export const INTEREST_ENTRIES_MAX = 2048;

const O_CREAT = 0o100;
const O_TRUNC = 0o1000;

export interface InterestEntry {
  len: number;
  /** INTEREST_NAME_MAX bytes, zero-padded. */
  name: Buffer;
  kinds: number;
}

export interface EncodedInterest {
  on: boolean;
  types: number;
  depth: number;
  suffixLens: number;
  rawLens: number;
  failRawLens: number;
  failPass: Set<number>;
  failJudge: Set<number>;
  entries: Map<string, InterestEntry>;
  /** Where the set had to be widened to fit. */
  notes: string[];
}

function keyId(len: number, name: Buffer): string {
  return `${len}:${name.toString('hex')}`;
}

function add(enc: EncodedInterest, len: number, bytes: Buffer, kinds: number): void {
  const name = Buffer.alloc(INTEREST_NAME_MAX);
  bytes.copy(name, 0, 0, Math.min(bytes.length, INTEREST_NAME_MAX));
  const id = keyId(len, name);
  const e = enc.entries.get(id);
  if (e) e.kinds |= kinds;
  else enc.entries.set(id, { len, name, kinds });
}

/** A whole name: its length and first INTEREST_NAME_MAX bytes. */
function addName(enc: EncodedInterest, s: string, kind: number): void {
  const b = Buffer.from(s, 'utf8');
  if (b.length === 0 || b.length > 255) return; // no path component looks so
  add(enc, b.length, b, kind);
}

/** An end of a string: its last INTEREST_NAME_MAX bytes at most. Returns the key length. */
function addEnd(enc: EncodedInterest, s: string, kind: number): number {
  const b = Buffer.from(s, 'utf8');
  const tail = b.subarray(Math.max(0, b.length - INTEREST_NAME_MAX));
  add(enc, tail.length, tail, kind);
  return tail.length;
}

function empty(on: boolean): EncodedInterest {
  return {
    on,
    types: 0,
    depth: 0,
    suffixLens: 0,
    rawLens: 0,
    failRawLens: 0,
    failPass: new Set(),
    failJudge: new Set(),
    entries: new Map(),
    notes: [],
  };
}

const ALL_TYPES = 0xffff;

/** What the maps will hold for `set`; null: no interest set (every open passes). */
export function encodeInterest(set: InterestSet | null): EncodedInterest {
  if (!set) return empty(false);
  const enc = empty(true);
  const r = set.read;
  if (!r) enc.types = ALL_TYPES;
  else {
    for (const t of r.types) enc.types |= 1 << (t & 15);
    for (const n of r.final) addName(enc, n, InterestKind.FINAL);
    for (const n of r.parent) addName(enc, n, InterestKind.PARENT);
    for (const n of r.ancestor) addName(enc, n, InterestKind.ANCESTOR);
    for (const s of r.suffix) enc.suffixLens |= 1 << addEnd(enc, s, InterestKind.SUFFIX);
    for (const s of r.raw) enc.rawLens |= 1 << addEnd(enc, s, InterestKind.RAW);
    enc.depth = r.ancestor.length ? EV_PATH_DEPTH : r.parent.length ? 2 : r.final.length || r.suffix.length ? 1 : 0;
  }
  for (const e of set.failed.pass) if (e >= 1 && e <= 255) enc.failPass.add(e);
  for (const e of set.failed.judge) if (e >= 1 && e <= 255) enc.failJudge.add(e);
  for (const s of set.failed.raw) enc.failRawLens |= 1 << addEnd(enc, s, InterestKind.FAIL_RAW);
  if (enc.entries.size > INTEREST_ENTRIES_MAX) {
    const notes = [`${enc.entries.size} names and ends are more than the kernel holds (${INTEREST_ENTRIES_MAX}): every read-only open passes`];
    Object.assign(enc, empty(true), { types: ALL_TYPES, notes });
    for (let e = 1; e <= 255; e++) enc.failPass.add(e);
  }
  return enc;
}

/** Bit n of a little-endian array of u64 words at off. */
function bits256(set: Set<number>, buf: Buffer, off: number): void {
  for (const n of set) {
    const word = off + (n >> 6) * 8;
    buf.writeBigUInt64LE(buf.readBigUInt64LE(word) | (1n << BigInt(n & 63)), word);
  }
}

const M64 = (1n << 64n) - 1n;

function rotl(x: bigint, n: number): bigint {
  return ((x << BigInt(n)) | (x >> BigInt(64 - n))) & M64;
}

/** The two bloom bits of a key (bloom_hit() in bpf/file.bpf.c). */
export function bloomBits(key: Buffer): [number, number] {
  const w = [0, 8, 16, 24].map((o) => key.readBigUInt64LE(o));
  const h = ((w[0] ^ rotl(w[1], 21) ^ rotl(w[2], 42) ^ w[3]) * 0x9e3779b97f4a7c15n) & M64;
  return [Number(h >> 54n) & (INTEREST_BLOOM_BITS - 1), Number((h >> 44n) & BigInt(INTEREST_BLOOM_BITS - 1))];
}

/** struct interest_cfg as bytes, for the keys of generation `gen`. */
export function cfgBytes(enc: EncodedInterest, gen: number): Buffer {
  const b = Buffer.alloc(InterestCfg.size);
  b.writeUInt32LE(enc.on ? INTEREST_ON : 0, InterestCfg.flags);
  b.writeUInt32LE(enc.types >>> 0, InterestCfg.types);
  b.writeUInt32LE(enc.depth, InterestCfg.depth);
  b.writeUInt32LE(enc.suffixLens >>> 0, InterestCfg.suffixLens);
  b.writeUInt32LE(enc.rawLens >>> 0, InterestCfg.rawLens);
  b.writeUInt32LE(enc.failRawLens >>> 0, InterestCfg.failRawLens);
  const bloom = new Set<number>();
  for (const e of enc.entries.values()) for (const bit of bloomBits(keyBytes(gen, e))) bloom.add(bit);
  bits256(bloom, b, InterestCfg.bloom);
  bits256(enc.failPass, b, InterestCfg.failPass);
  bits256(enc.failJudge, b, InterestCfg.failJudge);
  return b;
}

/** struct interest_key as bytes. */
export function keyBytes(gen: number, e: { len: number; name: Buffer }): Buffer {
  const b = Buffer.alloc(InterestKey.size);
  b.writeUInt16LE(e.len, InterestKey.len);
  b.writeUInt8(gen, InterestKey.gen);
  e.name.copy(b, InterestKey.name, 0, INTEREST_NAME_MAX);
  return b;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0, 0);
  return b;
}

/**
 * Writes interest sets into a loaded file object. Each write fills the
 * generation not in force (its old keys deleted first), then switches
 * interest_gen with one 4-byte store: a program run sees the old set or the
 * new one, never a mix. The old generation's keys stay until the next write,
 * so a run that read the old generation number still finds them.
 */
export class InterestMaps {
  private gen: number;

  constructor(private readonly obj: BpfObject) {
    this.gen = 0;
  }

  static supported(obj: BpfObject): boolean {
    return ['interest_names', 'interest_cfg', 'interest_gen'].every((m) => obj.hasMap(m));
  }

  /** The generation in force. */
  get generation(): number {
    return this.gen;
  }

  write(enc: EncodedInterest): void {
    const next = (this.gen + 1) % INTEREST_GENS;
    for (const k of this.obj.mapKeys('interest_names', InterestKey.size)) {
      if (k[InterestKey.gen] === next) this.obj.mapDelete('interest_names', k);
    }
    for (const e of enc.entries.values()) this.obj.mapUpdate('interest_names', keyBytes(next, e), u32(e.kinds));
    this.obj.mapUpdate('interest_cfg', u32(next), cfgBytes(enc, next));
    this.obj.mapUpdate('interest_gen', u32(0), u32(next));
    this.gen = next;
  }
}

// ---------------------------------------------------------------------------
// The kernel's decision, in TypeScript

/** What the exit program knows of an open. */
export interface OpenInput {
  syscall: 'open' | 'openat' | 'openat2' | 'creat';
  /** Open flags as passed. */
  flags: number;
  /** fd, or -errno. */
  ret: number;
  /** The string the caller passed. */
  raw: string;
  /**
   * Successful opens: the names of the path the kernel would write, the
   * file's own first; null for a pseudo file, a path outside the task's
   * root, or an fd already closed again.
   */
  names?: string[] | null;
  /** Mount points crossed on the way up (each takes a walk step). */
  mounts?: number;
  /** i_mode of the opened file. */
  iMode?: number;
}

export type KernelVerdict = 'pass' | 'filtered_read' | 'filtered_failed';

function bit(set: number, k: number): boolean {
  return k < 32 && ((set >>> k) & 1) === 1;
}

/** The kinds the kernel finds for a key: bloom first, then the map. */
function lookup(enc: EncodedInterest, bloom: Set<number>, len: number, bytes: Buffer): number {
  const name = Buffer.alloc(INTEREST_NAME_MAX);
  bytes.copy(name, 0, 0, Math.min(bytes.length, INTEREST_NAME_MAX));
  const [a, b] = bloomBits(keyBytes(MIRROR_GEN, { len, name }));
  if (!bloom.has(a) || !bloom.has(b)) return 0;
  return enc.entries.get(keyId(len, name))?.kinds ?? 0;
}

/** The generation the mirror pretends is in force (the bloom depends on it). */
const MIRROR_GEN = 1;

const blooms = new WeakMap<EncodedInterest, Set<number>>();

function bloomOf(enc: EncodedInterest): Set<number> {
  const known = blooms.get(enc);
  if (known) return known;
  const bloom = new Set<number>();
  blooms.set(enc, bloom);
  for (const e of enc.entries.values()) for (const bit of bloomBits(keyBytes(MIRROR_GEN, e))) bloom.add(bit);
  return bloom;
}

function suffixHit(enc: EncodedInterest, bloom: Set<number>, lens: number, s: Buffer, kind: number): boolean {
  for (let k = 1; k <= INTEREST_NAME_MAX; k++) {
    if (k > s.length) break;
    if (!bit(lens, k)) continue;
    if (lookup(enc, bloom, k, s.subarray(s.length - k)) & kind) return true;
  }
  return false;
}

function rawWanted(enc: EncodedInterest, bloom: Set<number>, lens: number, raw: string, kind: number, endChecks: boolean): boolean {
  const b = Buffer.from(raw, 'utf8').subarray(0, EV_PATH_MAX - 1);
  const len = b.length;
  if (len === 0) return true;
  if (endChecks) {
    const c = b[len - 1];
    if (c === 0x2f) return true;
    if (c === 0x2e) {
      const c2 = len >= 2 ? b[len - 2] : 0x2f;
      if (c2 === 0x2f) return true;
      if (c2 === 0x2e && (len < 3 || b[len - 3] === 0x2f)) return true;
    }
  }
  return suffixHit(enc, bloom, lens, b, kind);
}

function readWanted(enc: EncodedInterest, bloom: Set<number>, o: OpenInput): boolean {
  if (o.names === null || o.names === undefined) return true;
  if (bit(enc.types, ((o.iMode ?? 0) >> 12) & 15)) return true;
  if (enc.depth) {
    if (o.names.length === 0) return true; // "/" itself
    // Each name and each mount crossing take one of the walk's
    // EV_PATH_DEPTH steps; crossings are counted as if first.
    const budget = EV_PATH_DEPTH - (o.mounts ?? 0);
    let level = 0;
    for (const name of o.names) {
      if (level + 1 > budget) return true;
      const b = Buffer.from(name, 'utf8');
      if (b.length > 255) return true;
      let want: number = InterestKind.ANCESTOR;
      if (level === 0) want |= InterestKind.FINAL;
      else if (level === 1) want |= InterestKind.PARENT;
      if (lookup(enc, bloom, b.length, b) & want) return true;
      if (level === 0 && enc.suffixLens && suffixHit(enc, bloom, enc.suffixLens, b, InterestKind.SUFFIX)) return true;
      level++;
      if (level >= enc.depth) break;
    }
    if (level < enc.depth && o.names.length > budget) return true;
  }
  if (enc.rawLens) return rawWanted(enc, bloom, enc.rawLens, o.raw, InterestKind.RAW, false);
  return false;
}

/** What bpf/file.bpf.c does with an open, given the maps hold `enc`. */
export function kernelVerdict(enc: EncodedInterest, o: OpenInput): KernelVerdict {
  if (!enc.on) return 'pass';
  if (o.syscall !== 'open' && o.syscall !== 'openat') return 'pass';
  if (o.flags & (3 | O_CREAT | O_TRUNC)) return 'pass';
  const bloom = bloomOf(enc);
  if (o.ret >= 0) return readWanted(enc, bloom, o) ? 'pass' : 'filtered_read';
  if (o.ret < -255) return 'pass';
  const e = -o.ret;
  if (enc.failPass.has(e)) return 'pass';
  if (enc.failJudge.has(e) && rawWanted(enc, bloom, enc.failRawLens, o.raw, InterestKind.FAIL_RAW, true)) return 'pass';
  return 'filtered_failed';
}
