// Container drift: which files a container's own processes created, wrote,
// made executable, renamed into place or linked since the sensor has been
// watching, so that an exec of one of them can be told apart from an exec of
// a file that came with the image. Paths are the container's view, as the
// kernel resolved them. Host processes are never tracked.
//
// Per container, a trie of path segments: renaming a directory moves its
// subtree in one step, whatever it holds (npm and pip rename whole trees into
// place), and a deep path shares its directories with its siblings. Bounded:
// past maxEntries marked files or maxNodes trie nodes, the least recently
// used marks go first. Never throws; the event path only counts.
import { O } from '../decode/names';
import type { ExecEvent, OpenEvent, SensorEvent, SyscallEvent } from '../decode/types';

export interface DriftOptions {
  /** Most files held as written; past it, the least recently used go. */
  maxEntries: number;
  /** Most trie nodes (files and the directories leading to them). */
  maxNodes: number;
}

export const DEFAULT_DRIFT_OPTIONS: DriftOptions = { maxEntries: 65_536, maxNodes: 262_144 };

export interface DriftStats {
  /** Files currently held as written in their container. */
  tracked: number;
  /** Marks dropped to stay within the bounds. */
  evictions: number;
  /** Containers with at least one node. */
  containers: number;
  /** Trie nodes, directories included. */
  nodes: number;
  /** Execs of a file written in their container (proc.exe_drift true). */
  driftExecs: number;
  /** Events the tracker failed on (a bug: the event path never throws). */
  errors: number;
}

interface Node {
  name: string;
  /** null for a container's root. */
  up: Node | null;
  kids: Map<string, Node> | null;
  marked: boolean;
}

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const ANY_X = 0o111;
const RENAME_EXCHANGE = 2;
const AT_EMPTY_PATH = 0x1000;

/** A path's segments; '.' dropped and '..' taken lexically. null if not absolute. */
function segments(path: string): string[] | null {
  if (path.charCodeAt(0) !== 47) return null; // '/': also rejects '' and "memfd:x"
  const out: string[] = [];
  for (const s of path.split('/')) {
    if (s === '' || s === '.') continue;
    if (s === '..') out.pop();
    else out.push(s);
  }
  return out;
}

export class DriftTracker {
  private readonly opts: DriftOptions;
  private readonly roots = new Map<string, Node>();
  /** Marked nodes, least recently used first: Set iteration follows insertion. */
  private readonly lru = new Set<Node>();
  private nodes = 0;
  private readonly counts = { evictions: 0, driftExecs: 0, errors: 0 };

  constructor(opts: Partial<DriftOptions> = {}) {
    this.opts = { ...DEFAULT_DRIFT_OPTIONS, ...opts };
    if (!(this.opts.maxEntries >= 1)) throw new Error(`drift tracker: maxEntries must be at least 1 (got ${this.opts.maxEntries})`);
    if (!(this.opts.maxNodes >= 2)) throw new Error(`drift tracker: maxNodes must be at least 2 (got ${this.opts.maxNodes})`);
  }

  /**
   * Learn from one event of a process of container `containerId` (full ID;
   * null for the host: ignored). Exec events are judged by isDrift(), not here.
   */
  observe(ev: SensorEvent, containerId: string | null): void {
    if (containerId === null) return;
    try {
      if (ev.type === 'open') this.onOpen(ev, containerId);
      else if (ev.type === 'syscall' && ev.ret === 0) this.onSyscall(ev, containerId);
      else return;
      this.enforce();
    } catch {
      this.counts.errors++;
    }
  }

  /** Whether the exec's file (the path given, or the file mapped) was written in its container. */
  isDrift(ev: ExecEvent, containerId: string | null): boolean {
    if (containerId === null) return false;
    try {
      const hit = this.markedAt(containerId, ev.exepath) ?? (ev.exeResolved !== ev.exepath ? this.markedAt(containerId, ev.exeResolved) : undefined);
      if (!hit) return false;
      this.use(hit);
      this.counts.driftExecs++;
      return true;
    } catch {
      this.counts.errors++;
      return false;
    }
  }

