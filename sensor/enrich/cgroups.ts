// From the cgroup id a kernel event carries to the cgroup's path and its
// container. bpf_get_current_cgroup_id() is the id of the kernfs node of the
// process's cgroup v2 directory, which on 64-bit kernels is also that
// directory's inode number: a stat() of every directory under the v2 mount
// gives the id -> path table. The table is filled lazily on a miss, by a
// bounded breadth-first walk at most once per interval. Where the v2 id says
// nothing (v1-only hosts: every id is the root; hybrid hosts: containers may
// live in v1 controllers only), /proc/<pid>/cgroup is read instead.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ContainerRef, parseCgroupPath, parseProcCgroup } from './cgroup-path';

export interface CgroupResolverOptions {
  /**
   * The cgroup v2 mount. Default: found in <procRoot>/self/mountinfo. null:
   * there is none (v1 only); every lookup then needs a pid. A DaemonSet in a
   * private cgroup namespace sees only its own subtree there: mount the
   * host's /sys/fs/cgroup and name it here.
   */
  cgroupRoot?: string | null;
  /** Default '/proc'. */
  procRoot?: string;
  /** Deepest directory walked below the root. */
  maxDepth?: number;
  /** Most directories one walk visits; workloads with delegated cgroups can make many. */
  maxEntries?: number;
  /** Least time between two walks caused by misses. Short: a container that
   *  runs for a few milliseconds must be found before runc removes its
   *  cgroup (a walk of a node's few hundred cgroups costs 1-3 ms). */
  minRescanMs?: number;
  /** How long a cgroup no longer seen stays known, for late events of short-lived containers. */
  graceMs?: number;
  /**
   * Whether a process in the root v2 cgroup may still be in a container, so
   * that /proc/<pid>/cgroup is read for it. Default: when v1 hierarchies are
   * mounted (v1-only or hybrid: runc before 1.0 placed containers in v1
   * only). A read costs about 30 µs: resolve once per process, not per event.
   */
  rootAmbiguous?: boolean;
  /** Monotonic milliseconds; injectable for tests. */
  now?: () => number;
  /**
   * Now on the events' clock (CLOCK_BOOTTIME ns). Given, a miss of an event
   * stamped after the last walk began walks again despite minRescanMs: its
   * cgroup may be newer than that walk, and its process may be gone by the
   * time the limit has passed (a container that runs for milliseconds while
   * other containers start). Once per cgroup id per second at most.
   */
  eventClockNs?: () => number;
}

/** Least time between two out-of-turn walks for the same unknown id. */
const LATE_RESCAN_MS = 1000;
const LATE_MISSES_MAX = 1024;

export const DEFAULT_CGROUP_OPTIONS = {
  maxDepth: 12,
  maxEntries: 50_000,
  minRescanMs: 100,
  graceMs: 60_000,
} as const;

export interface CgroupInfo {
  /** Relative to the v2 mount ("/kubepods/..."), or as /proc/<pid>/cgroup printed it. */
  path: string;
  container: ContainerRef | null;
  /** 'cgroup-id': the v2 id's directory; 'proc': /proc/<pid>/cgroup. */
  source: 'cgroup-id' | 'proc';
}

export interface CgroupResolverStats {
  /** Lookups whose id was known. */
  hits: number;
  /** Lookups whose id was not known (a walk may then have found it). */
  misses: number;
  /** Walks of the v2 tree. */
  rescans: number;
  /** Misses that could not walk: the last walk was too recent. */
  rescansLimited: number;
  /** Walks out of turn: a miss stamped after the last walk began. */
  rescansLate: number;
  /** Walks stopped at maxEntries. */
  rescansTruncated: number;
  /** Directories visited by all walks. */
  scannedDirs: number;
  /** Directories that could not be listed. */
  scanErrors: number;
  /** Reads of /proc/<pid>/cgroup, and those that failed (process gone). */
  procReads: number;
  procErrors: number;
  /** Lookups that returned null. */
  unresolved: number;
  /** Unexpected failures caught on the event path. */
  errors: number;
  /** Ids known now. */
  cached: number;
}

