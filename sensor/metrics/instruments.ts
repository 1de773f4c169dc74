// The sensor's metrics, named once here. Every instrument is observable: its
// value is read from a stage's own counters when a reader collects, so the
// hot path keeps plain integer counters and nothing else.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { BatchObservableResult, Meter } from '@opentelemetry/api';
import type { DedupeStats } from '../alerts/dedupe';
import type { EnricherReport } from '../enrich/enricher';
import type { PodCacheStats } from '../enrich/k8s/types';
import type { ProcessCacheStats } from '../enrich/process-types';
import type { SourceStats } from '../kernel/source';
import type { ReloadStats } from '../rules/reload';
import type { PipelineStats, RuleAlertCount } from '../run/pipeline';
import type { SinkStats } from '../sinks/types';

/** What the instruments read; each function is called at collection time. */
export interface SensorView {
  /** null until the programs are loaded. */
  source(): SourceStats | null;
  pipeline(): PipelineStats;
  alertsByRule(): RuleAlertCount[];
  dedupe(): DedupeStats;
  sinks(): Record<string, SinkStats>;
  enrich(): EnricherReport;
  processes(): ProcessCacheStats;
  pods(): PodCacheStats | null;
  rules(): { loaded: number; reload: ReloadStats };
  /** Alerts the sensor raised about itself (kernel drops). */
  selfAlerts(): number;
}

export interface Instruments {
  stop(): void;
}

