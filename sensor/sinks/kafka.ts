// Alerts to Kafka (architecture.md, decision 8). write() formats the alert
// and queues it in memory; one delivery loop sends batches (our own linger
// and size: kafkajs sends one request per call), one at a time so a retried
// batch never overtakes a later one. When the queue is full or a send fails,
// the queue goes to the on-disk spool and every new alert follows it there
// until the spool is replayed empty: one ordered log, so a workload's alerts
// stay in order. A spooled alert is acknowledged in the spool only after
// Kafka acknowledged it: at-least-once.
import type { Alert } from '../alerts/types';
import { createLogger, Logger } from '../log';
import { AlertProducer, errInfo, isTooLarge } from './kafka-producer';
import { LatencyHistogram } from './latency';
import { decodeMessage, encodeMessage, OutMessage, toMessage } from './kafka-record';
import type { KafkaSinkOptions } from './options';
import { beforeDeadline, Signal } from './signal';
import { Spool, SpoolPosition, SpoolTuning } from './spool';
import type { AlertFormatter, Sink, SinkStats } from './types';

/** Below Kafka's default message.max.bytes (1 MiB), which applies per partition batch. */
const MAX_BATCH_BYTES = 900 * 1024;
const DROP_LOG_EVERY_MS = 60_000;

export interface KafkaSinkDeps {
  logger?: Logger;
  /** After each acknowledged batch: when its alerts were written (ms since the epoch), and now. */
  onDelivered?: (writtenAt: readonly number[], ackedAt: number) => void;
  spoolTuning?: SpoolTuning;
  /** Pause between failed attempts: doubles from `initial` up to `max`. */
  backoffMs?: { initial: number; max: number };
}

interface Batch {
  from: 'memory' | 'spool';
  msgs: OutMessage[];
  /** Spool batches: where they end, and how many spool records that is. */
  end?: SpoolPosition;
  records: number;
  /** Messages dealt with (delivered, or dropped as too large). */
  done: number;
  /** Sent one at a time after the broker called the batch too large. */
  single: boolean;
  /** Memory batches also written to the spool while in flight: from which message, how many. */
  persistedFrom: number;
  persisted: number;
}

export class KafkaSink implements Sink {
  readonly name = 'kafka';
  private readonly producer: AlertProducer;
  private readonly spool: Spool | null;
  private readonly log: Logger;
  private readonly backoff: { initial: number; max: number };
  private queue: OutMessage[] = [];
  private current: Batch | null = null;
  private spoolMode = false;
  private flushing = 0;
  private closing = false;
  private stopping = false;
  private closed: Promise<void> | null = null;
  private failing: { since: number; attempts: number } | null = null;
  private readonly work = new Signal();
  private readonly progress = new Signal();
  private readonly stop = new Signal();
  private readonly loop: Promise<void>;
  private readonly dropLogged = new Map<string, number>();
  private readonly latency = new LatencyHistogram();
  private readonly s = { received: 0, delivered: 0, errors: 0, dropped: {} as Record<string, number> };

  /** Throws on configuration that cannot work (codec, TLS files, spool directory). */
  constructor(
    private readonly opts: KafkaSinkOptions,
    private readonly format: AlertFormatter,
    deps: KafkaSinkDeps = {},
  ) {
    this.log = (deps.logger ?? createLogger()).child({ sink: 'kafka' });
    this.backoff = deps.backoffMs ?? { initial: 250, max: 5000 };
    this.producer = new AlertProducer(opts, this.log, deps.onDelivered);
    this.spool = opts.spool ? new Spool(opts.spool, deps.spoolTuning) : null;
    if (this.spool) {
      const st = this.spool.stats();
      if (st.tornTails) this.log.warn({ tornTails: st.tornTails, tornBytes: st.tornBytes }, 'spool: cut off a torn tail left by a crash');
      if (st.records) {
        this.spoolMode = true;
        this.log.info({ spooled: st.records, spoolBytes: st.bytes }, 'spool holds alerts from an earlier run; replaying them first');
      }
    }
    this.loop = this.run().catch((e: unknown) => this.log.error({ err: errInfo(e) }, 'kafka delivery loop failed'));
  }

  write(alert: Alert): void {
    this.s.received++;
    if (this.closing) return this.drop('closed');
    let m: OutMessage;
    try {
      m = toMessage(alert, this.format, this.opts.topic, this.opts.topicByPriority, Date.now());
    } catch {
      return this.drop('format_error');
    }
    try {
      this.enqueue(m);
    } catch (e) {
      this.log.error({ err: errInfo(e) }, 'kafka sink: write failed');
      this.drop('internal_error');
    }
  }