export interface CgroupMounts {
  /** Mount point of the cgroup2 file system (the whole hierarchy), or null. */
  v2: string | null;
  /** Mount points of v1 hierarchies. */
  v1: string[];
}

/** mountinfo escapes space, tab, newline and backslash as \ooo. */
function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** The cgroup mounts listed in the text of /proc/<pid>/mountinfo. */
const CGROUP2_SUPER_MAGIC = 0x63677270;

/**
 * The cgroup v2 hierarchy at or under a mount the user named. A DaemonSet
 * mounts the host's /sys/fs/cgroup; on a hybrid host that is a tmpfs of v1
 * controllers with v2 at its "unified" child, which is what cgroup ids name.
 */
export function cgroupV2Root(root: string): string {
  try {
    if (fs.statfsSync(root).type === CGROUP2_SUPER_MAGIC) return root;
    const unified = path.join(root, 'unified');
    if (fs.statfsSync(unified).type === CGROUP2_SUPER_MAGIC) return unified;
  } catch {
    // not there: the caller's own check gives the clear error
  }
  return root;
}

export function findCgroupMounts(mountinfo: string): CgroupMounts {
  const out: CgroupMounts = { v2: null, v1: [] };
  let v2Partial: string | null = null;
  for (const line of mountinfo.split('\n')) {
    const f = line.split(' ');
    const sep = f.indexOf('-', 6);
    if (sep < 0 || f.length < sep + 2) continue;
    const fstype = f[sep + 1];
    const mountPoint = unescapeMount(f[4]);
    if (fstype === 'cgroup') out.v1.push(mountPoint);
    else if (fstype === 'cgroup2') {
      // A mount of a subtree (root field not "/") cannot resolve every id.
      if (f[3] === '/') out.v2 ??= mountPoint;
      else v2Partial ??= mountPoint;
    }
  }
  out.v2 ??= v2Partial;
  return out;
}

interface Entry {
  info: CgroupInfo;
  /** When a walk (or a /proc read) last saw the directory. */
  seenAt: number;
}

function inoOf(p: string): number | null {
  try {
    return fs.statSync(p).ino;
  } catch {
    return null;
  }
}

/**
 * The host's mount and pid namespace inodes: pid 1's. Where pid 1 refuses
 * (a sandbox init can deny even root, as on the project's VMs), a kernel
 * thread's, which live in the initial namespaces: pid 2 when it is kthreadd,
 * as it is when we share the host's pid namespace.
 */
export function hostNamespaces(procRoot = '/proc'): { mnt: number | null; pid: number | null } {
  const of = (pid: number) => ({ mnt: inoOf(path.join(procRoot, `${pid}/ns/mnt`)), pid: inoOf(path.join(procRoot, `${pid}/ns/pid`)) });
  const init = of(1);
  if (init.mnt !== null && init.pid !== null) return init;
  let status = '';
  try {
    status = fs.readFileSync(path.join(procRoot, '2/status'), 'utf8');
  } catch {
    return init;
  }
  const kthread = /^Kthread:\s*1$/m.test(status) || (/^Name:\s*kthreadd$/m.test(status) && /^PPid:\s*0$/m.test(status));
  return kthread ? of(2) : init;
}

export class CgroupResolver {
  /** The v2 mount ids are resolved in, or null. */
  readonly cgroupRoot: string | null;
  /**
   * Whether the root cgroup's id says nothing about a process: v1
   * hierarchies exist (hybrid or v1 only), so containers may be placed in
   * them alone. On pure v2 the root id means "not in a container".
   */
  readonly rootAmbiguous: boolean;
  readonly rootId: number | null;
  readonly hostMntns: number | null;
  readonly hostPidns: number | null;
  private readonly procRoot: string;
  private readonly opts: Required<Omit<CgroupResolverOptions, 'cgroupRoot' | 'procRoot' | 'rootAmbiguous' | 'eventClockNs'>>;
  private readonly eventClockNs: (() => number) | undefined;
  private readonly byId = new Map<number, Entry>();
  private lastScan = -Infinity;
  /** The events' clock when the last walk began. */
  private lastScanEventNs = -Infinity;
  /** Ids an out-of-turn walk did not find, and when (ms): no second one for a while. */
  private readonly lateMisses = new Map<number, number>();
  private readonly s = {
    hits: 0, misses: 0, rescans: 0, rescansLate: 0, rescansLimited: 0, rescansTruncated: 0, scannedDirs: 0, scanErrors: 0,
    procReads: 0, procErrors: 0, unresolved: 0, errors: 0,
  };

