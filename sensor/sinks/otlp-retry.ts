// Wraps the OTLP exporter: bounded attempts per batch, and an account of
// every record that leaves the processor's queue: delivered, or lost with a
// reason. Without this, a batch the exporter gives up on would vanish (the
// SDK only reports it to a diag logger).
//
// One attempt is one call of the inner exporter, which is itself bounded by
// its timeout (the HTTP exporter retries retryable failures inside it). So a
// batch is given up after at most maxAttempts × (timeout + backoff).
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';

type ExportResult = Parameters<Parameters<LogRecordExporter['export']>[1]>[0];
const SUCCESS = 0;

/** OTLP's retryable gRPC codes: CANCELLED, DEADLINE_EXCEEDED,
 *  RESOURCE_EXHAUSTED, ABORTED, OUT_OF_RANGE, UNAVAILABLE, DATA_LOSS. */
const GRPC_RETRYABLE = new Set([1, 4, 8, 10, 11, 14, 15]);
const HTTP_RETRYABLE = new Set([429, 502, 503, 504]);

/** Whether another attempt may succeed. HTTP statuses and gRPC codes follow
 *  the OTLP specification; network errors (string codes) and unknown
 *  failures are retried. */
export function isRetryable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null | undefined)?.code;
  if (typeof code === 'number') {
    if (code >= 100) return HTTP_RETRYABLE.has(code);
    return GRPC_RETRYABLE.has(code);
  }
  return true;
}

export interface ExportAccount {
  /** n records left the queue for the exporter. */
  started(n: number): void;
  delivered(n: number): void;
  /** n records lost: 'retries_exhausted' or 'rejected'. */
  lost(n: number, reason: string, err: unknown): void;
  attemptFailed(err: unknown): void;
}

export interface RetryOptions {
  maxAttempts: number;
  /** First pause between attempts; doubles up to maxBackoffMs. */
  backoffMs: number;
  maxBackoffMs: number;
}

export class AccountingExporter implements LogRecordExporter {
  private stopped = false;
  private readonly waiting = new Map<NodeJS.Timeout, () => void>();

  constructor(
    private readonly inner: LogRecordExporter,
    private readonly opts: RetryOptions,
    private readonly account: ExportAccount,
  ) {}

  export(records: ReadableLogRecord[], done: (r: ExportResult) => void): void {
    const n = records.length;
    this.account.started(n);
    let attempt = 0;
    const once = (): void => {
      attempt++;
      let called = false;
      const result = (r: ExportResult): void => {
        if (called) return;
        called = true;
        if (r.code === SUCCESS) {
          this.account.delivered(n);
          return done(r);
        }
        this.account.attemptFailed(r.error);
        const retryable = isRetryable(r.error);
        if (!retryable || attempt >= this.opts.maxAttempts || this.stopped) {
          this.account.lost(n, retryable ? 'retries_exhausted' : 'rejected', r.error);
          return done(r);
        }
        const pause = Math.min(this.opts.maxBackoffMs, this.opts.backoffMs * 2 ** (attempt - 1));
        const jittered = pause * (0.8 + Math.random() * 0.4);
        const giveUp = (): void => {
          this.account.lost(n, 'retries_exhausted', r.error);
          done(r);
        };
        const t = setTimeout(() => {
          this.waiting.delete(t);
          if (this.stopped) giveUp();
          else once();
        }, jittered);
        this.waiting.set(t, giveUp);
      };
      try {
        this.inner.export(records, result);
      } catch (err) {
        result({ code: 1, error: err as Error });
      }
    };
    once();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  /** No more attempts: batches waiting for a retry are given up now. */
  stop(): void {
    this.stopped = true;
    for (const [t, giveUp] of this.waiting) {
      clearTimeout(t);
      giveUp();
    }
    this.waiting.clear();
  }

  async shutdown(): Promise<void> {
    this.stop();
    await this.inner.shutdown();
  }

  /** The longest a batch can take, for the processor's export timeout. */
  static worstCaseMs(opts: RetryOptions, timeoutMs: number): number {
    let total = 0;
    for (let a = 1; a <= opts.maxAttempts; a++) {
      total += timeoutMs;
      if (a < opts.maxAttempts) total += 1.2 * Math.min(opts.maxBackoffMs, opts.backoffMs * 2 ** (a - 1));
    }
    return Math.ceil(total);
  }
}
