// How long alerts take from the event (the kernel's timestamp, in the
// alert's `time`) to their destination: stdout written, Kafka acknowledged.
// A fixed set of geometric buckets (5% apart, 0.05 ms to 10 min) gives
// quantiles within 5% at a constant cost per record and a constant size.
import type { Alert } from '../alerts/types';

const LOW_MS = 0.05;
const GROWTH = 1.05;
const LOG_GROWTH = Math.log(GROWTH);
const BUCKETS = Math.ceil(Math.log(600_000 / LOW_MS) / LOG_GROWTH) + 1;

export interface LatencySummary {
  count: number;
  /** Milliseconds; NaN when nothing was recorded. */
  p50: number;
  p99: number;
  max: number;
  sum: number;
}

export class LatencyHistogram {
  private readonly counts = new Float64Array(BUCKETS);
  private n = 0;
  private total = 0;
  private top = 0;

  /** One delivery `ms` after its event; negative (clock skew) counts as 0. */
  record(ms: number): void {
    if (!(ms >= 0)) ms = 0; // also NaN
    const i = ms <= LOW_MS ? 0 : Math.min(BUCKETS - 1, Math.ceil(Math.log(ms / LOW_MS) / LOG_GROWTH));
    this.counts[i]++;
    this.n++;
    this.total += ms;
    if (ms > this.top) this.top = ms;
  }

  /** The upper bound of the bucket holding quantile q (0..1), capped at the maximum seen. */
  quantile(q: number): number {
    if (this.n === 0) return NaN;
    const rank = Math.max(1, Math.ceil(q * this.n));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i];
      if (seen >= rank) return Math.min(this.top, LOW_MS * GROWTH ** i);
    }
    return this.top;
  }

  summary(): LatencySummary {
    return { count: this.n, p50: this.quantile(0.5), p99: this.quantile(0.99), max: this.n ? this.top : NaN, sum: this.total };
  }
}

/** The alert's event time in ms since the epoch (NaN if unreadable). */
export function eventMs(alert: Alert): number {
  return Date.parse(alert.time);
}