  /** Throws only when an explicit cgroupRoot is not a directory (a configuration mistake). */
  constructor(options: CgroupResolverOptions = {}) {
    this.procRoot = options.procRoot ?? '/proc';
    this.eventClockNs = options.eventClockNs;
    this.opts = {
      maxDepth: options.maxDepth ?? DEFAULT_CGROUP_OPTIONS.maxDepth,
      maxEntries: options.maxEntries ?? DEFAULT_CGROUP_OPTIONS.maxEntries,
      minRescanMs: options.minRescanMs ?? DEFAULT_CGROUP_OPTIONS.minRescanMs,
      graceMs: options.graceMs ?? DEFAULT_CGROUP_OPTIONS.graceMs,
      now: options.now ?? (() => performance.now()),
    };
    let mounts: CgroupMounts = { v2: null, v1: [] };
    try {
      mounts = findCgroupMounts(fs.readFileSync(path.join(this.procRoot, 'self/mountinfo'), 'utf8'));
    } catch {
      // No mountinfo: only an explicit root can be used.
    }
    const root = options.cgroupRoot === undefined ? mounts.v2 : options.cgroupRoot;
    if (root !== null && options.cgroupRoot !== undefined && !fs.statSync(root, { throwIfNoEntry: false })?.isDirectory()) {
      throw new Error(`cgroupRoot ${root} is not a directory: set it to the cgroup v2 mount (e.g. /sys/fs/cgroup or /sys/fs/cgroup/unified)`);
    }
    this.cgroupRoot = root;
    this.rootId = root === null ? null : inoOf(root);
    this.rootAmbiguous = root === null || (options.rootAmbiguous ?? mounts.v1.length > 0);
    const ns = hostNamespaces(this.procRoot);
    this.hostMntns = ns.mnt;
    this.hostPidns = ns.pid;
  }

  /**
   * The cgroup and container of an event's process, or null when unknown.
   * Give the pid so that hosts whose v2 ids say nothing still resolve, and
   * so that a cgroup made since the last walk is found at once. Never throws.
   */
  resolve(cgroupId: number, pid?: number, eventNs?: number): CgroupInfo | null {
    try {
      let e = this.byId.get(cgroupId);
      if (e) this.s.hits++;
      else {
        this.s.misses++;
        if (this.cgroupRoot !== null && this.maybeRescan(cgroupId, eventNs)) e = this.byId.get(cgroupId);
      }
      const vague = e === undefined || (cgroupId === this.rootId && this.rootAmbiguous);
      if (vague && pid !== undefined && Number.isInteger(pid) && pid > 0) {
        const p = this.fromProc(pid);
        if (p) return p;
      }
      if (e) return e.info;
      this.s.unresolved++;
      return null;
    } catch {
      this.s.errors++;
      return null;
    }
  }

  /** Whether a process shares the host's mount and pid namespaces (those of pid 1). */
  isHostProcess(mntns: number, pidns: number): boolean {
    return this.hostMntns !== null && this.hostPidns !== null && mntns === this.hostMntns && pidns === this.hostPidns;
  }

