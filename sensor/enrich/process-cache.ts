// The process cache: every process keyed by (pid, start time), with what it
// runs and the process it came from, so any event can be given its process
// and ancestors. Learned from fork/exec/exit events; processes older than
// the sensor are seeded from /proc. Exited processes stay findable for a
// grace period (late events from other rings), and past it as long as a
// descendant still points at them, so a daemon keeps the shell that started
// it. Bounded; the event path never throws and counts what it misses.
import type { EventHeader, ExecEvent, SensorEvent } from '../decode/types';
import { listPids, ProcRecord, readProcess } from './proc-seed';
import {
  DEFAULT_PROCESS_CACHE_OPTIONS,
  ProcessCacheOptions,
  ProcessCacheStats,
  ProcessFields,
  ProcessInfo,
  SeedResult,
} from './process-types';

export * from './process-types';

interface Entry extends ProcessFields {
  /** The parent entry itself: cheaper than a key to follow, and survives re-keying. */
  up: Entry | null;
  /** The start /proc gave (tick precision), kept to match keys taken from it; -1 if none. */
  tickStart: number;
  /** Entries whose `up` is this one. */
  refs: number;
  /** Cache-clock ms after which an exited entry may go. */
  deadline: number;
  deleted: boolean;
}

export class ProcessCache {
  private readonly opts: ProcessCacheOptions;
  private readonly tickNs: number;
  /** Every generation of a pid still held, oldest start first (usually one). */
  private readonly byPid = new Map<number, Entry[]>();
  /** Use order, least recent first: Set iteration follows insertion. */
  private readonly order = new Set<Entry>();
  /** Exited, in their grace period, in exit order (= deadline order). */
  private readonly exiting = new Set<Entry>();
  /** Exited, past grace, kept because live descendants point at them. */
  private readonly held = new Set<Entry>();
  private readonly counts: Omit<ProcessCacheStats, 'size' | 'exited'> = {
    hits: 0, misses: 0, evictions: 0, expired: 0, seeded: 0, seedVanished: 0,
    learned: 0, procReads: 0, procMisses: 0, errors: 0,
  };

  constructor(opts: Partial<ProcessCacheOptions> = {}) {
    this.opts = { ...DEFAULT_PROCESS_CACHE_OPTIONS, ...opts };
    if (!(this.opts.maxEntries >= 1)) throw new Error(`process cache: maxEntries must be at least 1 (got ${this.opts.maxEntries})`);
    if (!(this.opts.graceMs >= 0)) throw new Error(`process cache: graceMs must be 0 or more (got ${this.opts.graceMs})`);
    if (!(this.opts.clkTck > 0)) throw new Error(`process cache: clkTck must be positive (got ${this.opts.clkTck})`);
    this.tickNs = 1e9 / this.opts.clkTck;
  }

  /** Learn from one event. Never throws. */
  onEvent(ev: SensorEvent): void {
    try {
      this.sweep();
      if (ev.type === 'exec') this.onExec(ev);
      else if (ev.type === 'exit') this.onExit(ev);
      else if (ev.type === 'fork') this.refresh(this.find(ev.pid, ev.startTime) ?? this.learn(ev, 'inherit'), ev);
      else {
        // Other events carry their own live header. Copying it into the entry
        // on every open or connect cost ~2 µs an event (measured on events
        // shaped like the decoder's, whose fields are slow to read); fork,
        // exec and exit already keep it current where it matters. A seeded
        // entry takes it once, for the kernel's exact start time.
        const e = this.find(ev.pid, ev.startTime);
        if (e && e.precise) this.touch(e);
        else this.refresh(e ?? this.learn(ev, 'proc'), ev);
      }
    } catch {
      this.counts.errors++;
    }
  }

  /** The process (pid, startTime), exited or not; counts a hit or a miss. */
  lookup(pid: number, startTime: number): ProcessInfo | undefined {
    this.sweep();
    const e = this.find(pid, startTime);
    if (!e) {
      this.counts.misses++;
      return undefined;
    }
    this.counts.hits++;
    this.touch(e);
    return e;
  }

