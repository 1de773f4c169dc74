// The kernel event source: loads the objects that serve the wanted event
// types, maps their rings, wakes on data, decodes each record and hands typed
// events to one callback. Counts everything it cannot deliver: kernel drops
// per ring and reason, undecodable records, handler failures.
import { performance } from 'node:perf_hooks';
import { decodeRecord, DecodeError } from '../decode/decode';
import { DROP_REASONS, FILTER_REASONS } from '../decode/layout';
import type { InterestSet } from '../rules/interest';
import type { EventType, SensorEvent } from '../decode/types';
import { BootClock } from './clock';
import { DEFAULT_DNS_OPTIONS, DnsTracker, DnsTrackerOptions } from '../enrich/dns';
import type { Logger } from '../log';
import { DEFAULT_RING_SIZE, OBJECT_OF, ObjectName, objectPath } from './gadgets';
import { encodeInterest, InterestMaps } from './interest';
import { BpfError, BpfObject, kernelHasFunc, setLibbpfLogger } from './object';
import { Poller } from './poller';
import { Bytes, RingReader } from './ring';
import { ensureTracefs } from './tracefs';

export const DROP_REASON_NAMES = ['ring_full', 'inflight_full'] as const;
/** Why the kernel kept an event back on purpose (the interest set): not a loss. */
export const FILTER_REASON_NAMES = ['open_read', 'open_failed'] as const;
/** The kfunc the file object's filter needs (Linux 6.2+). */
const FILTER_KFUNC = 'bpf_rdonly_cast';
/** Default backlog that wakes the reader: 256 KiB (about 1,500 opens). */
export const DEFAULT_WAKEUP_BYTES = 256 * 1024;
/** Default timer poll: bounds the latency of a trickle of events. */
export const DEFAULT_POLL_MS = 20;
/** With nothing read for IDLE_AFTER_MS the reader polls every IDLE_POLL_MS, and the kernel wakes it for the first record. */
export const IDLE_AFTER_MS = 1000;
export const IDLE_POLL_MS = 250;

export interface SourceOptions {
  types: EventType[];
  onEvent: (ev: SensorEvent) => void;
  log: Logger;
  ringSizes?: Partial<Record<ObjectName, number>>;
  /** Trace the agent's own process too (off by default). */
  traceSelf?: boolean;
  bpfDir?: string;
  /** Records handed out per wake-up before yielding to the event loop. */
  batch?: number;
  /** How often kernel drop counters are read and DNS timeouts swept. */
  dropCheckMs?: number;
  /**
   * Backlog in bytes at which the kernel wakes the reader; below it the
   * reader polls every `pollMs`. 0: a wake-up for every record.
   */
  wakeupBytes?: number;
  /** Timer poll period of the rings, in ms. */
  pollMs?: number;
  /** Timer poll period while idle (IDLE_POLL_MS), in ms. */
  idlePollMs?: number;
  /** Longest epoll wait, in ms (a wake-up missed costs at most this much latency). */
  wakeTimeoutMs?: number;
  /** DNS query/response pairing (the dns gadget). */
  dns?: Partial<DnsTrackerOptions>;
  /** Called when a ring's drop counters grow; default: a warning log. */
  onDrops?: (ring: string, reason: string, added: number, total: number) => void;
  /**
   * Opens no rule can match stay in the kernel (sensor/rules/interest.ts).
   * Absent or null: every open is traced.
   */
  interest?: InterestSet | null;
}

export interface RingStats {
  ring: string;
  size: number;
  records: number;
  drops: Record<string, number>;
  /**
   * Events the kernel kept back because no loaded rule could match them, by
   * reason (FILTER_REASON_NAMES; empty for rings that do not filter). Not
   * losses: counted apart from drops.
   */
  filtered: Record<string, number>;
  handlerErrors: number;
}

export interface SourceStats {
  rings: RingStats[];
  events: number;
  decodeErrors: number;
  /** onEvent failures for events merged across rings. */
  handlerErrors: number;
  /** Returns of the epoll wait, timeouts included. */
  wakeups: number;
  /** Of them, returns because the kernel woke the reader (a ring was ready). */
  dataWakeups: number;
  dns: DnsTracker['stats'];
  /** Programs not attached because their hook does not exist here. */
  skipped: { object: string; program: string; reason: string }[];
}

/** Records the kernel lost, every ring and reason together. */
export function totalDrops(stats: SourceStats): number {
  return stats.rings.reduce((n, r) => n + Object.values(r.drops).reduce((a, b) => a + b, 0), 0);
}

/** The part of the final "stopped" log line that says what the kernel side saw. */
export function stopSummary(why: string, stats: SourceStats): { reason: string; events: number; drops: number; decodeErrors: number } {
  return { reason: why, events: stats.events, drops: totalDrops(stats), decodeErrors: stats.decodeErrors };
}

