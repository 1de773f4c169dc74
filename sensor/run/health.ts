// What the probes answer. Ready: the programs are attached, the rules are
// loaded and (in a cluster) the pod informer has synced; until then the pod
// gets no traffic and a rollout waits. Alive: the ring reader is making
// progress; a sensor whose reader is stuck is blind and should be restarted.
import { performance } from 'node:perf_hooks';

export interface ReaderProgress {
  /** performance.now() of the last poll-timer tick. */
  lastPollAt: number;
  /** performance.now() of the last drain that consumed records. */
  lastReadAt: number;
  /** Bytes waiting in the rings now. */
  pendingBytes: number;
}

export interface Verdict {
  ok: boolean;
  /** Each check by name, and why it failed. */
  checks: Record<string, { ok: boolean; detail?: string }>;
}

export interface HealthOptions {
  /** Whether a pod informer is expected to sync (in a cluster). */
  informer: boolean;
  /** A poll tick older than this means the reader is stuck (ms). */
  stallMs?: number;
  now?: () => number;
}

export class Health {
  private programs = false;
  private rules = false;
  private informer: () => boolean;
  private reader: (() => ReaderProgress) | null = null;
  private stopping = false;
  private readonly stallMs: number;
  private readonly now: () => number;

  constructor(o: HealthOptions) {
    // Expected but not yet known: not synced until informerFrom() is called.
    this.informer = o.informer ? () => false : () => true;
    this.stallMs = o.stallMs ?? 10_000;
    this.now = o.now ?? (() => performance.now());
  }

  rulesLoaded(): void {
    this.rules = true;
  }

  /** Where to ask whether the pod informer has synced (it may sync late:
   *  the API server can be unreachable at start). */
  informerFrom(synced: () => boolean): void {
    this.informer = synced;
  }

  programsAttached(reader: () => ReaderProgress): void {
    this.programs = true;
    this.reader = reader;
  }

  /** Shutting down: no longer ready (still alive while it flushes). */
  draining(): void {
    this.stopping = true;
  }

  ready(): Verdict {
    const checks: Verdict['checks'] = {
      programs: this.programs ? { ok: true } : { ok: false, detail: 'BPF programs not attached yet' },
      rules: this.rules ? { ok: true } : { ok: false, detail: 'rules not loaded yet' },
      informer: this.informer() ? { ok: true } : { ok: false, detail: 'pod informer not synced yet' },
    };
    if (this.stopping) checks.shutdown = { ok: false, detail: 'shutting down' };
    return { ok: Object.values(checks).every((c) => c.ok), checks };
  }

  live(): Verdict {
    if (!this.reader) return { ok: true, checks: { reader: { ok: true, detail: 'starting' } } };
    const p = this.reader();
    const now = this.now();
    const sincePoll = now - p.lastPollAt;
    const sinceRead = now - p.lastReadAt;
    let reader: Verdict['checks'][string] = { ok: true };
    if (sincePoll > this.stallMs) reader = { ok: false, detail: `the reader's poll timer has not run for ${Math.round(sincePoll)} ms` };
    else if (p.pendingBytes > 0 && sinceRead > this.stallMs) {
      reader = { ok: false, detail: `${p.pendingBytes} bytes wait in the rings and nothing was read for ${Math.round(sinceRead)} ms` };
    }
    return { ok: reader.ok, checks: { reader } };
  }
}
