// Exponential backoff between reconnects. Every sensor of a cluster loses
// the API server at the same moment (an upgrade, a failover), so the delay is
// jittered: otherwise thousands of nodes would relist in lockstep.

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** Fraction of each delay taken off at random, 0 to 1. */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 30_000, jitter: 0.3 };

export class Backoff {
  private failures = 0;

  constructor(private readonly opts: BackoffOptions, private readonly random: () => number = Math.random) {}

  /** The delay before the next attempt; each call doubles it, up to the bound. */
  next(): number {
    const base = Math.min(this.opts.maxMs, this.opts.initialMs * 2 ** Math.min(this.failures, 30));
    this.failures++;
    return Math.round(base * (1 - this.opts.jitter * this.random()));
  }

  reset(): void {
    this.failures = 0;
  }

  get attempts(): number {
    return this.failures;
  }
}

export function checkBackoff(b: BackoffOptions): void {
  if (!(Number.isFinite(b.initialMs) && b.initialMs > 0)) throw new Error(`k8s backoff initialMs must be a positive number of milliseconds, got ${b.initialMs}`);
  if (!(Number.isFinite(b.maxMs) && b.maxMs >= b.initialMs)) throw new Error(`k8s backoff maxMs must be at least initialMs (${b.initialMs}), got ${b.maxMs}`);
  if (!(b.jitter >= 0 && b.jitter <= 1)) throw new Error(`k8s backoff jitter must be between 0 and 1, got ${b.jitter}`);
}
