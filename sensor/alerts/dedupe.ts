// The throttle and dedupe stage between the rules and the sinks.
//
// Dedupe: the first alert of a kind goes out at once; repeats within the
// window (default 10 s) are merged, and when the window ends ONE summary
// alert goes out carrying `count` (every event of the window, the first
// included), `first_time` and `last_time`. While repeats keep coming, the
// key stays "hot": the next window starts right away and sends only its
// summary, so a steady flood gives one alert per window. A window that ends
// with no repeat sends nothing and forgets the key.
//
// Rate limit: a token bucket per rule (default 100 distinct alerts a second)
// caps what a rule can send at once; merged repeats never use tokens. An
// alert the bucket refuses is dropped, counted per rule, and reported: when
// the rule's drop window ends, one summary alert (the last dropped alert,
// with count = the number dropped and output_fields["kestrel.rate_limited"])
// goes out, so a flood is visible even when its details are not.
//
// State is bounded (maxKeys): when full, the oldest window is closed early
// and its summary sent, so a count is never lost, only sent sooner.
import { randomUUID } from 'node:crypto';
import { Clock, systemClock } from './clock';
import { TokenBucket } from './bucket';
import { dedupeKey, KeyFields } from './dedupe-key';
import { Alert, Priority, priorityRank } from './types';

export interface DedupeOptions {
  /** Merge window in ms; 0 turns merging off (the rate limit still applies). */
  windowMs: number;
  /** Distinct alerts per second per rule; 0 means no limit. */
  ratePerSec: number;
  /** Bucket size: how many alerts a quiet rule may send at once (default ratePerSec). */
  burst?: number;
  /** Windows held at most (dedupe keys plus rules with drops). */
  maxKeys: number;
  /** Which output fields identify an alert; default: every non-volatile one (dedupe-key.ts). */
  keyFields?: KeyFields;
  /** Alerts less severe than this are dropped and counted. */
  minPriority?: Priority;
}

export const DEFAULT_DEDUPE: Readonly<DedupeOptions> = Object.freeze({
  windowMs: 10_000,
  ratePerSec: 100,
  maxKeys: 10_000,
});

export interface DedupeStats {
  received: number;
  /** Alerts sent as they came (first of their kind). */
  passed: number;
  /** Repeats folded into a summary. */
  merged: number;
  /** Summary alerts sent. */
  summaries: number;
  /** Alerts dropped by each rule's rate limit, since start. */
  rateLimited: Record<string, number>;
  /** Rate-limit summary alerts sent. */
  rateLimitSummaries: number;
  belowMinPriority: number;
  /** Windows closed early because maxKeys was reached. */
  evicted: number;
  /** Windows open now. */
  keys: number;
}

interface Window {
  kind: 'dedupe' | 'rate';
  end: number;
  /** Events in this window, including one sent at once. */
  count: number;
  /** 1 if this window's first event went out at once, 0 in a hot window. */
  sent: number;
  last: Alert;
  firstTime: string;
  lastTime: string;
}

export class Dedupe {
  private readonly opts: DedupeOptions;
  private readonly minRank: number;
  // Insertion order is deadline order: every window is windowMs long and
  // starts at a monotonic now(), and a reused key is deleted and re-added.
  private readonly windows = new Map<string, Window>();
  private readonly buckets = new Map<string, TokenBucket>();
  private timer: unknown = null;
  private closed = false;
  private readonly st: DedupeStats = {
    received: 0,
    passed: 0,
    merged: 0,
    summaries: 0,
    rateLimited: {},
    rateLimitSummaries: 0,
    belowMinPriority: 0,
    evicted: 0,
    keys: 0,
  };

  constructor(
    opts: Partial<DedupeOptions>,
    private readonly out: (a: Alert) => void,
    private readonly clock: Clock = systemClock,
  ) {
    this.opts = { ...DEFAULT_DEDUPE, ...opts };
    this.minRank = this.opts.minPriority ? priorityRank(this.opts.minPriority) : Infinity;
  }

