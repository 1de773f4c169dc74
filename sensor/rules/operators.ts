// The operators a condition may use. Each one prepares its value once (a Set,
// compiled patterns, parsed networks) and then tests field values with no
// allocation. The compiled engine and the json-rules-engine reference use
// these same definitions, so the differential test checks how conditions are
// combined, not two copies of each operator.
import { addressBytes, inNetwork, parseCidr, type Network } from './cidr';
import { compileGlob } from './glob';
import { REGEX_INPUT_MAX, linearRegExp } from './regex';
import type { FieldType } from './catalog';

export class OperatorValueError extends Error {}

export interface Operator<P = unknown> {
  name: string;
  /** Field types the operator can test. */
  accepts: readonly FieldType[];
  /** Validate and prepare the condition's value; throws OperatorValueError. */
  prepare(value: unknown): P;
  test(fact: unknown, prepared: P): boolean;
  /** Defined by json-rules-engine itself: the reference keeps its own copy. */
  builtin?: boolean;
}

const ANY: readonly FieldType[] = ['string', 'number', 'boolean', 'strings', 'map', 'any'];
const SCALAR: readonly FieldType[] = ['string', 'number', 'boolean', 'any'];
const STR: readonly FieldType[] = ['string', 'any'];

function isScalar(v: unknown): v is string | number | boolean | null {
  return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

function scalar(value: unknown): unknown {
  if (!isScalar(value)) throw new OperatorValueError('value must be a string, number, boolean or null');
  return value;
}

function scalarSet(value: unknown): Set<unknown> {
  if (!Array.isArray(value)) throw new OperatorValueError('value must be an array or the name of a list');
  for (const v of value) if (!isScalar(v)) throw new OperatorValueError('list items must be strings, numbers or booleans');
  return new Set(value);
}

// An empty array (often a list users fill in, or the sensor at start) is
// allowed: no value, so the positive operators never match.
function strings(value: unknown): string[] {
  const arr = Array.isArray(value) ? value : [value];
  for (const v of arr) if (typeof v !== 'string') throw new OperatorValueError('value must be a string or an array of strings');
  return arr as string[];
}

function number(value: unknown): number {
  if (typeof value !== 'number' || Number.isNaN(value)) throw new OperatorValueError('value must be a number');
  return value;
}

function anyString(fact: unknown, values: string[], pred: (s: string, v: string) => boolean): boolean {
  if (typeof fact !== 'string') return false;
  for (let i = 0; i < values.length; i++) if (pred(fact, values[i])) return true;
  return false;
}

function anyRegex(fact: unknown, res: RegExp[]): boolean {
  if (typeof fact !== 'string') return false;
  for (let i = 0; i < res.length; i++) if (res[i].test(fact)) return true;
  return false;
}

// Not on list or map fields: === on an array is identity, never what a rule means.
const equal: Operator<unknown> = {
  name: 'equal', accepts: SCALAR, builtin: true, prepare: scalar,
  test: (a, b) => a === b,
};
const notEqual: Operator<unknown> = {
  name: 'notEqual', accepts: SCALAR, builtin: true, prepare: scalar,
  test: (a, b) => a !== b,
};
const inOp: Operator<Set<unknown>> = {
  name: 'in', accepts: SCALAR, builtin: true, prepare: scalarSet,
  test: (a, set) => set.has(a),
};
const notIn: Operator<Set<unknown>> = {
  name: 'notIn', accepts: SCALAR, builtin: true, prepare: scalarSet,
  test: (a, set) => !set.has(a),
};

function numeric(name: string, cmp: (a: number, b: number) => boolean): Operator<number> {
  return { name, accepts: ['number', 'any'], prepare: number, test: (a, b) => typeof a === 'number' && cmp(a, b) };
}

function containsTest(a: unknown, values: unknown[]): boolean {
  if (typeof a === 'string') {
    for (let i = 0; i < values.length; i++) if (a.includes(values[i] as string)) return true;
    return false;
  }
  if (Array.isArray(a)) {
    for (let i = 0; i < values.length; i++) if (a.includes(values[i])) return true;
  }
  return false;
}

function containsValues(value: unknown): unknown[] {
  const arr = Array.isArray(value) ? value : [value];
  for (const v of arr) if (!isScalar(v) || v === null) throw new OperatorValueError('value must be a string or number, or an array of them');
  return arr;
}

const contains: Operator<unknown[]> = {
  name: 'contains', accepts: ['string', 'strings', 'any'], prepare: containsValues,
  test: containsTest,
};
const doesNotContain: Operator<unknown[]> = {
  name: 'doesNotContain', accepts: ['string', 'strings', 'any'], prepare: containsValues,
  test: (a, v) => (typeof a === 'string' || Array.isArray(a)) && !containsTest(a, v),
};
const startsWith: Operator<string[]> = {
  name: 'startsWith', accepts: STR, prepare: strings,
  test: (a, v) => anyString(a, v, (s, p) => s.startsWith(p)),
};
const endsWith: Operator<string[]> = {
  name: 'endsWith', accepts: STR, prepare: strings,
  test: (a, v) => anyString(a, v, (s, p) => s.endsWith(p)),
};

/** Segment-aware: `/etc` holds `/etc` and `/etc/x`, never `/etcx`. */
const pathPrefix: Operator<string[]> = {
  name: 'pathPrefix', accepts: STR,
  prepare: (value) =>
    strings(value).map((p) => {
      if (!p.startsWith('/')) throw new OperatorValueError(`path prefix "${p}" must be absolute`);
      return p.length > 1 && p.endsWith('/') ? p.replace(/\/+$/, '') || '/' : p;
    }),
  test: (a, v) =>
    anyString(a, v, (s, p) => p === '/' ? s.startsWith('/') : s.startsWith(p) && (s.length === p.length || s.charCodeAt(p.length) === 47)),
};

const glob: Operator<RegExp[]> = {
  name: 'glob', accepts: STR,
  prepare: (value) => strings(value).map(compileGlob),
  test: anyRegex,
};

interface PreparedRegex {
  res: RegExp[];
  caseless: boolean;
}

const regex: Operator<PreparedRegex> = {
  name: 'regex', accepts: STR,
  prepare: (value) => {
    let pattern: unknown = value;
    let flags = '';
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const o = value as Record<string, unknown>;
      pattern = o.pattern;
      flags = typeof o.flags === 'string' ? o.flags : '';
      if (o.flags !== undefined && typeof o.flags !== 'string') throw new OperatorValueError('regex flags must be a string such as "i"');
    }
    try {
      return { res: strings(pattern).map((p) => linearRegExp(p, flags)), caseless: flags.includes('i') };
    } catch (err) {
      throw new OperatorValueError((err as Error).message);
    }
  },
  test: (a, p) => {
    if (typeof a !== 'string') return false;
    let s = a.length > REGEX_INPUT_MAX ? a.slice(0, REGEX_INPUT_MAX) : a;
    if (p.caseless) s = s.toLowerCase();
    return anyRegex(s, p.res);
  },
};

