// The compiled ruleset: rules indexed by evt.type, each a closure. A new
// ruleset is built whole and then swapped in with one assignment, so no event
// ever meets a half-loaded set.
import type { Priority } from '../alerts/types';
import type { Fields } from '../decode/fields';
import { Compiler, type Predicate } from './compile';
import { compileOutput, type CompiledOutput } from './output';
import type { RuleSetSpec, RuleSpec } from './types';

export interface CompiledRule {
  name: string;
  priority: Priority;
  tags: string[];
  spec: RuleSpec;
  matches: Predicate;
  output: CompiledOutput;
  /** Times it fired since the ruleset loaded. */
  fired: number;
}

const NONE: readonly CompiledRule[] = Object.freeze([]);

export class CompiledRuleset {
  readonly rules: readonly CompiledRule[];
  private readonly byType = new Map<string, CompiledRule[]>();
  readonly loadedAt = Date.now();

  constructor(readonly spec: RuleSetSpec) {
    const compiler = new Compiler(spec.macros);
    const rules: CompiledRule[] = [];
    for (const r of spec.rules) {
      if (!r.enabled) continue;
      const rule: CompiledRule = {
        name: r.name,
        priority: r.priority,
        tags: r.tags,
        spec: r,
        matches: compiler.compile(r.condition),
        output: compileOutput(r.output),
        fired: 0,
      };
      rules.push(rule);
      for (const t of r.events) {
        let list = this.byType.get(t);
        if (!list) this.byType.set(t, (list = []));
        list.push(rule);
      }
    }
    this.rules = rules;
  }

  /** The evt.type values at least one enabled rule wants. */
  eventTypes(): string[] {
    return [...this.byType.keys()].sort();
  }

  rulesFor(evtType: string): readonly CompiledRule[] {
    return this.byType.get(evtType) ?? NONE;
  }

  /** Every enabled rule the event matches, in load order. */
  evaluate(f: Fields): readonly CompiledRule[] {
    const list = this.byType.get(f['evt.type'] as string);
    if (!list) return NONE;
    let hits: CompiledRule[] | null = null;
    for (let i = 0; i < list.length; i++) {
      const r = list[i];
      if (r.matches(f)) {
        r.fired++;
        (hits ??= []).push(r);
      }
    }
    return hits ?? NONE;
  }
}
