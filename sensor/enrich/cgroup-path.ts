// Which container a cgroup path belongs to: kubelet layouts (cgroupfs and
// systemd drivers; containerd, CRI-O, Docker), plain Docker, lines of
// /proc/<pid>/cgroup (v1 and v2), paths seen from a nested cgroup namespace
// (leading "..") and under a prefix (kind, k3s, a custom --cgroup-root).
//
// Everything below a container's own cgroup can be named by the workload when
// cgroups are delegated to it, so the outermost match decides: a container
// cannot take another's identity by nesting cgroups named after it. Pure, no
// I/O, never throws, linear in the input and bounded.

export type ContainerRuntime = 'containerd' | 'cri-o' | 'docker' | 'unknown';
export type QosClass = 'guaranteed' | 'burstable' | 'besteffort';

export interface ContainerRef {
  /** 'unknown' when the layout does not say (cgroupfs driver, bare id). */
  runtime: ContainerRuntime;
  /** 64 lowercase hex digits. */
  id: string;
  /** Pod UID as the API server spells it (dashes); a static pod's is 32 hex. */
  podUid?: string;
  /** Absent when the path does not show it (seen from a cgroup namespace). */
  qos?: QosClass;
}

/** What the kernel can print for one cgroup (PATH_MAX) plus a v1 line's prefix. */
export const MAX_CGROUP_INPUT = 4096 + 256;
/** A cgroup is a directory: its name is at most NAME_MAX. */
const MAX_SEGMENT = 255;

const HEX64 = /^[0-9a-f]{64}$/;
const HEX32 = /^[0-9a-f]{32}$/;
const PREFIXED = /^(cri-containerd|crio|docker)-([0-9a-f]{64})(?:\.scope)?$/;
const DOCKER_SCOPE = /^docker-([0-9a-f]{64})\.scope$/;
const RUNTIME_OF: Record<string, ContainerRuntime> = { 'cri-containerd': 'containerd', crio: 'cri-o', docker: 'docker' };

/** A pod UID with `sep` between its groups (or a static pod's 32 hex), dashed. */
function podUid(raw: string, sep: '-' | '_'): string | null {
  if (HEX32.test(raw)) return raw;
  if (raw.length !== 36) return null;
  for (let i = 0; i < 36; i++) {
    const c = raw.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (raw[i] !== sep) return null;
    } else if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) {
      return null;
    }
  }
  return sep === '-' ? raw : raw.replace(/_/g, '-');
}

interface PodMatch {
  uid: string;
  qos?: QosClass;
}

/**
 * cgroupfs driver: kubepods/pod<uid> (guaranteed), kubepods/{besteffort,
 * burstable}/pod<uid>. `prev` is undefined at the start of the path and ".."
 * past the edge of a cgroup namespace: the QoS level is then unknown.
 */
function cgroupfsPod(seg: string, prev: string | undefined, prev2: string | undefined): PodMatch | null {
  if (!seg.startsWith('pod')) return null;
  const uid = podUid(seg.slice(3), '-');
  if (!uid) return null;
  if (prev === 'kubepods') return { uid, qos: 'guaranteed' };
  if (prev === 'besteffort' || prev === 'burstable') {
    return prev2 === undefined || prev2 === '..' || prev2 === 'kubepods' ? { uid, qos: prev } : null;
  }
  return prev === undefined || prev === '..' ? { uid } : null;
}

/**
 * systemd driver: a slice's name repeats its parent's, so the pod slice is
 * "<parent>-pod<uid_with_underscores>.slice" under "<parent>.slice", where
 * the parent is kubepods (guaranteed) or kubepods-{besteffort,burstable},
 * possibly prefixed (kind: kubelet-kubepods-...).
 */
function systemdPod(seg: string, prev: string | undefined): PodMatch | null {
  if (!seg.endsWith('.slice')) return null;
  const at = seg.lastIndexOf('-pod');
  if (at < 0) return null;
  const uid = podUid(seg.slice(at + 4, -'.slice'.length), '_');
  if (!uid) return null;
  const parent = seg.slice(0, at);
  if (prev !== undefined && prev !== '..' && prev !== `${parent}.slice`) return null;
  let qos: QosClass | undefined;
  let base = parent;
  if (parent.endsWith('-besteffort') || parent.endsWith('-burstable')) {
    qos = parent.endsWith('-besteffort') ? 'besteffort' : 'burstable';
    base = parent.slice(0, parent.lastIndexOf('-'));
  } else {
    qos = 'guaranteed';
  }
  if (base !== 'kubepods' && !base.endsWith('-kubepods')) return null;
  return { uid, qos };
}

