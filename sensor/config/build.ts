// From a RunConfig to the alert path: a Dedupe stage whose output goes to a
// Fanout over the configured sinks. Kafka and OTLP modules load only when
// their sink is on (kafkajs and the OpenTelemetry exporters are not small).
import * as os from 'node:os';
import type { Clock } from '../alerts/clock';
import { Dedupe, DedupeOptions } from '../alerts/dedupe';
import { defaultKeyFields } from '../alerts/dedupe-key';
import { formatFalco } from '../alerts/falco';
import { formatOcsf } from '../alerts/ocsf';
import type { Alert } from '../alerts/types';
import type { Logger } from '../log';
import { Fanout } from '../sinks/fanout';
import { LineStream, StdoutSink } from '../sinks/stdout';
import type { AlertFormatter, Sink } from '../sinks/types';
import type { AlertFormat, RunConfig } from './config';

export interface BuildDeps {
  /** host.name of the OTLP resource (default: os.hostname()). */
  hostname?: string;
  /** k8s.node.name of the OTLP resource. */
  nodeName?: string;
  /** Where the stdout sink writes (default: fd 1, without blocking). */
  stdout?: LineStream;
  clock?: Clock;
}

export interface AlertPath {
  /** Give every alert from the rules to dedupe.push. */
  dedupe: Dedupe;
  sink: Fanout;
  formatter: AlertFormatter;
}

export function formatterFor(format: AlertFormat): AlertFormatter {
  return format === 'ocsf' ? formatOcsf : formatFalco;
}

export function dedupeOptions(cfg: RunConfig): Partial<DedupeOptions> {
  const d = cfg.dedupe;
  const o: Partial<DedupeOptions> = { windowMs: d.windowMs, ratePerSec: d.ratePerSec, maxKeys: d.maxKeys, minPriority: cfg.minPriority };
  if (d.burst !== undefined) o.burst = d.burst;
  const perRule = d.keyFields;
  if (perRule) o.keyFields = (a: Alert) => perRule[a.rule] ?? defaultKeyFields(a);
  return o;
}

/** Throws at start-up when a sink cannot work (unreadable TLS file, bad spool directory). */
export async function buildSinks(cfg: RunConfig, log: Logger, deps: BuildDeps = {}): Promise<AlertPath> {
  const formatter = formatterFor(cfg.format);
  const sinks: Sink[] = [];
  for (const kind of cfg.sinks) {
    if (kind === 'stdout') {
      sinks.push(new StdoutSink({ formatter, queueSize: cfg.stdout.queueSize, ...(deps.stdout ? { stream: deps.stdout } : {}) }));
    } else if (kind === 'kafka') {
      const { KafkaSink } = await import('../sinks/kafka');
      sinks.push(new KafkaSink(cfg.kafka!, formatter, { logger: log }));
    } else {
      const { OtlpSink } = await import('../sinks/otlp');
      const otlp = cfg.otlp!;
      const resource: Record<string, string> = { 'host.name': deps.hostname ?? os.hostname(), ...otlp.resource };
      if (deps.nodeName) resource['k8s.node.name'] = deps.nodeName;
      sinks.push(new OtlpSink({ ...otlp, resource }, log));
    }
  }
  const sink = new Fanout(sinks);
  const dedupe = new Dedupe(dedupeOptions(cfg), (a) => sink.write(a), deps.clock);
  return { dedupe, sink, formatter };
}
