// Parsers for setting values. Flags and environment variables give strings;
// YAML gives strings, numbers, booleans, lists and maps. Each parser accepts
// what makes sense from either and throws a ValueError saying what to write
// instead; the caller adds where the value came from.
import { didYouMean } from './errors';
import { PRIORITIES, Priority } from '../alerts/types';

export class ValueError extends Error {}

function show(raw: unknown): string {
  const s = typeof raw === 'string' ? raw : JSON.stringify(raw) ?? String(raw);
  return JSON.stringify(s.length > 80 ? `${s.slice(0, 77)}...` : s);
}

export function parseString(raw: unknown): string {
  if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
  if (typeof raw !== 'string') throw new ValueError(`${show(raw)} is not text; give a single value`);
  const s = raw.trim();
  if (!s) throw new ValueError('is empty; give a value or leave the setting out');
  return s;
}

export function parseInt(raw: unknown, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const s = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
  if (!/^-?\d+$/.test(s)) throw new ValueError(`${show(raw)} is not a whole number; write digits only, e.g. ${Math.max(min, 10)}`);
  const n = Number(s);
  if (n < min || n > max) throw new ValueError(`${n} is out of range; use ${min} to ${max}`);
  return n;
}

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

export function parseBool(raw: unknown): boolean {
  if (typeof raw === 'boolean') return raw;
  const s = String(raw).trim().toLowerCase();
  if (TRUE.has(s)) return true;
  if (FALSE.has(s)) return false;
  throw new ValueError(`${show(raw)} is not true or false; write true or false`);
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "10s", "250ms", "1.5m", "1h"; a bare 0 means off. Returns milliseconds. */
export function parseDuration(raw: unknown): number {
  const s = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
  if (s === '0') return 0;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(s);
  if (!m) throw new ValueError(`${show(raw)} is not a duration; write a number with a unit (ms, s, m, h), e.g. 10s or 500ms`);
  return Math.round(Number(m[1]) * DURATION_UNITS[m[2]!]!);
}

const BYTE_UNITS: Record<string, number> = {
  '': 1, b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, k: 1024, m: 1024 ** 2, g: 1024 ** 3,
};

/** "256MiB", "1GiB", "500MB", or plain bytes. */
export function parseBytes(raw: unknown): number {
  const s = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(s);
  const unit = m ? BYTE_UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) throw new ValueError(`${show(raw)} is not a size; write bytes or a number with KiB, MiB or GiB, e.g. 256MiB`);
  const n = Math.floor(Number(m[1]) * unit);
  if (!Number.isSafeInteger(n)) throw new ValueError(`${show(raw)} is too large`);
  return n;
}

/** A YAML list of scalars, a repeated flag, or "a,b,c". */
export function parseList(raw: unknown): string[] {
  const items: unknown[] = Array.isArray(raw) ? raw.flatMap((x) => (typeof x === 'string' ? x.split(',') : [x])) : typeof raw === 'string' ? raw.split(',') : [raw];
  const out: string[] = [];
  for (const x of items) {
    if (typeof x !== 'string' && typeof x !== 'number') throw new ValueError(`${show(raw)} is not a list of names; write a,b or a YAML list`);
    const s = String(x).trim();
    if (s) out.push(s);
  }
  return out;
}

/**
 * A YAML mapping, a repeated flag of k=v (one pair each, so values may hold
 * commas), or "k=v,k2=v2" (split: env variables and single-flag maps;
 * values may be percent-encoded, as OTEL_EXPORTER_OTLP_HEADERS allows).
 */
export function parseMap(raw: unknown, split: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    for (const [k, v] of Object.entries(raw)) {
      if (v === null || typeof v === 'object') throw new ValueError(`the value of "${k}" is not text; write key: value pairs`);
      out[k] = String(v);
    }
    return out;
  }
  const pairs = (Array.isArray(raw) ? raw : [raw]).flatMap((x) => (split ? String(x).split(',') : [String(x)]));
  for (const p of pairs) {
    if (!p.trim()) continue;
    const i = p.indexOf('=');
    if (i <= 0) throw new ValueError(`${show(p)} is not key=value; write e.g. authorization=Bearer%20token`);
    const k = p.slice(0, i).trim();
    let v = p.slice(i + 1).trim();
    if (split) {
      try {
        v = decodeURIComponent(v);
      } catch {
        throw new ValueError(`the value of "${k}" has a bad %-escape; write %25 for a literal %`);
      }
    }
    out[k] = v;
  }
  return out;
}

/** One of `values`, matched case-insensitively; returns the canonical spelling. */
export function parseEnum<T extends string>(raw: unknown, values: readonly T[]): T {
  const s = String(raw).trim();
  const hit = values.find((v) => v.toLowerCase() === s.toLowerCase());
  if (hit !== undefined) return hit;
  throw new ValueError(`${show(raw)} is not one of ${values.join(', ')}${didYouMean(s, values)}`);
}

const PRIORITY_ALIASES: Record<string, Priority> = {
  emerg: 'Emergency',
  crit: 'Critical',
  err: 'Error',
  warn: 'Warning',
  info: 'Informational',
};

export function parsePriority(raw: unknown): Priority {
  const s = String(raw).trim().toLowerCase();
  const alias = PRIORITY_ALIASES[s];
  if (alias) return alias;
  return parseEnum(raw, PRIORITIES);
}

/** An http:// or https:// URL. */
export function parseUrl(raw: unknown): string {
  const s = parseString(raw);
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    throw new ValueError(`${show(raw)} is not a URL; write e.g. http://otel-collector:4318`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new ValueError(`${show(raw)} has scheme ${u.protocol.replace(/:$/, '')}; use http:// or https://`);
  }
  return s;
}

/** host:port with a port from 1 to 65535 ([v6]:port for IPv6). */
export function parseHostPort(raw: string): string {
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})$/.exec(raw);
  const port = m ? Number(m[2]) : 0;
  if (!m || port < 1 || port > 65535) throw new ValueError(`${show(raw)} is not host:port; write e.g. kafka-0.kafka:9092`);
  return raw;
}