  /** Whether `path` is held as written in the container (for tests and tools). */
  isMarked(containerId: string, path: string): boolean {
    return this.markedAt(containerId, path) !== undefined;
  }

  stats(): DriftStats {
    return { tracked: this.lru.size, containers: this.roots.size, nodes: this.nodes, ...this.counts };
  }

  private onOpen(ev: OpenEvent, ctr: string): void {
    if (ev.ret < 0 || !ev.resolved || ev.pathTruncated) return;
    const f = ev.flags;
    // Write intent (as evt.is_open_write): write access, or create, or truncate.
    if ((f & 3) === 0 && (f & (O.CREAT | O.TRUNC)) === 0) return;
    // O_PATH opens nothing for writing; an O_TMPFILE file has no name until linked.
    if ((f & O.PATH) !== 0 || (f & O.TMPFILE) === O.TMPFILE) return;
    // A regular file; an unknown type (0) only when the open could have made one.
    const type = ev.iMode & S_IFMT;
    if (type !== S_IFREG && !(type === 0 && (f & (O.CREAT | O.TRUNC)) !== 0)) return;
    this.markPath(ctr, ev.path);
  }

  private onSyscall(ev: SyscallEvent, ctr: string): void {
    const mode = (i: number): number => Number(ev.args[i] & 0xfffn);
    switch (ev.syscall) {
      case 'chmod':
        if (mode(1) & ANY_X) this.markPath(ctr, ev.paths[0]);
        break;
      case 'fchmodat':
      case 'fchmodat2':
        if (mode(2) & ANY_X) this.markPath(ctr, ev.paths[0]);
        break;
      case 'fchmod':
        if (mode(1) & ANY_X) this.markPath(ctr, ev.fdPath);
        break;
      case 'rename':
      case 'renameat':
      case 'renameat2': {
        const exchange = ev.syscall === 'renameat2' && (Number(ev.args[4] & 0xffffffffn) & RENAME_EXCHANGE) !== 0;
        this.rename(ctr, ev.paths[0], ev.paths[1], exchange);
        break;
      }
      case 'link':
      case 'linkat':
        // A new name for the same file: it is as written as the old one. A
        // file linked by its fd (AT_EMPTY_PATH, /proc/self/fd/N) is how an
        // O_TMPFILE, written unnamed, is put in place.
        if (this.markedAt(ctr, ev.paths[0]) || this.byFd(ev)) this.markPath(ctr, ev.paths[1]);
        break;
      case 'unlink':
      case 'unlinkat': {
        const n = this.find(ctr, ev.paths[0]);
        if (n) this.drop(n);
        break;
      }
    }
  }

  /**
   * The new name inherits the old one's marks (its whole subtree for a
   * directory), and is itself marked: a rename into place is a write.
   */
  private rename(ctr: string, from: string, to: string, exchange: boolean): void {
    const src = segments(from);
    const dst = segments(to);
    if (!src || !dst || dst.length === 0 || src.length === 0) return;
    const a = this.find(ctr, from);
    const b = this.find(ctr, to);
    if (a && b && (isBelow(a, b) || isBelow(b, a))) {
      // The kernel refuses these; after a missed event, do not tangle the trie.
      this.markPath(ctr, to);
      return;
    }
    if (exchange) {
      if (a) this.detach(a);
      if (b) this.detach(b);
      if (a) this.attach(a, this.ensure(ctr, dst, dst.length - 1), dst[dst.length - 1]);
      if (b) this.attach(b, this.ensure(ctr, src, src.length - 1), src[src.length - 1]);
      this.markPath(ctr, from);
      this.markPath(ctr, to);
      return;
    }
    if (b) this.drop(b); // replaced
    if (a) {
      const oldUp = a.up;
      this.detach(a);
      this.attach(a, this.ensure(ctr, dst, dst.length - 1), dst[dst.length - 1]);
      this.mark(a);
      if (oldUp) this.prune(oldUp);
    } else {
      this.markPath(ctr, to);
    }
  }

