// What the process cache holds per process, its options and its counters.
// Kept apart from the cache so that later stages (rules, alerts) can import
// the shapes without the machinery.

/** A process's identity: pids recycle, (pid, start time) does not. */
export interface ProcessKey {
  pid: number;
  /** Thread group leader's start, CLOCK_BOOTTIME ns. */
  startTime: number;
}

export interface ProcessFields extends ProcessKey {
  /** The real parent's tgid as last seen (it changes when the parent dies). */
  ppid: number;
  /**
   * False when startTime came from /proc, which counts in clock ticks (10 ms):
   * such an entry matches any start within one tick of it, until an event
   * brings the kernel's exact nanoseconds.
   */
  precise: boolean;
  /** comm: at most 15 bytes, set by exec or prctl. */
  name: string;
  /** Path given to execve (made absolute); for seeded entries, the exe link. */
  exepath: string;
  /** The executable the kernel mapped, symlinks resolved; '' when unknown. */
  exeResolved: string;
  args: string[];
  cwd: string;
  /**
   * Controlling terminal as /proc/<pid>/stat tty_nr encodes it, 0 when none:
   * from the last exec, inherited on fork, or read from /proc.
   */
  tty: number;
  /** Effective ids. */
  uid: number;
  gid: number;
  /** Login uid; 4294967295 when unset. */
  auid: number;
  cgroupId: number;
  mntns: number;
  pidns: number;
  /** The process it was forked from, as far as the cache knows; null when unknown. */
  parent: ProcessKey | null;
  exited: boolean;
  /** Where the entry was first learned: a kernel event, or /proc. */
  origin: 'event' | 'proc';
}

/** Entries are shared, not copied: callers must not change them. */
export type ProcessInfo = Readonly<ProcessFields>;

export interface ProcessCacheOptions {
  /** Where procfs is mounted (a fake tree in tests). */
  procRoot: string;
  /** Where cgroup v2 is mounted: a cgroup's id is its directory's inode. */
  cgroupRoot: string;
  /** How long an exited process stays findable for events that arrive late. */
  graceMs: number;
  /** Most entries held; past it, exited ones go first, then the least recently used. */
  maxEntries: number;
  /** Monotonic milliseconds; injected by tests to expire entries at will. */
  now: () => number;
  /**
   * USER_HZ, the unit of /proc/<pid>/stat start times. 100 on every Linux
   * architecture the sensor targets (the kernel ABI fixes it, whatever HZ is).
   */
  clkTck: number;
  /**
   * Read /proc/<pid> for an event of a process the cache has never seen
   * (started between seeding and attach, or its records were dropped).
   */
  procFallback: boolean;
}

export const DEFAULT_PROCESS_CACHE_OPTIONS: ProcessCacheOptions = {
  procRoot: '/proc',
  cgroupRoot: '/sys/fs/cgroup',
  graceMs: 30_000,
  // A busy node runs 100k processes (bench stage 6: about 1 KB each).
  maxEntries: 131_072,
  now: () => performance.now(),
  clkTck: 100,
  procFallback: true,
};

export interface ProcessCacheStats {
  /** Entries held, live and exited. */
  size: number;
  /** Of which exited (in their grace period, or kept for live descendants). */
  exited: number;
  /** lookup() calls that found / did not find their process. */
  hits: number;
  misses: number;
  /** Entries dropped to stay within maxEntries. */
  evictions: number;
  /** Exited entries deleted after their grace period. */
  expired: number;
  /** Entries created from /proc by seed(). */
  seeded: number;
  /** Processes that vanished while seed() read them. */
  seedVanished: number;
  /** Entries created from kernel events. */
  learned: number;
  /** /proc reads for processes first seen in a non-exec event. */
  procReads: number;
  /** Of which the process was gone, or its pid already reused. */
  procMisses: number;
  /** Events the cache failed on (a bug: the event path never throws). */
  errors: number;
}

export interface SeedResult {
  seeded: number;
  vanished: number;
  /** Already known from events (or an earlier seed), left as they were. */
  known: number;
  ms: number;
}
