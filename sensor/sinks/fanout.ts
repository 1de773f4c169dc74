// One write to every sink. Sinks are isolated from each other and from the
// caller: a sink whose write throws is counted (sink_error) and the others
// still get the alert; flush and close run on all sinks at once, each
// bounded by the deadline, so a slow sink delays no one past it.
import type { Alert } from '../alerts/types';
import { countDrop, withDeadline } from './stats';
import type { Sink, SinkStats } from './types';

const CLOSE_ACCOUNTING_MS = 250;

export class Fanout implements Sink {
  readonly name = 'fanout';
  private received = 0;
  /** Per sink: alerts its write() threw on, and flush/close failures. */
  private readonly thrown = new Map<Sink, number>();
  private readonly failures = new Map<Sink, number>();

  constructor(readonly sinks: readonly Sink[]) {
    for (const s of sinks) {
      this.thrown.set(s, 0);
      this.failures.set(s, 0);
    }
  }

  write(alert: Alert): void {
    this.received++;
    for (const s of this.sinks) {
      try {
        s.write(alert);
      } catch {
        this.thrown.set(s, this.thrown.get(s)! + 1);
      }
    }
  }

  async flush(deadline?: number): Promise<void> {
    await this.all((s) => s.flush(deadline), deadline);
  }

  async close(deadline?: number): Promise<void> {
    // A sink gives up at its deadline and then counts what it could not
    // deliver; the margin lets that accounting land before the fan-out
    // stops waiting (otherwise the final summary shows them as queued).
    await this.all((s) => s.close(deadline), deadline === undefined ? undefined : deadline + CLOSE_ACCOUNTING_MS);
  }

  /** Totals over every sink: received is what the fan-out was given. */
  stats(): SinkStats {
    const total: SinkStats = { received: this.received, delivered: 0, dropped: {}, queued: 0, errors: 0 };
    for (const s of Object.values(this.statsBySink())) {
      total.delivered += s.delivered;
      total.queued += s.queued;
      total.errors += s.errors;
      for (const [reason, n] of Object.entries(s.dropped)) countDrop(total, reason, n);
      if (s.spooled !== undefined) total.spooled = (total.spooled ?? 0) + s.spooled;
      if (s.spoolBytes !== undefined) total.spoolBytes = (total.spoolBytes ?? 0) + s.spoolBytes;
    }
    return total;
  }

  /** Each sink's own stats, plus what the fan-out saw of it. Names are made
   *  unique (kafka, kafka#2) when two sinks share one. */
  statsBySink(): Record<string, SinkStats> {
    const out: Record<string, SinkStats> = {};
    for (const s of this.sinks) {
      let st: SinkStats;
      try {
        st = s.stats();
      } catch {
        st = { received: 0, delivered: 0, dropped: {}, queued: 0, errors: 0 };
      }
      st = { ...st, dropped: { ...st.dropped } };
      countDrop(st, 'sink_error', this.thrown.get(s)!);
      st.errors += this.failures.get(s)!;
      let name = s.name;
      for (let i = 2; name in out; i++) name = `${s.name}#${i}`;
      out[name] = st;
    }
    return out;
  }

  private async all(op: (s: Sink) => Promise<void>, deadline: number | undefined): Promise<void> {
    await Promise.all(
      this.sinks.map(async (s) => {
        try {
          // A sink that ignores its deadline is abandoned at it.
          await withDeadline(Promise.resolve().then(() => op(s)), deadline);
        } catch {
          this.failures.set(s, this.failures.get(s)! + 1);
        }
      }),
    );
  }
}
