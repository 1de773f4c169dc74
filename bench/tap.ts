// The benchmark's side of the sensor: starts a KernelSource for the 'open'
// gadget and counts what it delivers, split into the generators' events
// (matched by pid, known at spawn) and everyone else's.
import type { SensorEvent } from '../sensor/decode/types';
import type { ObjectName } from '../sensor/kernel/gadgets';
import { KernelSource, SourceStats } from '../sensor/kernel/source';
import { createLogger } from '../sensor/log';
import type { InterestSet } from '../sensor/rules/interest';

export class Tap {
  private pids = new Set<number>();
  /** Events of the watched generator processes (their startup opens too). */
  gen = 0;
  /** Generator events that are a successful open of the target, resolved to it. */
  loop = 0;
  /** Generator open events that are not (wrong path, failed, unresolved). */
  genOdd = 0;
  other = 0;
  /** hrtime of the last generator event, when `stamp` is on. */
  lastGenAt = 0n;
  stamp = false;

  constructor(readonly target: string) {}

  watch(pid: number): void {
    this.pids.add(pid);
  }

  reset(): void {
    this.pids.clear();
    this.gen = this.loop = this.genOdd = this.other = 0;
    this.lastGenAt = 0n;
  }

  readonly onEvent = (ev: SensorEvent): void => {
    if (!this.pids.has(ev.pid)) {
      this.other++;
      return;
    }
    this.gen++;
    if (this.stamp) this.lastGenAt = process.hrtime.bigint();
    if (ev.type !== 'open') return;
    if (ev.ret >= 0 && ev.resolved && ev.path === this.target) this.loop++;
    else if (ev.raw === this.target) this.genOdd++;
  };
}

export interface Sensor {
  source: KernelSource;
  tap: Tap;
  /** Kernel drops so far, all reasons (reads the per-CPU counters now). */
  drops(): number;
  stats(): SourceStats;
  loadMs: number;
}

/** ringSize: the file ring's size; interest: the open filter (absent: every open is traced). */
export function startSensor(tap: Tap, ringSize?: number, interest?: InterestSet): Sensor {
  const log = createLogger(process.env.BENCH_LOG_LEVEL ?? 'error');
  const ringSizes: Partial<Record<ObjectName, number>> | undefined = ringSize ? { file: ringSize } : undefined;
  const t0 = process.hrtime.bigint();
  let source: KernelSource | undefined;
  for (let attempt = 1; !source; attempt++) {
    try {
      source = KernelSource.start({
        types: ['open'],
        onEvent: tap.onEvent,
        log,
        ringSizes,
        interest: interest ?? null,
        // Drops are expected in some stages and reported in the results, not logged.
        onDrops: () => {},
      });
    } catch (err) {
      // The verifier gives up with EAGAIN when a signal (SIGCHLD of a
      // generator, a profiler's SIGPROF) arrives while it runs; try again.
      if ((err as { code?: number }).code !== 11 || attempt >= 3) throw err;
    }
  }
  const loadMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const src = source;
  return {
    source: src,
    tap,
    loadMs,
    drops() {
      src.checkDrops();
      return src.stats().rings.reduce((n, r) => n + Object.values(r.drops).reduce((a, b) => a + b, 0), 0);
    },
    stats: () => src.stats(),
  };
}