  private enqueue(m: OutMessage): void {
    if (this.spoolMode) return this.toSpool(m);
    if (this.queue.length < this.opts.queueSize) {
      this.queue.push(m);
      if (this.queue.length === 1 || this.queue.length === this.opts.batchSize) this.work.fire();
      return;
    }
    if (!this.spool) return this.drop('queue_full');
    this.enterSpoolMode('queue_full');
    this.toSpool(m);
  }

  async flush(deadline?: number): Promise<void> {
    this.flushing++;
    this.work.fire();
    try {
      while (!this.memoryClear()) {
        const left = deadline === undefined ? Infinity : deadline - Date.now();
        if (left <= 0) break;
        await this.progress.wait(left);
      }
      if (!this.memoryClear() && this.spool) this.enterSpoolMode('flush_deadline');
      if (this.spool) await this.spool.flushWrites();
    } finally {
      this.flushing--;
    }
  }

  close(deadline: number = Date.now() + 10_000): Promise<void> {
    this.closed ??= (async () => {
      this.closing = true;
      await this.flush(deadline);
      this.stopping = true;
      this.work.fire();
      this.stop.fire();
      await beforeDeadline(this.loop, deadline);
      const lost = this.queue.length + (this.current?.from === 'memory' ? this.unpersisted(this.current) : 0);
      if (lost) this.drop('shutdown', lost);
      this.queue = [];
      await beforeDeadline(this.producer.disconnect(), Math.max(deadline, Date.now() + 1000));
      await this.spool?.close();
    })();
    return this.closed;
  }

  stats(): SinkStats {
    const dropped = { ...this.s.dropped };
    const sp = this.spool?.stats();
    if (sp?.droppedWriteError) dropped.spool_write_error = sp.droppedWriteError;
    if (sp?.droppedCorrupt) dropped.spool_corrupt = (dropped.spool_corrupt ?? 0) + sp.droppedCorrupt;
    if (sp?.tornTails) dropped.spool_torn = sp.tornTails;
    // An in-flight batch's spooled copy counts as spooled; frames on their
    // way to the spool file are still memory.
    const inflight = this.current?.from === 'memory' ? this.unpersisted(this.current) : 0;
    return {
      received: this.s.received,
      delivered: this.s.delivered,
      dropped,
      queued: this.queue.length + inflight + (sp?.pending ?? 0),
      errors: this.s.errors,
      ...(sp ? { spooled: sp.records - sp.pending, spoolBytes: sp.bytes } : {}),
      latencyMs: this.latency.summary(),
    };
  }

  private drop(reason: string, n = 1): void {
    this.s.dropped[reason] = (this.s.dropped[reason] ?? 0) + n;
    const now = Date.now();
    if (now - (this.dropLogged.get(reason) ?? -Infinity) >= DROP_LOG_EVERY_MS) {
      this.dropLogged.set(reason, now);
      this.log.warn({ reason, total: this.s.dropped[reason] }, 'kafka sink dropped alerts');
    }
  }

  private toSpool(m: OutMessage): void {
    if (!this.spool!.append(encodeMessage(m))) this.drop('spool_full');
  }

  /** From now on alerts go to the spool; what memory holds goes first, in order. */
  private enterSpoolMode(reason: string): void {
    if (!this.spoolMode) this.log.warn({ reason, queued: this.queue.length }, 'kafka sink: alerts go to the spool');
    this.spoolMode = true;
    if (this.current?.from === 'memory') this.persist(this.current);
    for (const m of this.queue) this.toSpool(m);
    this.queue = [];
    this.progress.fire();
  }

  /** Writes a batch still in flight to the spool, in case its send fails or we die. */
  private persist(b: Batch): void {
    if (b.persistedFrom >= 0) return;
    b.persistedFrom = b.done;
    for (let i = b.done; i < b.msgs.length && this.spool!.append(encodeMessage(b.msgs[i])); i++) b.persisted++;
  }

  private unpersisted(b: Batch): number {
    return b.msgs.length - Math.max(b.done, b.persistedFrom < 0 ? 0 : b.persistedFrom + b.persisted);
  }

  private memoryClear(): boolean {
    return this.queue.length === 0 && (this.current?.from !== 'memory' || this.unpersisted(this.current) === 0);
  }

