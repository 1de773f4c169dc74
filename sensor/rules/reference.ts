// The same ruleset run by json-rules-engine: the reference the compiled
// engine is checked against (architecture.md, decision 5). Slow by design
// (promises, an almanac per event); for tests and `sensor rules test`.
import { Engine, type TopLevelCondition } from 'json-rules-engine';
import type { Fields } from '../decode/fields';
import { factsOf } from './compile';
import { accessor } from './derived';
import { OPERATORS } from './operators';
import type { Condition, RuleSetSpec } from './types';

const UNUSABLE = Symbol('unusable value');

function topLevel(c: Condition): TopLevelCondition {
  // json-rules-engine wants all/any/not/condition at the top.
  return ('all' in c || 'any' in c || 'not' in c || 'condition' in c ? c : { all: [c] }) as TopLevelCondition;
}

export class ReferenceEngine {
  private readonly engine = new Engine([], { allowUndefinedFacts: true });
  private readonly facts: [string, (f: Fields) => unknown][];

  constructor(spec: RuleSetSpec) {
    for (const op of OPERATORS.values()) {
      if (op.builtin) continue; // json-rules-engine's own: keep its implementation
      // Prepared values by the value itself: json-rules-engine hands over
      // the same object for a literal every time.
      const byObject = new WeakMap<object, unknown>();
      const byScalar = new Map<unknown, unknown>();
      this.engine.addOperator(op.name, (a: unknown, b: unknown) => {
        const cache = b !== null && typeof b === 'object' ? byObject : byScalar;
        let prepared = cache.get(b as object);
        if (prepared === undefined) {
          // A {fact: FIELD} value can be unusable (missing, wrong type): the
          // compiled engine calls that false, and so does this.
          try {
            prepared = op.prepare(b);
          } catch {
            prepared = UNUSABLE;
          }
          if (byScalar.size > 10_000) byScalar.clear(); // other fields' values
          cache.set(b as object, prepared);
        }
        return prepared !== UNUSABLE && op.test(a, prepared);
      });
    }
    // json-rules-engine's own in/notIn, but false instead of a TypeError when
    // a {fact: FIELD} value is not an array.
    this.engine.addOperator('in', (a: unknown, b: unknown) => Array.isArray(b) && b.indexOf(a) > -1);
    this.engine.addOperator('notIn', (a: unknown, b: unknown) => Array.isArray(b) && b.indexOf(a) === -1);
    for (const [name, c] of spec.macros) this.engine.setCondition(name, topLevel(c));
    const names = new Set<string>(['evt.type']);
    for (const r of spec.rules) {
      if (!r.enabled) continue;
      factsOf(r.condition, spec.macros, names);
      // The compiled engine indexes rules by evt.type; here it is a condition.
      this.engine.addRule({
        name: r.name,
        // Priority 2: evaluated first, so a rule for another type stops there
        // (json-rules-engine otherwise evaluates every condition of an `all`).
        conditions: { all: [{ fact: 'evt.type', operator: 'in', value: r.events, priority: 2 }, r.condition] } as TopLevelCondition,
        event: { type: r.name },
      });
    }
    this.facts = [...names].map((n) => [n, accessor(n)]);
  }

  /** Names of the rules the event fires, in no particular order. */
  async evaluate(f: Fields): Promise<string[]> {
    const facts: Record<string, unknown> = {};
    for (const [n, get] of this.facts) facts[n] = get(f);
    const { events } = await this.engine.run(facts);
    return events.map((e) => e.type);
  }
}