const cidr: Operator<Network[]> = {
  name: 'cidr', accepts: STR,
  prepare: (value) => {
    try {
      return strings(value).map(parseCidr);
    } catch (err) {
      throw new OperatorValueError((err as Error).message);
    }
  },
  test: (a, nets) => {
    if (typeof a !== 'string' || a === '') return false;
    const bytes = addressBytes(a);
    if (!bytes) return false;
    for (let i = 0; i < nets.length; i++) if (inNetwork(bytes, nets[i])) return true;
    return false;
  },
};

const exists: Operator<boolean> = {
  name: 'exists', accepts: ANY,
  prepare: (value) => {
    if (typeof value !== 'boolean') throw new OperatorValueError('value must be true or false');
    return value;
  },
  test: (a, want) => (a !== null && a !== undefined) === want,
};

const intersects: Operator<Set<unknown>> = {
  name: 'intersects', accepts: ['strings', 'any'], prepare: scalarSet,
  test: (a, set) => {
    if (!Array.isArray(a)) return false;
    for (let i = 0; i < a.length; i++) if (set.has(a[i])) return true;
    return false;
  },
};

export const OPERATORS: ReadonlyMap<string, Operator> = new Map(
  ([
    equal, notEqual, inOp, notIn,
    numeric('lessThan', (a, b) => a < b),
    numeric('lessThanInclusive', (a, b) => a <= b),
    numeric('greaterThan', (a, b) => a > b),
    numeric('greaterThanInclusive', (a, b) => a >= b),
    contains, doesNotContain, startsWith, endsWith, pathPrefix, glob, regex, cidr, exists, intersects,
  ] as Operator[]).map((o) => [o.name, o]),
);

/** Operators whose plain-string value names a list. */
export const LIST_OPERATORS = new Set(['in', 'notIn', 'intersects']);