  /** Walk the v2 tree now, whatever the rate limit. Returns the directories visited. */
  rescan(): number {
    const root = this.cgroupRoot;
    if (root === null) return 0;
    const now = this.opts.now();
    this.lastScan = now;
    if (this.eventClockNs) this.lastScanEventNs = this.eventClockNs();
    this.s.rescans++;
    // Breadth first: kubelet's levels (QoS, pod, container) are shallow, so
    // a workload that floods its own subtree is what the bound cuts off.
    const queue: { rel: string; depth: number }[] = [{ rel: '', depth: 0 }];
    let visited = 0;
    let truncated = false;
    for (let qi = 0; qi < queue.length; qi++) {
      const { rel, depth } = queue[qi];
      const abs = rel === '' ? root : root + rel;
      const ino = inoOf(abs);
      if (ino === null) continue; // removed since it was listed
      visited++;
      this.remember(ino, rel === '' ? '/' : rel, now);
      if (depth >= this.opts.maxDepth) continue;
      let dirents: fs.Dirent[];
      try {
        dirents = fs.readdirSync(abs, { withFileTypes: true });
      } catch {
        this.s.scanErrors++;
        continue;
      }
      for (const d of dirents) {
        if (!d.isDirectory()) continue;
        if (queue.length >= this.opts.maxEntries) {
          truncated = true;
          break;
        }
        queue.push({ rel: `${rel}/${d.name}`, depth: depth + 1 });
      }
    }
    if (truncated) this.s.rescansTruncated++;
    this.s.scannedDirs += visited;
    this.expire(now);
    return visited;
  }

  stats(): CgroupResolverStats {
    return { ...this.s, cached: this.byId.size };
  }

  private maybeRescan(cgroupId: number, eventNs?: number): boolean {
    const now = this.opts.now();
    if (now - this.lastScan >= this.opts.minRescanMs) {
      this.rescan();
      return true;
    }
    // Stamped after the last walk began: its cgroup may be newer than it.
    if (eventNs !== undefined && eventNs > this.lastScanEventNs && now - (this.lateMisses.get(cgroupId) ?? -Infinity) >= LATE_RESCAN_MS) {
      this.s.rescansLate++;
      this.rescan();
      if (!this.byId.has(cgroupId)) {
        if (this.lateMisses.size >= LATE_MISSES_MAX) this.lateMisses.clear();
        this.lateMisses.set(cgroupId, now);
      }
      return true;
    }
    this.s.rescansLimited++;
    return false;
  }

  /** A v2 directory is never renamed (the kernel refuses), so a known id keeps its answer. */
  private remember(ino: number, rel: string, now: number): void {
    const known = this.byId.get(ino);
    if (known && known.info.path === rel) {
      known.seenAt = now;
      return;
    }
    this.byId.set(ino, { info: { path: rel, container: parseCgroupPath(rel), source: 'cgroup-id' }, seenAt: now });
  }

  /** Forget cgroups gone for longer than the grace period; cap the table. */
  private expire(now: number): void {
    for (const [id, e] of this.byId) if (now - e.seenAt > this.opts.graceMs) this.byId.delete(id);
    const cap = 2 * this.opts.maxEntries;
    for (const id of this.byId.keys()) {
      if (this.byId.size <= cap) break;
      this.byId.delete(id);
    }
  }

  private fromProc(pid: number): CgroupInfo | null {
    this.s.procReads++;
    let text: string;
    try {
      text = fs.readFileSync(path.join(this.procRoot, String(pid), 'cgroup'), 'utf8');
    } catch {
      this.s.procErrors++;
      return null;
    }
    const pc = parseProcCgroup(text);
    if (pc.path === null) return null;
    // The v2 path names a directory whose inode is its id: learn it, so the
    // next event of this cgroup is a hit. Paths from beyond our cgroup
    // namespace ("/..") are not under our mount.
    const v2 = pc.v2Path;
    if (v2 !== null && this.cgroupRoot !== null && v2 !== '/' && !v2.split('/').includes('..')) {
      const ino = inoOf(this.cgroupRoot + v2);
      if (ino !== null) this.remember(ino, v2, this.opts.now());
    }
    return { path: pc.path, container: pc.container, source: 'proc' };
  }
}