/** The container cgroup directly under a pod's. conmon's is not one. */
function podContainer(seg: string | undefined): { runtime: ContainerRuntime; id: string } | null {
  if (seg === undefined) return null;
  if (HEX64.test(seg)) return { runtime: 'unknown', id: seg };
  const m = PREFIXED.exec(seg);
  return m ? { runtime: RUNTIME_OF[m[1]], id: m[2] } : null;
}

/** The path of a v1 ("12:memory:/p") or v2 ("0::/p") line, or the path itself. */
function pathOf(input: string): string | null {
  if (input.startsWith('/')) return input;
  const c1 = input.indexOf(':');
  if (c1 < 1 || c1 > 10) return null;
  for (let i = 0; i < c1; i++) {
    const c = input.charCodeAt(i);
    if (c < 48 || c > 57) return null;
  }
  // Controller names hold no ':'; the path after them may.
  const c2 = input.indexOf(':', c1 + 1);
  if (c2 < 0) return null;
  const p = input.slice(c2 + 1);
  return p.startsWith('/') ? p : null;
}

/** Path components, with the leading ".." of a cgroup namespace kept; null if malformed. */
function segmentsOf(p: string): string[] | null {
  const out: string[] = [];
  let real = false;
  for (const s of p.split('/')) {
    if (s === '') continue;
    if (s.length > MAX_SEGMENT || s === '.') return null;
    // ".." only leads (outside our cgroup namespace); the kernel never
    // prints one after a name, and mkdir cannot make one.
    if (s === '..') {
      if (real) return null;
    } else {
      real = true;
    }
    out.push(s);
  }
  return out;
}

/**
 * The container a cgroup path (or a line of /proc/<pid>/cgroup) belongs to,
 * or null: not a container, a pod cgroup without one, conmon, malformed.
 */
export function parseCgroupPath(input: string): ContainerRef | null {
  if (typeof input !== 'string' || input.length > MAX_CGROUP_INPUT) return null;
  const p = pathOf(input.endsWith('\n') ? input.slice(0, -1) : input);
  if (p === null || p.includes('\n') || p.includes('\0')) return null;
  const segs = segmentsOf(p);
  if (!segs) return null;

  // A pod anywhere wins over Docker: kind runs the kubelet inside a Docker
  // container (/docker/<node>/kubepods/...), and its pods are what we want.
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i];
    if (seg === '..') continue;
    const prev = segs[i - 1];
    const pod = cgroupfsPod(seg, prev, segs[i - 2]) ?? systemdPod(seg, prev);
    if (!pod) continue;
    // The outermost pod decides, even when its next level is no container.
    const ctr = podContainer(segs[i + 1]);
    if (!ctr) return null;
    const ref: ContainerRef = { runtime: ctr.runtime, id: ctr.id, podUid: pod.uid };
    if (pod.qos) ref.qos = pod.qos;
    return ref;
  }
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i];
    if (seg === 'docker' && i + 1 < segs.length && HEX64.test(segs[i + 1])) return { runtime: 'docker', id: segs[i + 1] };
    const m = DOCKER_SCOPE.exec(seg);
    if (m) return { runtime: 'docker', id: m[1] };
  }
  return null;
}

export interface ProcCgroup {
  /** The cgroup v2 line's path ("0::/..."), when there is one. */
  v2Path: string | null;
  /** Where the container was found, else the v2 path, else the first v1 path. */
  path: string | null;
  container: ContainerRef | null;
}

/** More lines than any kernel has hierarchies: the rest is ignored. */
const MAX_LINES = 64;

/**
 * Reads the text of /proc/<pid>/cgroup: the v2 line first (it is the one
 * cgroup ids name), then the v1 lines in order, for hosts where only the v1
 * hierarchies place containers. The kernel refuses '\n' in cgroup names, so
 * a line cannot be forged from inside one.
 */
export function parseProcCgroup(text: string): ProcCgroup {
  const out: ProcCgroup = { v2Path: null, path: null, container: null };
  if (typeof text !== 'string') return out;
  const lines = text.slice(0, MAX_LINES * MAX_CGROUP_INPUT).split('\n', MAX_LINES);
  const v1: string[] = [];
  for (const line of lines) {
    const p = pathOf(line);
    if (p === null || p.length > MAX_CGROUP_INPUT) continue;
    if (line.startsWith('0::')) out.v2Path ??= p;
    else v1.push(line);
  }
  const tryLine = (line: string, p: string): boolean => {
    const c = parseCgroupPath(line);
    if (!c) return false;
    out.container = c;
    out.path = p;
    return true;
  };
  if (out.v2Path !== null && tryLine(out.v2Path, out.v2Path)) return out;
  for (const line of v1) if (tryLine(line, pathOf(line)!)) return out;
  out.path = out.v2Path ?? (v1.length ? pathOf(v1[0]) : null);
  return out;
}