export function registerInstruments(meter: Meter, view: SensorView): Instruments {
  // Sampled every 100 ms: a 10 ms timer alone cost an idle sensor about 0.8%
  // of a core (BENCHMARKS.md); stalls shorter than the step may go unseen.
  const loop = monitorEventLoopDelay({ resolution: 100 });
  loop.enable();

  const c = (name: string, description: string, unit?: string) => meter.createObservableCounter(name, { description, ...(unit ? { unit } : {}) });
  const g = (name: string, description: string, unit?: string) => meter.createObservableGauge(name, { description, ...(unit ? { unit } : {}) });

  const events = c('kestrel_events', 'Kernel events read, by evt.type');
  const ringRecords = c('kestrel_ring_records', 'Records read from each ring buffer');
  const kernelDrops = c('kestrel_kernel_drops', 'Events the kernel dropped, by ring and reason (ring_full, inflight_full)');
  const kernelFiltered = c('kestrel_kernel_filtered', 'Events the kernel kept back because no loaded rule could match them, by ring and reason (open_read, open_failed); not losses');
  const decodeErrors = c('kestrel_decode_errors', 'Ring records that could not be decoded');
  const enrichMisses = c('kestrel_enrich_misses', 'Events whose context was incomplete, by what was missing (process, pod)');
  const evaluated = c('kestrel_rule_evaluated_events', 'Events at least one rule judged');
  const evalSeconds = c('kestrel_rule_eval_seconds', 'Time spent building fields and evaluating rules');
  const evalErrors = c('kestrel_rule_eval_errors', 'Events whose evaluation failed (a bug; the event is counted)');
  const alerts = c('kestrel_alerts', 'Alerts the rules raised, by rule and priority, before dedupe and rate limits');
  const throttled = c('kestrel_alerts_throttled', 'Alerts folded into a summary (merged) or dropped by a rule\'s rate limit (rate_limited)');
  const selfAlerts = c('kestrel_self_alerts', 'Alerts the sensor raised about itself (kernel drops)');
  const sinkDelivered = c('kestrel_sink_delivered', 'Alerts each sink delivered');
  const sinkDropped = c('kestrel_sink_dropped', 'Alerts each sink lost, by reason');
  const sinkErrors = c('kestrel_sink_errors', 'Failed delivery attempts, by sink');
  const sinkQueue = g('kestrel_sink_queue_depth', 'Alerts waiting in each sink (memory and spool)');
  const spoolBytes = g('kestrel_spool_bytes', 'Bytes in the Kafka sink\'s on-disk spool');
  const latency = g('kestrel_alert_latency_seconds', 'Event to delivery, by sink and quantile (0.5, 0.99, 1 = max)');
  const podCache = g('kestrel_pod_cache_pods', 'Pods in the pod cache (live; gone ones kept for late events under state=gone)');
  const processCache = g('kestrel_process_cache_processes', 'Processes in the process cache');
  const rulesLoaded = g('kestrel_rules_loaded', 'Rules in force');
  const reloadFailures = c('kestrel_rule_reload_failures', 'Rule reloads refused (the previous ruleset stayed in force)');
  const loopLag = g('kestrel_event_loop_lag_seconds', 'Event-loop delay over the last collection interval, by quantile (0.5, 0.99, 1 = max)');

  const cb = (r: BatchObservableResult): void => {
    const src = view.source();
    if (src) {
      for (const ring of src.rings) {
        r.observe(ringRecords, ring.records, { ring: ring.ring });
        for (const [reason, n] of Object.entries(ring.drops)) r.observe(kernelDrops, n, { ring: ring.ring, reason });
        for (const [reason, n] of Object.entries(ring.filtered)) r.observe(kernelFiltered, n, { ring: ring.ring, reason });
      }
      r.observe(decodeErrors, src.decodeErrors);
    }
    const p = view.pipeline();
    for (const [type, n] of Object.entries(p.byType)) r.observe(events, n, { type });
    r.observe(evaluated, p.evaluated);
    r.observe(evalSeconds, p.evalNs / 1e9);
    r.observe(evalErrors, p.errors);
    for (const a of view.alertsByRule()) r.observe(alerts, a.count, { rule: a.rule, priority: a.priority });
    const d = view.dedupe();
    r.observe(throttled, d.merged, { reason: 'merged' });
    r.observe(throttled, Object.values(d.rateLimited).reduce((x, y) => x + y, 0), { reason: 'rate_limited' });
    r.observe(selfAlerts, view.selfAlerts());
    for (const [sink, s] of Object.entries(view.sinks())) {
      r.observe(sinkDelivered, s.delivered, { sink });
      r.observe(sinkErrors, s.errors, { sink });
      r.observe(sinkQueue, s.queued, { sink });
      for (const [reason, n] of Object.entries(s.dropped)) r.observe(sinkDropped, n, { sink, reason });
      if (s.spoolBytes !== undefined) r.observe(spoolBytes, s.spoolBytes, { sink });
      const l = s.latencyMs;
      if (l && l.count > 0) {
        r.observe(latency, l.p50 / 1000, { sink, quantile: '0.5' });
        r.observe(latency, l.p99 / 1000, { sink, quantile: '0.99' });
        r.observe(latency, l.max / 1000, { sink, quantile: '1' });
      }
    }
    const e = view.enrich();
    r.observe(enrichMisses, e.processMisses, { missing: 'process' });
    r.observe(enrichMisses, e.podMisses, { missing: 'pod' });
    const pods = view.pods();
    if (pods) {
      r.observe(podCache, pods.pods, { state: 'live' });
      r.observe(podCache, pods.gonePods, { state: 'gone' });
    }
    r.observe(processCache, view.processes().size);
    const rules = view.rules();
    r.observe(rulesLoaded, rules.loaded);
    r.observe(reloadFailures, rules.reload.failures);
    r.observe(loopLag, loop.percentile(50) / 1e9, { quantile: '0.5' });
    r.observe(loopLag, loop.percentile(99) / 1e9, { quantile: '0.99' });
    r.observe(loopLag, loop.max / 1e9, { quantile: '1' });
    loop.reset();
  };
  const all = [
    events, ringRecords, kernelDrops, kernelFiltered, decodeErrors, enrichMisses, evaluated, evalSeconds, evalErrors, alerts, throttled, selfAlerts,
    sinkDelivered, sinkDropped, sinkErrors, sinkQueue, spoolBytes, latency, podCache, processCache, rulesLoaded, reloadFailures, loopLag,
  ];
  meter.addBatchObservableCallback(cb, all);
  return {
    stop: () => {
      meter.removeBatchObservableCallback(cb, all);
      loop.disable();
    },
  };
}
