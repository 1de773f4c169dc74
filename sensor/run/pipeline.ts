// The continuous sensor's event path: every kernel event feeds the process
// tree; an event that some rule wants becomes fields, is judged, and each
// match becomes an alert. Events of a type no rule wants stop after the
// cache update: no fields object is built for them.
import { toAlert } from '../alerts/shape';
import type { Alert } from '../alerts/types';
import type { BootClock } from '../kernel/clock';
import { evtType, toFields } from '../decode/fields';
import type { SensorEvent } from '../decode/types';
import { contextFields } from '../enrich/context-fields';
import type { Enricher } from '../enrich/enricher';
import type { CompiledRuleset } from '../rules/engine';

export interface PipelineStats {
  events: number;
  /** Events at least one rule looked at. */
  evaluated: number;
  alerts: number;
  /** Events whose evaluation threw (a bug; the event is counted, not lost silently). */
  errors: number;
  /** Time spent building fields and evaluating rules, ns. */
  evalNs: number;
  /** Events by evt.type. */
  byType: Record<string, number>;
}

/** Alerts the rules raised (before dedupe and rate limits). */
export interface RuleAlertCount {
  rule: string;
  priority: string;
  count: number;
}

export interface PipelineOptions {
  enricher: Enricher;
  clock: BootClock;
  hostname: string;
  rules: CompiledRuleset;
  emit(alert: Alert): void;
  onError?(err: unknown, ev: SensorEvent): void;
}

export class Pipeline {
  private rules: CompiledRuleset;
  private readonly st: PipelineStats = { events: 0, evaluated: 0, alerts: 0, errors: 0, evalNs: 0, byType: Object.create(null) as Record<string, number> };
  private readonly byRule = new Map<string, RuleAlertCount>();

  constructor(private readonly o: PipelineOptions) {
    this.rules = o.rules;
  }

  /** Swap in a new ruleset: the next event is judged by it, whole. */
  setRules(rules: CompiledRuleset): void {
    this.rules = rules;
  }

  get ruleset(): CompiledRuleset {
    return this.rules;
  }

  readonly onEvent = (ev: SensorEvent): void => {
    this.st.events++;
    const ctx = this.o.enricher.enrich(ev);
    const type = evtType(ev);
    this.st.byType[type] = (this.st.byType[type] ?? 0) + 1;
    const rules = this.rules;
    if (rules.rulesFor(type).length === 0) return;
    this.st.evaluated++;
    const t0 = process.hrtime.bigint();
    try {
      const f = contextFields(ctx, this.o.enricher.nodeName, toFields(ev, this.o.clock));
      const hits = rules.evaluate(f);
      for (let i = 0; i < hits.length; i++) {
        this.st.alerts++;
        const a = toAlert(hits[i], f, this.o.hostname);
        this.countRule(a);
        this.o.emit(a);
      }
    } catch (err) {
      this.st.errors++;
      this.o.onError?.(err, ev);
    }
    this.st.evalNs += Number(process.hrtime.bigint() - t0);
  };

  stats(): PipelineStats {
    return { ...this.st, byType: { ...this.st.byType } };
  }

  /** Alerts raised by each rule since start. */
  alertsByRule(): RuleAlertCount[] {
    return [...this.byRule.values()].map((c) => ({ ...c }));
  }

  private countRule(a: Alert): void {
    const k = `${a.rule}\0${a.priority}`;
    const c = this.byRule.get(k);
    if (c) c.count++;
    else this.byRule.set(k, { rule: a.rule, priority: a.priority, count: 1 });
  }
}
