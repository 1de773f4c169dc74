// Alerts as JSON lines on stdout (or any writable stream). write() never
// blocks: lines go to the stream until it signals backpressure, then into a
// bounded queue that drains on 'drain'; beyond the queue, lines are dropped
// and counted. The default destination is fd 1 through FdWriter, because
// process.stdout blocks on pipes.
import type { Alert } from '../alerts/types';
import { FdWriter } from './fd-writer';
import { eventMs, LatencyHistogram } from './latency';
import { copyStats, countDrop, emptyStats, withDeadline } from './stats';
import type { AlertFormatter, Sink, SinkStats } from './types';

/** What the sink needs of a stream: node's Writable and FdWriter both fit. */
export interface LineStream {
  write(chunk: string, cb?: (err?: Error | null) => void): boolean;
  once(event: 'drain', fn: () => void): unknown;
  on(event: 'error', fn: (err: Error) => void): unknown;
  removeListener(event: 'error', fn: (err: Error) => void): unknown;
}

export interface StdoutSinkOptions {
  formatter: AlertFormatter;
  /** Default: file descriptor 1, written without blocking. */
  stream?: LineStream;
  /** Lines held while the stream is backed up (default 10,000). */
  queueSize?: number;
  name?: string;
}

export class StdoutSink implements Sink {
  readonly name: string;
  private readonly stream: LineStream;
  private readonly formatter: AlertFormatter;
  private readonly queueSize: number;
  private queue: string[] = [];
  /** Event times of the queued lines (ms since the epoch), same index. */
  private queueAt: number[] = [];
  private readonly latency = new LatencyHistogram();
  private head = 0;
  private inflight = 0;
  private blocked = false;
  private closed = false;
  private readonly st = emptyStats();
  private waiters: (() => void)[] = [];
  /** The stream failed for good (EPIPE: the reader is gone). */
  private broken = false;
  // The failed writes are counted in their callbacks; here, the lines still
  // queued are given up (no 'drain' will come) and later ones are refused.
  private readonly onError = (): void => {
    this.broken = true;
    this.blocked = false;
    countDrop(this.st, 'write_error', this.pending());
    this.queue = [];
    this.queueAt = [];
    this.head = 0;
    this.wake();
  };

  constructor(opts: StdoutSinkOptions) {
    this.name = opts.name ?? 'stdout';
    this.formatter = opts.formatter;
    this.queueSize = opts.queueSize ?? 10_000;
    this.stream = opts.stream ?? new FdWriter(1);
    this.stream.on('error', this.onError);
  }

  write(alert: Alert): void {
    this.st.received++;
    if (this.closed) return countDrop(this.st, 'closed');
    if (this.broken) return countDrop(this.st, 'write_error');
    let line: string;
    try {
      line = this.formatter(alert) + '\n';
    } catch {
      this.st.errors++;
      return countDrop(this.st, 'format_error');
    }
    const at = eventMs(alert);
    if (this.blocked || this.pending() > 0) {
      if (this.pending() >= this.queueSize) return countDrop(this.st, 'queue_full');
      this.queue.push(line);
      this.queueAt.push(at);
      return;
    }
    this.send(line, at);
  }

  async flush(deadline?: number): Promise<void> {
    if (this.settled()) return;
    await withDeadline(new Promise<void>((resolve) => this.waiters.push(resolve)), deadline);
  }

  async close(deadline?: number): Promise<void> {
    await this.flush(deadline);
    this.closed = true;
    // Lines still queued at the deadline will never be written.
    countDrop(this.st, 'closed', this.pending());
    this.queue = [];
    this.queueAt = [];
    this.head = 0;
    this.stream.removeListener('error', this.onError);
  }

  stats(): SinkStats {
    const s = copyStats(this.st);
    s.queued = this.pending() + this.inflight;
    s.latencyMs = this.latency.summary();
    return s;
  }

  private pending(): number {
    return this.queue.length - this.head;
  }

  private settled(): boolean {
    return this.pending() === 0 && this.inflight === 0;
  }

  private send(line: string, at: number): void {
    this.inflight++;
    let ok: boolean;
    try {
      ok = this.stream.write(line, (err) => {
        this.inflight--;
        if (err) {
          this.st.errors++;
          countDrop(this.st, 'write_error');
        } else {
          this.st.delivered++;
          if (at === at) this.latency.record(Date.now() - at);
        }
        this.wake();
      });
    } catch {
      // a destroyed stream may throw instead of calling back
      this.inflight--;
      this.st.errors++;
      countDrop(this.st, 'write_error');
      return;
    }
    if (!ok && !this.blocked && !this.broken) {
      this.blocked = true;
      this.stream.once('drain', () => {
        this.blocked = false;
        this.pump();
      });
    }
  }

  private pump(): void {
    while (!this.blocked && this.pending() > 0) {
      const line = this.queue[this.head]!;
      const at = this.queueAt[this.head]!;
      this.queue[this.head++] = '';
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.queueAt = this.queueAt.slice(this.head);
        this.head = 0;
      }
      this.send(line, at);
    }
    if (this.pending() === 0) {
      this.queue = [];
      this.queueAt = [];
      this.head = 0;
    }
    this.wake();
  }

  private wake(): void {
    if (!this.settled() || this.waiters.length === 0) return;
    const w = this.waiters;
    this.waiters = [];
    for (const fn of w) fn();
  }
}