interface Loaded {
  name: ObjectName;
  obj: BpfObject;
  ring: RingReader;
  drops: number[];
  filtered: number[] | null;
}

export class KernelSource {
  private loaded: Loaded[] = [];
  /** The rings in snapshot order: process (exec, fork, exit) last. */
  private drainOrder: Loaded[] = [];
  private poller: Poller | null = null;
  private timer: NodeJS.Timeout | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private idle = false;
  private readonly wanted: Set<EventType>;
  private readonly handle: (b: Bytes, off: number, len: number) => void;
  private readonly deliver: (ev: SensorEvent) => void;
  /** Events of the drain in progress, when several rings are merged. */
  private batchEvents: SensorEvent[] | null = null;
  /** onEvent threw for a merged event (the ring reader counts its own). */
  handlerErrors = 0;
  private paused = false;
  private stopping: Promise<SourceStats> | null = null;
  private readonly dns: DnsTracker;
  private skipped: { object: string; program: string; reason: string }[] = [];
  events = 0;
  decodeErrors = 0;
  private lastPollAt = performance.now();
  private lastReadAt = performance.now();
  lastDecodeError: DecodeError | null = null;
  /** The file object's interest maps, when its programs use them. */
  private interestMaps: InterestMaps | null = null;
  private filterNoted = false;

  private constructor(private readonly opts: SourceOptions) {
    this.wanted = new Set(opts.types);
    const deliver = (ev: SensorEvent): void => {
      if (!this.wanted.has(ev.type)) return;
      this.events++;
      this.opts.onEvent(ev);
    };
    // With several rings, one drain would hand out ring A's records before
    // ring B's; collect the drain's events and deliver them in kernel-time
    // order instead, so a process's exec comes before its opens.
    const collect = (ev: SensorEvent): void => {
      if (this.batchEvents) this.batchEvents.push(ev);
      else deliver(ev);
    };
    this.deliver = deliver;
    this.dns = new DnsTracker(collect, { ...DEFAULT_DNS_OPTIONS, ...opts.dns });
    this.handle = (b, off, len) => {
      const ev = decodeRecord(b, off, len);
      if (ev instanceof DecodeError) {
        this.decodeErrors++;
        this.lastDecodeError = ev;
        return;
      }
      if (ev.type === 'dnspkt') this.dns.packet(ev);
      else collect(ev);
    };
  }

  /** Load, attach and start reading. Throws with a clear message on failure. */
  static start(opts: SourceOptions): KernelSource {
    const src = new KernelSource(opts);
    try {
      src.open();
    } catch (err) {
      src.closeAll();
      throw err;
    }
    return src;
  }

  private open(): void {
    const { log } = this.opts;
    setLibbpfLogger((level, msg) => {
      if (level === 0) log.debug({ libbpf: msg }, 'libbpf');
    });
    const tracefs = ensureTracefs();
    const names = [...new Set(this.opts.types.map((t) => OBJECT_OF[t]))];
    for (const name of names) {
      const obj = this.loadObject(name, tracefs);
      const filters = obj.hasMap('filtered');
      this.loaded.push({ name, obj, ring: null as unknown as RingReader, drops: new Array(DROP_REASONS).fill(0), filtered: filters ? new Array(FILTER_REASONS).fill(0) : null });
      const entry = this.loaded[this.loaded.length - 1];
      entry.ring = new RingReader(name, obj.mapFd('events'), obj.mapMaxEntries('events'));
      if (name === 'file' && this.filterCapable && InterestMaps.supported(obj)) {
        this.interestMaps = new InterestMaps(obj);
        // Before attaching: the first open is judged already.
        if (this.opts.interest) this.setInterest(this.opts.interest);
      } else if (name === 'file' && this.opts.interest) this.setInterest(this.opts.interest);
      obj.attach();
      log.debug({ object: name, programs: obj.attachedPrograms }, 'attached');
    }
    this.drainOrder = [...this.loaded.filter((l) => l.name !== 'process'), ...this.loaded.filter((l) => l.name === 'process')];
    this.poller = new Poller(
      this.loaded.map((l) => l.ring.fd),
      () => this.drain(),
      this.opts.wakeTimeoutMs,
    );
    this.poller.start();
    // Below the wake-up threshold the kernel does not wake us: look at the
    // producer positions (mapped memory, no system call) on a short timer,
    // and on a long one while nothing comes (see tick()).
    this.tick();
    this.timer = setInterval(() => {
      this.checkDrops();
      this.dns.sweep(BootClock.nowNs());
    }, this.opts.dropCheckMs ?? 250);
    this.timer.unref();
  }

