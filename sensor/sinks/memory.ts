// The in-memory sink: keeps what it is given, for tests and for embedding.
// Bounded like every queue here; beyond `capacity` alerts are dropped and
// counted.
import type { Alert } from '../alerts/types';
import { copyStats, countDrop, emptyStats } from './stats';
import type { AlertFormatter, Sink, SinkStats } from './types';

export interface MemorySinkOptions {
  name?: string;
  capacity?: number;
  /** When given, each alert is also kept as its formatted line. */
  formatter?: AlertFormatter;
}

export class MemorySink implements Sink {
  readonly name: string;
  readonly alerts: Alert[] = [];
  readonly lines: string[] = [];
  private readonly capacity: number;
  private readonly formatter?: AlertFormatter;
  private readonly st = emptyStats();
  private closed = false;

  constructor(opts: MemorySinkOptions = {}) {
    this.name = opts.name ?? 'memory';
    this.capacity = opts.capacity ?? 100_000;
    this.formatter = opts.formatter;
  }

  write(alert: Alert): void {
    this.st.received++;
    if (this.closed) return countDrop(this.st, 'closed');
    if (this.alerts.length >= this.capacity) return countDrop(this.st, 'queue_full');
    try {
      if (this.formatter) this.lines.push(this.formatter(alert));
    } catch {
      this.st.errors++;
      return countDrop(this.st, 'format_error');
    }
    this.alerts.push(alert);
    this.st.delivered++;
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {
    this.closed = true;
  }

  stats(): SinkStats {
    return copyStats(this.st);
  }

  /** Forgets what was kept (stats stay). */
  clear(): void {
    this.alerts.length = 0;
    this.lines.length = 0;
  }
}
