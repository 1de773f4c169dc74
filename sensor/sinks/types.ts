// A sink is three methods: write, flush, close (style.md, from OpenTelemetry
// JS). write() never blocks and never throws: it queues, or drops and counts.
import type { Alert } from '../alerts/types';
import type { LatencySummary } from './latency';

export interface SinkStats {
  /** Alerts handed to write(). */
  received: number;
  /** Alerts the destination acknowledged (stdout: written; Kafka: acked). */
  delivered: number;
  /** Alerts lost, by reason (queue_full, spool_full, retries_exhausted, ...). */
  dropped: Record<string, number>;
  /** Alerts waiting in memory. */
  queued: number;
  /** Failed attempts to deliver (each retry counts). */
  errors: number;
  /** Alerts and bytes in the on-disk spool (Kafka only). */
  spooled?: number;
  spoolBytes?: number;
  /** From the event to delivery, ms, for alerts delivered by this process
   *  (Kafka: not those replayed from a previous run's spool). */
  latencyMs?: LatencySummary;
}

export interface Sink {
  readonly name: string;
  /** Queue one alert. Never blocks the caller, never throws. */
  write(alert: Alert): void;
  /** Resolves when everything written so far is delivered, spooled or
   *  counted as dropped; gives up at the deadline (ms since the epoch). */
  flush(deadline?: number): Promise<void>;
  /** flush, then release connections and files. */
  close(deadline?: number): Promise<void>;
  stats(): SinkStats;
}

/** Serialises an alert for a byte-oriented sink (stdout, Kafka). */
export type AlertFormatter = (alert: Alert) => string;
