// The same ruleset run by json-rules-engine: the reference the compiled
// engine is checked against (architecture.md, decision 5). Slow by design
// (promises, an almanac per event); for tests and `sensor rules test`.
import { Engine, type TopLevelCondition } from 'json-rules-engine';
import type { Fields } from '../decode/fields';
import { factsOf } from './compile';
import { accessor } from './derived';
import { OPERATORS } from './operators';
import type { Condition, RuleSetSpec } from './types';

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
      const cache = new Map<string, unknown>();
      this.engine.addOperator(op.name, (a: unknown, b: unknown) => {
        const key = JSON.stringify(b);
        if (!cache.has(key)) cache.set(key, op.prepare(b));
        return op.test(a, cache.get(key));
      });
    }
    for (const [name, c] of spec.macros) this.engine.setCondition(name, topLevel(c));
    const names = new Set<string>(['evt.type']);
    for (const r of spec.rules) {
      if (!r.enabled) continue;
      factsOf(r.condition, spec.macros, names);
      // The compiled engine indexes rules by evt.type; here it is a condition.
      this.engine.addRule({
        name: r.name,
        conditions: { all: [{ fact: 'evt.type', operator: 'in', value: r.events }, r.condition] } as TopLevelCondition,
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