  /** Parent first, at most `max`; stops where the chain is unknown or gone. */
  ancestors(info: ProcessInfo, max = 5): ProcessInfo[] {
    const out: ProcessInfo[] = [];
    let e = this.find(info.pid, info.startTime)?.up ?? null;
    while (e && !e.deleted && out.length < max) {
      out.push(e);
      e = e.up;
    }
    return out;
  }

  /** Learn every process in /proc the cache does not know yet. */
  seed(): SeedResult {
    const t0 = performance.now();
    const { procRoot, cgroupRoot } = this.opts;
    const memo = new Map<string, number>();
    const fresh: Entry[] = [];
    let vanished = 0;
    let known = 0;
    for (const pid of listPids(procRoot)) {
      const r = readProcess(procRoot, pid, cgroupRoot, memo);
      if (!r) vanished++;
      else if (this.find(r.pid, r.startTicks * this.tickNs)) known++;
      else fresh.push(this.insert(this.fromProc(r)));
    }
    // Link once every process is in: a parent may be listed after its child.
    for (const e of fresh) if (!e.deleted && !e.up) this.link(e, this.parentFor(e.ppid, e.startTime));
    this.counts.seeded += fresh.length;
    this.counts.seedVanished += vanished;
    return { seeded: fresh.length, vanished, known, ms: performance.now() - t0 };
  }

  /** Delete exited entries whose grace is over (also done on every call). */
  sweep(): void {
    if (this.exiting.size === 0) return;
    const now = this.opts.now();
    for (const e of this.exiting) {
      if (e.deadline > now) break;
      this.exiting.delete(e);
      if (e.refs > 0) this.held.add(e);
      else {
        this.remove(e);
        this.counts.expired++;
      }
    }
  }

  stats(): ProcessCacheStats {
    return { size: this.order.size, exited: this.exiting.size + this.held.size, ...this.counts };
  }

  private onExec(ev: ExecEvent): void {
    const e = this.find(ev.pid, ev.startTime) ?? this.learn(ev, 'none');
    this.refresh(e, ev);
    // The event carries everything: a process that is gone by the time we
    // read it still gets its full context, with no /proc read.
    e.exepath = ev.exepath;
    e.exeResolved = ev.exeResolved;
    e.args = ev.args;
    e.cwd = ev.cwd;
    e.tty = ev.tty ?? 0;
  }

  private onExit(ev: SensorEvent): void {
    const e = this.find(ev.pid, ev.startTime) ?? this.learn(ev, 'none');
    this.refresh(e, ev);
    if (e.exited) return;
    e.exited = true;
    e.deadline = this.opts.now() + this.opts.graceMs;
    this.exiting.add(e);
  }

  /** Same process: exact start, or within a tick of a start /proc gave. */
  private find(pid: number, startTime: number): Entry | undefined {
    const gens = this.byPid.get(pid);
    if (!gens) return undefined;
    for (let i = gens.length - 1; i >= 0; i--) {
      const e = gens[i];
      if (e.startTime === startTime || (e.tickStart >= 0 && Math.abs(startTime - e.tickStart) < this.tickNs)) return e;
    }
    return undefined;
  }

  /** The newest process with pid `ppid` that started no later than its child. */
  private parentFor(ppid: number, childStart: number): Entry | null {
    const gens = ppid > 0 ? this.byPid.get(ppid) : undefined;
    if (!gens) return null;
    for (let i = gens.length - 1; i >= 0; i--) {
      if (gens[i].startTime <= childStart + this.tickNs) return gens[i];
    }
    return null;
  }

  /**
   * A process first seen now, from its header. A forked child runs its
   * parent's image until it execs; of a process first seen in any other
   * event, only /proc can tell what it runs.
   */
  private learn(ev: EventHeader, image: 'inherit' | 'proc' | 'none'): Entry {
    // Insert first: making room may evict, and must not evict the parent we link to.
    const e = this.insert(blank(ev));
    const parent = this.parentFor(ev.ppid, ev.startTime);
    this.counts.learned++;
    this.link(e, parent);
    if (image === 'inherit' && parent) {
      Object.assign(e, { exepath: parent.exepath, exeResolved: parent.exeResolved, args: parent.args, cwd: parent.cwd, tty: parent.tty });
    } else if (image === 'proc' && this.opts.procFallback) this.fillFromProc(e);
    return e;
  }

