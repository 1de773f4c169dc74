// Conditions become plain synchronous closures, once, when rules load: no
// promise, no almanac, no lookup by operator name per event.
import type { Fields } from '../decode/fields';
import { accessor } from './derived';
import { OPERATORS } from './operators';
import type { Condition, FactCondition } from './types';

export type Predicate = (f: Fields) => boolean;

const TRUE: Predicate = () => true;
const FALSE: Predicate = () => false;

function isFactRef(v: unknown): v is { fact: string } {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && typeof (v as { fact?: unknown }).fact === 'string';
}

function compileFact(c: FactCondition): Predicate {
  const op = OPERATORS.get(c.operator);
  if (!op) throw new Error(`unknown operator "${c.operator}"`);
  const get = accessor(c.fact);
  const test = op.test;
  if (isFactRef(c.value)) {
    const other = accessor(c.value.fact);
    // equal and notEqual are === and !== whatever the other field holds (as
    // in json-rules-engine); the rest prepare the other field per event.
    if (c.operator === 'equal' || c.operator === 'notEqual') return (f) => test(get(f), other(f));
    return (f) => {
      try {
        return test(get(f), op.prepare(other(f)));
      } catch {
        return false;
      }
    };
  }
  const prepared = op.prepare(c.value);
  return (f) => test(get(f), prepared);
}

function all(ps: Predicate[]): Predicate {
  switch (ps.length) {
    case 0: return TRUE;
    case 1: return ps[0];
    case 2: { const [a, b] = ps; return (f) => a(f) && b(f); }
    case 3: { const [a, b, c] = ps; return (f) => a(f) && b(f) && c(f); }
    default: return (f) => {
      for (let i = 0; i < ps.length; i++) if (!ps[i](f)) return false;
      return true;
    };
  }
}

function any(ps: Predicate[]): Predicate {
  switch (ps.length) {
    case 0: return FALSE;
    case 1: return ps[0];
    case 2: { const [a, b] = ps; return (f) => a(f) || b(f); }
    case 3: { const [a, b, c] = ps; return (f) => a(f) || b(f) || c(f); }
    default: return (f) => {
      for (let i = 0; i < ps.length; i++) if (ps[i](f)) return true;
      return false;
    };
  }
}

/** Compiles conditions against a set of macros; each macro is compiled once. */
export class Compiler {
  private readonly done = new Map<string, Predicate>();

  constructor(private readonly macros: ReadonlyMap<string, Condition>) {}

  compile(c: Condition): Predicate {
    if ('all' in c) return all(c.all.map((x) => this.compile(x)));
    if ('any' in c) return any(c.any.map((x) => this.compile(x)));
    if ('not' in c) {
      const p = this.compile(c.not);
      return (f) => !p(f);
    }
    if ('condition' in c) return this.macro(c.condition);
    return compileFact(c);
  }

  private macro(name: string): Predicate {
    const hit = this.done.get(name);
    if (hit) return hit;
    const cond = this.macros.get(name);
    if (!cond) throw new Error(`unknown macro "${name}"`);
    const p = this.compile(cond);
    this.done.set(name, p);
    return p;
  }
}

/** Every field a condition reads, macros included. */
export function factsOf(c: Condition, macros: ReadonlyMap<string, Condition>, out = new Set<string>(), seen = new Set<string>()): Set<string> {
  if ('all' in c) for (const x of c.all) factsOf(x, macros, out, seen);
  else if ('any' in c) for (const x of c.any) factsOf(x, macros, out, seen);
  else if ('not' in c) factsOf(c.not, macros, out, seen);
  else if ('condition' in c) {
    if (!seen.has(c.condition)) {
      seen.add(c.condition);
      const m = macros.get(c.condition);
      if (m) factsOf(m, macros, out, seen);
    }
  } else {
    out.add(c.fact);
    if (isFactRef(c.value)) out.add(c.value.fact);
  }
  return out;
}