  private byFd(ev: SyscallEvent): boolean {
    if (ev.syscall !== 'linkat') return false;
    return (Number(ev.args[4] & 0xffffffffn) & AT_EMPTY_PATH) !== 0 || ev.paths[0].startsWith('/proc/');
  }

  private markPath(ctr: string, path: string): void {
    const segs = segments(path);
    if (!segs || segs.length === 0) return;
    this.mark(this.ensure(ctr, segs, segs.length));
  }

  private markedAt(ctr: string, path: string): Node | undefined {
    const n = this.find(ctr, path);
    return n && n.marked ? n : undefined;
  }

  private find(ctr: string, path: string): Node | undefined {
    const segs = segments(path);
    let n = segs && segs.length > 0 ? this.roots.get(ctr) : undefined;
    if (!n || !segs) return undefined;
    for (const s of segs) {
      n = n.kids?.get(s);
      if (!n) return undefined;
    }
    return n;
  }

  /** The node for the first `depth` segments, created with its directories. */
  private ensure(ctr: string, segs: string[], depth: number): Node {
    let n: Node | undefined = this.roots.get(ctr);
    if (!n) {
      n = { name: ctr, up: null, kids: null, marked: false };
      this.roots.set(ctr, n);
      this.nodes++;
    }
    for (let i = 0; i < depth; i++) {
      const s = segs[i];
      let k: Node | undefined = n.kids?.get(s);
      if (!k) {
        k = { name: s, up: n, kids: null, marked: false };
        (n.kids ??= new Map()).set(s, k);
        this.nodes++;
      }
      n = k;
    }
    return n;
  }

  private mark(n: Node): void {
    if (n.up === null) return; // a container's root is not a file
    if (n.marked) this.lru.delete(n);
    n.marked = true;
    this.lru.add(n);
  }

  private use(n: Node): void {
    this.lru.delete(n);
    this.lru.add(n);
  }

  /** Take a subtree out of its parent, keeping it whole (and its marks). */
  private detach(n: Node): void {
    if (n.up) n.up.kids?.delete(n.name);
    n.up = null;
  }

  private attach(n: Node, up: Node, name: string): void {
    const old = up.kids?.get(name);
    if (old && old !== n) this.drop(old, false);
    n.name = name;
    n.up = up;
    (up.kids ??= new Map()).set(name, n);
  }

  /** Forget a node and everything below it; prune what it leaves empty. */
  private drop(n: Node, prune = true): void {
    const up = n.up;
    const stack = [n];
    while (stack.length > 0) {
      const x = stack.pop()!;
      if (x.marked) {
        x.marked = false;
        this.lru.delete(x);
      }
      if (x.kids) for (const k of x.kids.values()) stack.push(k);
      x.kids = null;
      this.nodes--;
    }
    this.detach(n);
    if (up && prune) this.prune(up);
  }

  /** Remove unmarked leaves upwards, and a container's root once empty. */
  private prune(n: Node | null): void {
    while (n && !n.marked && (!n.kids || n.kids.size === 0)) {
      const up: Node | null = n.up;
      if (up) up.kids!.delete(n.name);
      else if (this.roots.get(n.name) === n) this.roots.delete(n.name);
      this.nodes--;
      n.kids = null;
      n = up;
    }
  }

  private enforce(): void {
    while (this.lru.size > this.opts.maxEntries || this.nodes > this.opts.maxNodes) {
      let victim: Node | undefined;
      for (const v of this.lru) {
        victim = v;
        break;
      }
      if (!victim) break;
      this.lru.delete(victim);
      victim.marked = false;
      this.counts.evictions++;
      this.prune(victim);
    }
  }
}

/** Whether `n` is `top` or lies below it. */
function isBelow(n: Node, top: Node): boolean {
  for (let x: Node | null = n; x; x = x.up) if (x === top) return true;
  return false;
}