  /** One alert from the rules. Never throws into the caller. */
  push(a: Alert): void {
    this.st.received++;
    if (priorityRank(a.priority) > this.minRank) {
      this.st.belowMinPriority++;
      return;
    }
    const now = this.clock.now();
    if (this.opts.windowMs <= 0) {
      if (this.allow(a, now)) this.emit(a, 'passed');
      return;
    }
    let key: string;
    try {
      key = dedupeKey(a, this.opts.keyFields);
    } catch {
      // a throwing keyFields function: better one alert too many than one lost
      this.emit(a, 'passed');
      return;
    }
    const w = this.windows.get(key);
    if (w) {
      if (w.count === 0) w.firstTime = a.time;
      w.count++;
      w.last = a;
      w.lastTime = a.time;
      this.st.merged++;
      return;
    }
    if (!this.allow(a, now)) return;
    this.open(key, { kind: 'dedupe', end: now + this.opts.windowMs, count: 1, sent: 1, last: a, firstTime: a.time, lastTime: a.time });
    this.emit(a, 'passed');
  }

  /** Sends every pending summary now (shutdown); windows are forgotten. */
  flush(): void {
    for (const [key, w] of [...this.windows]) {
      this.windows.delete(key);
      this.summarise(w);
    }
    this.st.keys = 0;
  }

  /** flush, and stop the timer; later alerts are passed through unmerged. */
  close(): void {
    this.flush();
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.closed = true;
  }

  stats(): DedupeStats {
    return { ...this.st, rateLimited: { ...this.st.rateLimited }, keys: this.windows.size };
  }

  private allow(a: Alert, now: number): boolean {
    if (this.opts.ratePerSec <= 0) return true;
    let b = this.buckets.get(a.rule);
    if (!b) {
      b = new TokenBucket(this.opts.ratePerSec, this.opts.burst ?? this.opts.ratePerSec, now);
      this.buckets.set(a.rule, b);
    }
    if (b.take(now)) return true;
    this.st.rateLimited[a.rule] = (this.st.rateLimited[a.rule] ?? 0) + 1;
    const key = `rate\u0000${a.rule}`;
    const w = this.windows.get(key);
    if (w) {
      w.count++;
      w.last = a;
      w.lastTime = a.time;
    } else {
      const windowMs = this.opts.windowMs > 0 ? this.opts.windowMs : 1000;
      this.open(key, { kind: 'rate', end: now + windowMs, count: 1, sent: 0, last: a, firstTime: a.time, lastTime: a.time });
    }
    return false;
  }

  private open(key: string, w: Window): void {
    if (this.closed) {
      // after close() nothing is held: a rate-limit drop is reported at once
      this.summarise(w);
      return;
    }
    while (this.windows.size >= this.opts.maxKeys) {
      const [oldKey, old] = this.windows.entries().next().value as [string, Window];
      this.windows.delete(oldKey);
      this.st.evicted++;
      this.summarise(old);
    }
    this.windows.set(key, w);
    this.st.keys = this.windows.size;
    this.arm();
  }

  private arm(): void {
    if (this.timer !== null || this.closed) return;
    const head = this.windows.values().next().value as Window | undefined;
    if (!head) return;
    this.timer = this.clock.setTimeout(() => this.tick(), Math.max(0, head.end - this.clock.now()));
  }

  private tick(): void {
    this.timer = null;
    const now = this.clock.now();
    for (const [key, w] of this.windows) {
      if (w.end > now) break;
      this.windows.delete(key);
      const repeated = w.count > w.sent;
      this.summarise(w);
      // A dedupe key that saw repeats stays hot for one more window.
      if (repeated && w.kind === 'dedupe') {
        this.windows.set(key, { ...w, end: now + this.opts.windowMs, count: 0, sent: 0 });
      }
    }
    this.st.keys = this.windows.size;
    this.arm();
  }

  private summarise(w: Window): void {
    if (w.count <= w.sent) return;
    const base = w.last;
    const summary: Alert = {
      ...base,
      time: w.lastTime,
      uuid: randomUUID(),
      count: w.count,
      first_time: w.firstTime,
      last_time: w.lastTime,
    };
    if (w.kind === 'rate') {
      summary.output = `${w.count} alert(s) of this rule dropped by the rate limit (${this.opts.ratePerSec}/s); the last: ${base.output}`;
      summary.output_fields = { ...base.output_fields, 'kestrel.rate_limited': w.count };
      this.emit(summary, 'rateLimitSummaries');
    } else {
      this.emit(summary, 'summaries');
    }
  }

  private emit(a: Alert, counter: 'passed' | 'summaries' | 'rateLimitSummaries'): void {
    this.st[counter]++;
    try {
      this.out(a);
    } catch {
      // sinks never throw (sinks/types.ts); a broken one must not stop dedupe
    }
  }
}
