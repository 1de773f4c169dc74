// Validates a condition as written in a rule file and resolves it: list
// names become their items, every field and operator is checked against the
// catalogue, every value is prepared once so a bad pattern fails at load.
import { FIELD_NAMES, fieldType, type FieldType } from './catalog';
import { LIST_OPERATORS, OPERATORS, OperatorValueError } from './operators';
import { didYouMean } from './suggest';
import type { Condition, Location } from './types';
import type { SourceMap } from './yaml-source';

export interface CheckContext {
  map: SourceMap;
  /** Lists, already expanded. */
  lists: ReadonlyMap<string, unknown[]>;
  /** Sequence number of each list's and macro's first declaration. */
  listSeq: ReadonlyMap<string, number>;
  macroSeq: ReadonlyMap<string, number>;
  /** Sequence number of the item being checked: references must be older. */
  seq: number;
  error(at: Location, message: string): void;
}

const COND_KEYS = ['all', 'any', 'not', 'condition', 'fact'];
const FACT_KEYS = new Set(['fact', 'operator', 'value', 'name']);

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return `a ${typeof v}`;
}

export function resolveList(name: string, ctx: CheckContext, at: Location): unknown[] | null {
  const items = ctx.lists.get(name);
  if (!items) {
    ctx.error(at, `unknown list "${name}"${didYouMean(name, ctx.lists.keys())}`);
    return null;
  }
  if ((ctx.listSeq.get(name) ?? 0) > ctx.seq) {
    ctx.error(at, `list "${name}" is used before it is declared; declare it earlier (files load in order)`);
  }
  return items;
}

/** Expands list names inside an array value (Falco's `(shell_binaries, zsh)`). */
function expandItems(items: unknown[], ctx: CheckContext): unknown[] {
  const out: unknown[] = [];
  for (const it of items) {
    if (typeof it === 'string' && ctx.lists.has(it) && (ctx.listSeq.get(it) ?? 0) < ctx.seq) out.push(...ctx.lists.get(it)!);
    else out.push(it);
  }
  return out;
}

function checkFieldName(name: unknown, ctx: CheckContext, at: Location): FieldType | null {
  if (typeof name !== 'string' || name === '') {
    ctx.error(at, `"fact" must be a field name such as fd.name, not ${typeName(name)}`);
    return null;
  }
  const t = fieldType(name);
  if (!t) ctx.error(at, `unknown field "${name}"${didYouMean(name, FIELD_NAMES)}`);
  return t ?? null;
}

function typeLabel(t: FieldType): string {
  return t === 'strings' ? 'list-of-strings' : t;
}

/** The type a {fact: FIELD} value must have for `op` on a field of type `ft`
 *  (null: the operator cannot take another field). */
function refType(op: string, ft: FieldType): FieldType | null {
  switch (op) {
    case 'equal': case 'notEqual': return ft;
    case 'lessThan': case 'lessThanInclusive': case 'greaterThan': case 'greaterThanInclusive': return 'number';
    case 'in': case 'notIn': case 'intersects': return 'strings';
    case 'exists': return null;
    default: return 'string';
  }
}

function checkScalarType(fact: string, t: FieldType, v: unknown, ctx: CheckContext, at: Location): void {
  if (v === null || t === 'any' || t === 'map') return;
  const want = t === 'strings' ? 'string' : t;
  if (typeof v !== want) {
    const hint = want === 'number' && typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v)) ? `; write ${v}, not "${v}"` : '';
    ctx.error(at, `${fact} is a ${want === 'string' ? 'string' : want} field; ${JSON.stringify(v)} is ${typeName(v)}${hint}`);
  }
}