  private async run(): Promise<void> {
    // Connect early: metadata is ready for the first alert, and a broken
    // configuration shows in the log at start-up (sends retry it anyway).
    await this.producer.connect().catch((e: unknown) => this.log.warn({ err: errInfo(e) }, 'kafka: cannot connect yet; will retry'));
    let backoff = this.backoff.initial;
    while (!this.stopping) {
      let b: Batch | null;
      try {
        b = this.current ?? (await this.take());
      } catch (e) {
        // The spool could not be read (EIO, say): try again later, never give up the loop.
        this.s.errors++;
        this.log.error({ err: errInfo(e) }, 'kafka sink: spool read failed');
        await this.stop.wait(this.backoff.max);
        continue;
      }
      if (!b) {
        if (this.stopping) break;
        await this.work.wait(this.queue.length ? this.opts.lingerMs - (Date.now() - this.queue[0].at) : Infinity);
        continue;
      }
      this.current = b;
      const ok = await this.deliver(b);
      this.settle(b, ok);
      this.progress.fire();
      if (ok) {
        backoff = this.backoff.initial;
      } else {
        await this.stop.wait(backoff);
        backoff = Math.min(backoff * 2, this.backoff.max);
      }
    }
  }

  /** The next batch: from the spool while it holds anything, else from memory once it is due. */
  private async take(): Promise<Batch | null> {
    while (this.spoolMode && this.spool) {
      const got = await this.spool.read(this.opts.batchSize, MAX_BATCH_BYTES);
      if (got) {
        const msgs: OutMessage[] = [];
        for (const r of got.records) {
          try {
            msgs.push(decodeMessage(r));
          } catch {
            this.drop('spool_corrupt');
          }
        }
        return this.batch('spool', msgs, got.records.length, got.end);
      }
      if (this.spool.records === 0) {
        this.spoolMode = false;
        this.log.info({ replayed: this.spool.stats().acknowledged }, 'kafka sink: spool replayed, back to memory');
      } else {
        await this.stop.wait(10); // appends raced the read
      }
    }
    const q = this.queue;
    if (!q.length) return null;
    const due = q.length >= this.opts.batchSize || this.flushing > 0 || this.stopping || Date.now() - q[0].at >= this.opts.lingerMs;
    if (!due) return null;
    let n = 0;
    let bytes = 0;
    while (n < q.length && n < this.opts.batchSize) {
      bytes += Buffer.byteLength(q[n].value) + q[n].key.length + 64;
      if (n > 0 && bytes > MAX_BATCH_BYTES) break;
      n++;
    }
    return this.batch('memory', q.splice(0, n), n);
  }

  private batch(from: Batch['from'], msgs: OutMessage[], records: number, end?: SpoolPosition): Batch {
    return { from, msgs, records, end, done: 0, single: false, persistedFrom: -1, persisted: 0 };
  }

  private async deliver(b: Batch): Promise<boolean> {
    try {
      await this.producer.connect();
      while (b.done < b.msgs.length) {
        const n = b.single ? 1 : b.msgs.length - b.done;
        try {
          await this.producer.send(b.msgs.slice(b.done, b.done + n));
          this.s.delivered += n;
          const now = Date.now();
          for (let i = b.done; i < b.done + n; i++) {
            const at = b.msgs[i].eventAt;
            if (at !== undefined && at === at) this.latency.record(now - at);
          }
        } catch (e) {
          if (!isTooLarge(e)) throw e;
          if (n > 1) {
            b.single = true;
            continue;
          }
          this.drop('too_large');
        }
        b.done += n;
      }
      if (this.failing) {
        this.log.info({ outageMs: Date.now() - this.failing.since, attempts: this.failing.attempts }, 'kafka reachable again');
        this.failing = null;
      }
      return true;
    } catch (e) {
      this.s.errors++;
      if (!this.failing) {
        this.failing = { since: Date.now(), attempts: 0 };
        this.log.warn({ err: errInfo(e), spool: this.spool !== null }, 'kafka send failed; retrying with backoff');
      }
      this.failing.attempts++;
      return false;
    }
  }

  /** After an attempt: acknowledge, keep for a retry, or hand over to the spool. */
  private settle(b: Batch, ok: boolean): void {
    if (b.from === 'spool') {
      if (ok) {
        this.spool!.ack(b.end!, b.records);
        this.current = null;
      }
      return;
    }
    if (!ok) {
      if (!this.spool) return; // no spool: retry it from memory
      this.enterSpoolMode('unreachable'); // writes what is left of it first, then the queue
    }
    this.current = null;
    if (b.persistedFrom >= 0) {
      // Its copy sits at the front of the spool: skip what was delivered.
      this.spool!.skipFront(ok ? b.persisted : Math.max(0, Math.min(b.persisted, b.done - b.persistedFrom)));
      const lost = ok ? 0 : this.unpersisted(b);
      if (lost) this.drop('spool_full', lost);
    }
  }
}