  /**
   * Open and load one object. The verifier gives up with EAGAIN when a
   * signal lands mid-check (a profiler, a busy terminal), and libbpf will not
   * load an object twice: open it again and retry.
   */
  /** Whether this kernel runs the file object's filtering programs. */
  private get filterCapable(): boolean {
    return kernelHasFunc(FILTER_KFUNC);
  }

  private loadObject(name: ObjectName, tracefs: string): BpfObject {
    const { log } = this.opts;
    const ringSize = this.opts.ringSizes?.[name] ?? DEFAULT_RING_SIZE[name];
    for (let attempt = 1; ; attempt++) {
      const obj = BpfObject.open(objectPath(name, this.opts.bpfDir), {
        ringSize,
        config: {
          selfTgid: this.opts.traceSelf ? 0 : process.pid,
          wakeupBytes: this.opts.wakeupBytes ?? Math.min(DEFAULT_WAKEUP_BYTES, ringSize / 4),
        },
      });
      try {
        // Programs that need the filter's kfunc, or their compat_ twins.
        obj.chooseCompat(!this.filterCapable);
        const skipped = obj.disableMissingTracepoints(tracefs);
        obj.load();
        for (const s of skipped) {
          this.skipped.push({ object: name, ...s });
          log.warn({ object: name, program: s.program, reason: s.reason }, 'tracepoint not available; not traced');
        }
        return obj;
      } catch (err) {
        obj.close();
        if (!(err instanceof BpfError && err.code === 11 && attempt < 5)) throw err;
        log.debug({ object: name, attempt }, 'verifier interrupted (EAGAIN); loading again');
      }
    }
  }

  /**
   * Whether the reader keeps up, for a liveness probe: when its poll timer
   * last ran, when a drain last consumed records, and the bytes waiting in
   * the rings now (monotonic ms, performance.now()).
   */
  progress(): { lastPollAt: number; lastReadAt: number; pendingBytes: number } {
    let pendingBytes = 0;
    for (const l of this.loaded) pendingBytes += l.ring.pending();
    return { lastPollAt: this.lastPollAt, lastReadAt: this.lastReadAt, pendingBytes };
  }

  /**
   * One poll, then the next: every pollMs while records come; after
   * IDLE_AFTER_MS without any, every IDLE_POLL_MS, with the programs told
   * to wake the reader for the first record into an empty ring (adaptive
   * wake-ups: a quiet node is not polled 50 times a second, and its first
   * event is still read at once). Idle only when every object can be told.
   */
  private tick(): void {
    if (this.stopping) return;
    const now = (this.lastPollAt = performance.now());
    if (this.loaded.some((l) => l.ring.pending() > 0)) this.drain();
    const quiet = now - this.lastReadAt >= IDLE_AFTER_MS && !this.paused;
    if (quiet !== this.idle) this.setIdle(quiet);
    this.schedule();
  }

  private schedule(): void {
    if (this.pollTimer) clearTimeout(this.pollTimer);
    if (this.stopping) return;
    const fast = this.opts.pollMs ?? DEFAULT_POLL_MS;
    this.pollTimer = setTimeout(() => this.tick(), this.idle ? Math.max(fast, this.opts.idlePollMs ?? IDLE_POLL_MS) : fast);
    this.pollTimer.unref();
  }

  private setIdle(idle: boolean): void {
    let all = true;
    for (const l of this.loaded) all = l.obj.setReaderIdle(idle) && all;
    if (idle && !all) {
      for (const l of this.loaded) l.obj.setReaderIdle(false);
      return;
    }
    this.idle = idle;
    // A record written just before the flag was set woke no one: look now.
    if (idle && this.loaded.some((l) => l.ring.pending() > 0)) this.drain();
  }

  /** Whether the reader is polling slowly, waiting for the kernel to wake it. */
  get readerIdle(): boolean {
    return this.idle;
  }

  /** Drain every ring once (bounded by the batch size per ring). */
  drain(): number {
    const n = this.drainOnce();
    if (n > 0) {
      this.lastReadAt = performance.now();
      // Woken out of idleness (by the kernel or a tick): poll fast again.
      if (this.idle) {
        this.setIdle(false);
        this.schedule();
      }
    }
    return n;
  }

  private drainOnce(): number {
    if (this.paused) return 0;
    const batch = this.opts.batch ?? 8192;
    if (this.loaded.length < 2) return this.loaded[0]?.ring.drain(this.handle, batch) ?? 0;
    const events: SensorEvent[] = (this.batchEvents = []);
    let n = 0;
    // Snapshot every ring's write position first, the process ring last,
    // and read each only up to its snapshot: an open in the file ring is
    // then never handed out in a drain that misses the exec before it
    // (committed earlier, so inside the later snapshot). Reading the rings
    // one after another without this split a fast fork+exec+open over two
    // drains, and the open met a process the cache did not know yet.
    const until = this.drainOrder.map((l) => l.ring.position());
    try {
      for (let i = 0; i < this.drainOrder.length; i++) n += this.drainOrder[i].ring.drain(this.handle, batch, until[i]);
    } finally {
      this.batchEvents = null;
    }
    events.sort((a, b) => a.ktime - b.ktime);
    for (const ev of events) {
      try {
        this.deliver(ev);
      } catch {
        this.handlerErrors++;
      }
    }
    return n;
  }