function checkFact(raw: Record<string, unknown>, ctx: CheckContext): Condition | null {
  const { map } = ctx;
  for (const k of Object.keys(raw)) {
    if (!FACT_KEYS.has(k)) {
      const extra = k === 'path' || k === 'params' ? ` ("${k}" is not supported: name the field directly)` : didYouMean(k, [...FACT_KEYS]);
      ctx.error(map.locateKey(raw, k), `unknown key "${k}" in a fact condition${extra}`);
      return null;
    }
  }
  const ft = checkFieldName(raw.fact, ctx, map.locate(raw, 'fact'));
  const opName = raw.operator;
  if (typeof opName !== 'string') {
    ctx.error(map.locate(raw, raw.operator === undefined ? undefined : 'operator'), `a fact condition needs "operator" (one of ${[...OPERATORS.keys()].join(', ')})`);
    return null;
  }
  const op = OPERATORS.get(opName);
  if (!op) {
    ctx.error(map.locate(raw, 'operator'), `unknown operator "${opName}"${didYouMean(opName, OPERATORS.keys())}`);
    return null;
  }
  if (!('value' in raw)) {
    ctx.error(map.locate(raw), `the condition on ${String(raw.fact)} needs a "value"`);
    return null;
  }
  if (ft === null) return null;
  const fact = raw.fact as string;
  const at = map.locate(raw, 'value');
  if (!op.accepts.includes(ft)) {
    ctx.error(map.locate(raw, 'operator'), `operator "${opName}" cannot test ${fact}, a ${ft === 'strings' ? 'list-of-strings' : ft} field`);
    return null;
  }
  let value = raw.value;
  if (isObject(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === 'list') {
      const items = typeof value.list === 'string' ? resolveList(value.list, ctx, at) : null;
      if (typeof value.list !== 'string') ctx.error(at, '{list: NAME} needs a list name');
      if (!items) return null;
      value = items;
    } else if (keys.length === 1 && keys[0] === 'fact') {
      const other = checkFieldName(value.fact, ctx, at);
      if (other === null) return null;
      const want = refType(opName, ft);
      if (want === null || (want !== other && want !== 'any' && other !== 'any')) {
        ctx.error(at, want === null
          ? `operator "${opName}" cannot compare ${fact} with another field`
          : `${fact} ${opName} {fact: ${String(value.fact)}}: ${String(value.fact)} is a ${typeLabel(other)} field; this needs a ${typeLabel(want)} field`);
        return null;
      }
      return { fact, operator: opName, value: { fact: value.fact as string } };
    } else if (opName !== 'regex') {
      ctx.error(at, `value must be a literal, an array, {list: NAME} or {fact: FIELD}`);
      return null;
    }
  } else if (LIST_OPERATORS.has(opName) && typeof value === 'string') {
    const items = resolveList(value, ctx, at);
    if (!items) return null;
    value = items;
  } else if (LIST_OPERATORS.has(opName) && Array.isArray(value)) {
    value = expandItems(value, ctx);
  }
  if (opName === 'equal' || opName === 'notEqual') checkScalarType(fact, ft, value, ctx, at);
  if (LIST_OPERATORS.has(opName) && Array.isArray(value) && opName !== 'intersects') {
    for (const v of value) checkScalarType(fact, ft, v, ctx, at);
  }
  try {
    op.prepare(value);
  } catch (err) {
    if (!(err instanceof OperatorValueError)) throw err;
    ctx.error(at, `${opName}: ${err.message}`);
    return null;
  }
  return { fact, operator: opName, value };
}

export function checkCondition(raw: unknown, ctx: CheckContext, where: Location, depth = 0): Condition | null {
  const { map } = ctx;
  if (!isObject(raw)) {
    ctx.error(where, `a condition must be a mapping with one of ${COND_KEYS.join(', ')}; got ${typeName(raw)}`);
    return null;
  }
  if (depth > 50) {
    ctx.error(where, 'condition nested more than 50 levels deep');
    return null;
  }
  const present = COND_KEYS.filter((k) => k in raw);
  if (present.length === 0) {
    const k = Object.keys(raw)[0];
    ctx.error(k ? map.locateKey(raw, k) : where, `a condition needs one of ${COND_KEYS.join(', ')}${k ? `; "${k}" is not a condition key${didYouMean(k, COND_KEYS)}` : ''}`);
    return null;
  }
  if (present.length > 1) {
    ctx.error(map.locateKey(raw, present[1]), `a condition has exactly one of ${COND_KEYS.join(', ')}; this one has ${present.join(' and ')}`);
    return null;
  }
  const kind = present[0];
  if (kind === 'fact') return checkFact(raw, ctx);
  for (const k of Object.keys(raw)) {
    if (k !== kind && k !== 'name') {
      ctx.error(map.locateKey(raw, k), `unexpected key "${k}" beside "${kind}"`);
      return null;
    }
  }
  if (kind === 'all' || kind === 'any') {
    const list = raw[kind];
    if (!Array.isArray(list)) {
      ctx.error(map.locate(raw, kind), `"${kind}" takes an array of conditions`);
      return null;
    }
    const out: Condition[] = [];
    let ok = true;
    list.forEach((c, i) => {
      const r = checkCondition(c, ctx, map.locate(list, i), depth + 1);
      if (r) out.push(r);
      else ok = false;
    });
    if (!ok) return null;
    return kind === 'all' ? { all: out } : { any: out };
  }
  if (kind === 'not') {
    const r = checkCondition(raw.not, ctx, map.locate(raw, 'not'), depth + 1);
    return r ? { not: r } : null;
  }
  const name = raw.condition;
  const at = map.locate(raw, 'condition');
  if (typeof name !== 'string') {
    ctx.error(at, '"condition" takes the name of a macro');
    return null;
  }
  const seq = ctx.macroSeq.get(name);
  if (seq === undefined) {
    ctx.error(at, `unknown macro "${name}"${didYouMean(name, ctx.macroSeq.keys())}`);
    return null;
  }
  if (seq >= ctx.seq) {
    ctx.error(at, `macro "${name}" is used before it is declared; declare it earlier (files load in order)`);
    return null;
  }
  return { condition: name };
}
