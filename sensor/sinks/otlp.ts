// Alerts as OTLP log records (architecture.md, decision 9) through the
// OpenTelemetry SDK: LoggerProvider → BatchLogRecordProcessor → exporter.
// Bounded: at most queueSize records wait for export; beyond that write()
// drops and counts (queue_full). Every record that leaves the queue is
// accounted for by AccountingExporter: delivered, or lost with a reason
// after bounded attempts (retries_exhausted, rejected).
import type { Logger as OtelLogger } from '@opentelemetry/api-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider, LogRecordExporter } from '@opentelemetry/sdk-logs';
import type { Alert } from '../alerts/types';
import { PRODUCT } from '../alerts/product';
import type { Logger } from '../log';
import type { OtlpSinkOptions } from './options';
import { createOtlpExporter } from './otlp-exporter';
import { ATTRIBUTE_COUNT_LIMIT, toLogRecord } from './otlp-record';
import { AccountingExporter, RetryOptions } from './otlp-retry';
import { copyStats, countDrop, emptyStats, withDeadline } from './stats';
import type { Sink, SinkStats } from './types';

export interface OtlpSinkDeps {
  /** Replaces the network exporter (tests). */
  exporter?: LogRecordExporter;
  /** Pause before the second attempt (default 500 ms), doubling up to 5 s. */
  backoffMs?: number;
  maxBackoffMs?: number;
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class OtlpSink implements Sink {
  readonly name = 'otlp';
  private readonly provider: LoggerProvider;
  private readonly logger: OtelLogger;
  private readonly exporter: AccountingExporter;
  private readonly st = emptyStats();
  /** Accepted by write(), not yet handed to the exporter. */
  private pending = 0;
  /** Handed to the exporter, outcome not yet known. */
  private inflight = 0;
  private abandoned = false;
  private closed = false;
  /** Batches given up on. */
  lostBatches = 0;

  constructor(
    private readonly opts: OtlpSinkOptions,
    private readonly log?: Logger,
    deps: OtlpSinkDeps = {},
  ) {
    const retry: RetryOptions = {
      maxAttempts: Math.max(1, opts.maxAttempts),
      backoffMs: deps.backoffMs ?? 500,
      maxBackoffMs: deps.maxBackoffMs ?? 5000,
    };
    this.exporter = new AccountingExporter(deps.exporter ?? createOtlpExporter(opts), retry, {
      started: (n) => {
        if (this.abandoned) return;
        this.pending -= n;
        this.inflight += n;
      },
      delivered: (n) => {
        if (this.abandoned) return;
        this.inflight -= n;
        this.st.delivered += n;
      },
      lost: (n, reason, err) => {
        if (this.abandoned) return;
        this.inflight -= n;
        this.lostBatches++;
        countDrop(this.st, reason, n);
        this.log?.warn({ sink: 'otlp', records: n, reason, err: errText(err) }, 'OTLP batch lost');
      },
      attemptFailed: (err) => {
        this.st.errors++;
        this.log?.debug({ sink: 'otlp', err: errText(err) }, 'OTLP export attempt failed');
      },
    });
    const batch = Math.max(1, Math.min(opts.maxExportBatchSize, opts.queueSize));
    const processor = new BatchLogRecordProcessor({
      exporter: this.exporter,
      maxQueueSize: opts.queueSize,
      maxExportBatchSize: batch,
      scheduledDelayMillis: opts.scheduledDelayMs,
      // Our attempts must finish before the processor stops waiting for them.
      exportTimeoutMillis: AccountingExporter.worstCaseMs(retry, opts.timeoutMs) + 5000,
    });
    this.provider = new LoggerProvider({
      resource: resourceFromAttributes({ 'service.name': PRODUCT.name, 'service.version': PRODUCT.version, ...opts.resource }),
      processors: [processor],
      logRecordLimits: { attributeCountLimit: ATTRIBUTE_COUNT_LIMIT },
    });
    this.logger = this.provider.getLogger(PRODUCT.name, PRODUCT.version);
  }

  write(alert: Alert): void {
    this.st.received++;
    if (this.closed) return countDrop(this.st, 'closed');
    // The processor drops silently when its queue is full; counting here,
    // against the same bound, makes every such drop visible.
    if (this.pending >= this.opts.queueSize) return countDrop(this.st, 'queue_full');
    try {
      this.pending++;
      this.logger.emit(toLogRecord(alert));
    } catch {
      this.pending--;
      this.st.errors++;
      countDrop(this.st, 'invalid');
    }
  }

  async flush(deadline?: number): Promise<void> {
    if (this.closed) return;
    await withDeadline(this.provider.forceFlush().catch(() => undefined), deadline);
  }

  async close(deadline?: number): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const r = await withDeadline(this.provider.shutdown().catch(() => undefined), deadline);
    if (r === 'deadline') {
      // What is still queued or being sent now will not be delivered.
      countDrop(this.st, 'shutdown', this.pending + this.inflight);
      this.pending = 0;
      this.inflight = 0;
      this.abandoned = true;
      this.exporter.stop();
    }
  }

  stats(): SinkStats {
    const s = copyStats(this.st);
    s.queued = this.pending + this.inflight;
    return s;
  }
}