  private fillFromProc(e: Entry): void {
    this.counts.procReads++;
    const r = readProcess(this.opts.procRoot, e.pid, this.opts.cgroupRoot);
    // A different start: the pid is already someone else's.
    if (!r || Math.abs(r.startTicks * this.tickNs - e.startTime) >= this.tickNs) {
      this.counts.procMisses++;
      return;
    }
    Object.assign(e, { exepath: r.exe, exeResolved: r.exe, args: r.args, cwd: r.cwd, tty: r.tty });
  }

  /** Header fields change over a process's life (setuid, prctl, setns, reparenting). */
  private refresh(e: Entry, ev: EventHeader): void {
    if (!e.precise && ev.startTime !== e.startTime) {
      e.startTime = ev.startTime;
      e.precise = true;
    }
    e.ppid = ev.ppid;
    e.name = ev.comm;
    e.uid = ev.uid;
    e.gid = ev.gid;
    e.auid = ev.auid;
    e.cgroupId = ev.cgroupId;
    e.mntns = ev.mntns;
    e.pidns = ev.pidns;
    this.touch(e);
  }

  private fromProc(r: ProcRecord): Entry {
    const start = r.startTicks * this.tickNs;
    return {
      pid: r.pid, ppid: r.ppid, startTime: start, precise: false, name: r.name, exepath: r.exe,
      exeResolved: r.exe, args: r.args, cwd: r.cwd, tty: r.tty, uid: r.uid, gid: r.gid, auid: r.auid,
      cgroupId: r.cgroupId, mntns: r.mntns, pidns: r.pidns, parent: null, exited: false,
      origin: 'proc', up: null, tickStart: start, refs: 0, deadline: 0, deleted: false,
    };
  }

  private link(e: Entry, parent: Entry | null): void {
    if (!parent || parent === e) return;
    e.up = parent;
    e.parent = { pid: parent.pid, startTime: parent.startTime };
    parent.refs++;
  }

  private touch(e: Entry): void {
    this.order.delete(e);
    this.order.add(e);
  }

  private insert(e: Entry): Entry {
    while (this.order.size >= this.opts.maxEntries) {
      const victim = first(this.held) ?? first(this.exiting) ?? first(this.order);
      if (!victim) break;
      this.remove(victim);
      this.counts.evictions++;
    }
    const gens = this.byPid.get(e.pid);
    if (!gens) this.byPid.set(e.pid, [e]);
    else {
      // Keep generations in start order; events may bring an older one late.
      let i = gens.length;
      while (i > 0 && gens[i - 1].startTime > e.startTime) i--;
      gens.splice(i, 0, e);
    }
    this.order.add(e);
    return e;
  }

  /** Forget an entry; a parent kept only for it goes too. */
  private remove(e: Entry | null): void {
    while (e && !e.deleted) {
      e.deleted = true;
      this.order.delete(e);
      this.exiting.delete(e);
      this.held.delete(e);
      const gens = this.byPid.get(e.pid);
      if (gens) {
        const i = gens.indexOf(e);
        if (i >= 0) gens.splice(i, 1);
        if (gens.length === 0) this.byPid.delete(e.pid);
      }
      const up = e.up;
      e.up = null; // a deleted entry must not keep its ancestors in memory
      if (!up) return;
      up.refs--;
      e = up.refs === 0 && this.held.has(up) ? up : null;
      if (e) this.counts.expired++;
    }
  }
}

function first<T>(s: Set<T>): T | undefined {
  for (const v of s) return v;
  return undefined;
}

function blank(ev: EventHeader): Entry {
  return {
    pid: ev.pid, ppid: ev.ppid, startTime: ev.startTime, precise: true, name: ev.comm, exepath: '',
    exeResolved: '', args: [], cwd: '', tty: 0, uid: ev.uid, gid: ev.gid, auid: ev.auid, cgroupId: ev.cgroupId,
    mntns: ev.mntns, pidns: ev.pidns, parent: null, exited: false, origin: 'event',
    up: null, tickStart: -1, refs: 0, deadline: 0, deleted: false,
  };
}