  /** Stop reading (back-pressure); the kernel drops and counts when full. */
  pause(): void {
    this.paused = true;
    this.poller?.pause();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.poller?.resume();
  }

  /**
   * Put an interest set in force (at start and on every rule reload); null:
   * every open is traced again. The kernel sees the old set or the new one
   * whole, and the new one for every open that starts after this returns.
   * Never throws: a set that cannot be written leaves every open traced.
   */
  setInterest(set: InterestSet | null): void {
    const { log } = this.opts;
    const maps = this.interestMaps;
    if (!maps) {
      if (set && !this.filterNoted && this.loaded.some((l) => l.name === 'file')) {
        this.filterNoted = true;
        log.info({ kfunc: FILTER_KFUNC }, 'this kernel cannot filter opens in the kernel (Linux 6.2+ can): every open is traced');
      }
      return;
    }
    const enc = encodeInterest(set);
    for (const note of enc.notes) log.warn({ note }, 'interest set widened');
    try {
      maps.write(enc);
    } catch (err) {
      log.error({ err: (err as Error).message }, 'cannot write the interest set; every open is traced');
      try {
        maps.write(encodeInterest(null));
      } catch {
        // the previous set stays in force; nothing more to try
      }
      return;
    }
    if (set?.unbounded.length) {
      log.info({ rules: set.unbounded }, 'these rules match read-only opens of any file: every one is traced');
    }
    log.debug(
      { generation: maps.generation, names: enc.entries.size, depth: enc.depth, types: enc.types, failJudge: enc.failJudge.size, failPass: enc.failPass.size },
      set ? 'interest set in force' : 'no interest set: every open is traced',
    );
  }

  /** Read the kernel's drop counters, report growth, return the totals. */
  checkDrops(): void {
    for (const l of this.loaded) {
      if (l.filtered) {
        try {
          l.filtered = l.obj.readPercpuCounters('filtered', FILTER_REASONS);
        } catch {
          // keep the last totals
        }
      }
      let counts: number[];
      try {
        counts = l.obj.readPercpuCounters('drops', DROP_REASONS);
      } catch {
        continue;
      }
      counts.forEach((total, i) => {
        const added = total - l.drops[i];
        if (added <= 0) return;
        l.drops[i] = total;
        const reason = DROP_REASON_NAMES[i];
        if (this.opts.onDrops) this.opts.onDrops(l.name, reason, added, total);
        else this.opts.log.warn({ ring: l.name, reason, added, total }, 'kernel dropped events');
      });
    }
  }

  stats(): SourceStats {
    return {
      rings: this.loaded.map((l) => ({
        ring: l.name,
        size: l.ring?.size ?? 0,
        records: l.ring?.records ?? 0,
        drops: Object.fromEntries(DROP_REASON_NAMES.map((r, i) => [r, l.drops[i]])),
        filtered: l.filtered ? Object.fromEntries(FILTER_REASON_NAMES.map((r, i) => [r, l.filtered![i]])) : {},
        handlerErrors: l.ring?.handlerErrors ?? 0,
      })),
      handlerErrors: this.handlerErrors,
      events: this.events,
      decodeErrors: this.decodeErrors,
      wakeups: this.poller?.wakeups ?? 0,
      dataWakeups: this.poller?.dataWakeups ?? 0,
      dns: { ...this.dns.stats },
      skipped: this.skipped,
    };
  }

  /** Detach, deliver what is still in the rings, report drops, free all. */
  stop(): Promise<SourceStats> {
    if (this.stopping) return this.stopping;
    this.stopping = (async () => {
      if (this.timer) clearInterval(this.timer);
      if (this.pollTimer) clearTimeout(this.pollTimer);
      await Promise.all(this.loaded.map((l) => l.obj.detachAsync())); // no new records
      this.paused = false;
      while (this.drain() > 0);
      await this.poller?.stop();
      this.dns.sweep(BootClock.nowNs());
      this.checkDrops();
      const stats = this.stats();
      this.closeAll();
      return stats;
    })();
    return this.stopping;
  }

  private closeAll(): void {
    for (const l of this.loaded) {
      l.ring?.close();
      l.obj.close();
    }
    this.loaded = [];
    this.interestMaps = null;
    setLibbpfLogger(null);
  }
}
