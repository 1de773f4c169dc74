// Serialising alerts to JSON that every downstream parser accepts. Workload
// strings are hostile (style.md): JSON.stringify already escapes quotes and
// control characters, but it keeps lone UTF-16 surrogates as `\udXXX`
// escapes, which strict parsers (Rust's serde_json, some SIEM ingesters)
// reject, and it leaves U+2028/U+2029 raw, which break line-oriented tools
// and JavaScript eval. Both are handled here, once, for every format.
import type { FieldValue } from '../decode/fields';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const ANY_SURROGATE = /[\uD800-\uDFFF]/;

/** The string with each lone surrogate replaced by U+FFFD, so it is valid
 *  Unicode and encodes to valid UTF-8. */
export function wellFormed(s: string): string {
  // Surrogates are rare: one test keeps the common case allocation-free.
  return ANY_SURROGATE.test(s) ? s.replace(LONE_SURROGATE, '\uFFFD') : s;
}

/** A field value with every string (and map key) made well-formed. */
export function wellFormedValue(v: FieldValue): FieldValue {
  if (typeof v === 'string') return wellFormed(v);
  if (Array.isArray(v)) return v.map(wellFormed);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, string> = {};
    for (const [k, x] of Object.entries(v)) out[wellFormed(k)] = wellFormed(String(x));
    return out;
  }
  return v;
}

/** output_fields with well-formed keys and values. */
export function wellFormedFields(f: Readonly<Record<string, FieldValue>>): Record<string, FieldValue> {
  const out: Record<string, FieldValue> = {};
  for (const [k, v] of Object.entries(f)) out[wellFormed(k)] = wellFormedValue(v);
  return out;
}

const LINE_SEPARATORS = /[\u2028\u2029]/g;

/** One line of JSON: no raw newline, U+2028 or U+2029 anywhere in it. The
 *  caller makes strings well-formed first. */
export function jsonLine(value: unknown): string {
  return JSON.stringify(value).replace(LINE_SEPARATORS, (c) => (c === '\u2028' ? '\\u2028' : '\\u2029'));
}

/** [seconds, nanoseconds] of an RFC 3339 time, keeping all nine fraction
 *  digits (Date keeps three); null when it is not one. */
export function rfc3339HrTime(t: string): [number, number] | null {
  const ms = Date.parse(t);
  if (Number.isNaN(ms)) return null;
  const m = /\.(\d{1,9})(?:Z|[+-]\d\d:?\d\d)$/i.exec(t);
  const nanos = m ? Number(m[1]!.padEnd(9, '0')) : (ms % 1000) * 1e6;
  return [Math.floor(ms / 1000), nanos];
}
