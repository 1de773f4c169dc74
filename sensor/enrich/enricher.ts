// Who did it: gives every event its process (and ancestors), container and
// pod. Feeds the process cache with every process event, resolves a
// process's cgroup to its container once (again only when the cgroup
// changes), and looks the container up in the pod cache. Tells the drift
// tracker what containers write, and judges each exec against it (drift.ts).
// Never throws; counts what it could not find.
import type { SensorEvent } from '../decode/types';
import type { ContainerRef } from './cgroup-path';
import type { CgroupResolver } from './cgroups';
import { DriftStats, DriftTracker } from './drift';
import type { PodCache } from './k8s/pods';
import type { PodContainerInfo, PodInfo } from './k8s/types';
import type { ProcessCache } from './process-cache';
import type { ProcessInfo } from './process-types';

export interface Context {
  /** The process as the cache knows it (its latest exec, cwd, ids). */
  proc: ProcessInfo | undefined;
  /** Parent first, up to `ancestors` deep. */
  ancestors: ProcessInfo[];
  /** null for a host process, or one whose cgroup names no container. */
  container: ContainerRef | null;
  /** The pod's container, when the pod cache knows the container ID. */
  podContainer: PodContainerInfo | undefined;
  /** The pod, also when only its UID is known (from the cgroup path). */
  pod: PodInfo | undefined;
  /** Not in the host's mount or pid namespace. */
  inContainerNs: boolean;
  /**
   * The process runs a file its container wrote, made executable, renamed or
   * linked into place after the sensor began watching (drift.ts); decided at
   * its exec, inherited on fork. False for host processes and when unknown.
   */
  exeDrift: boolean;
}

export interface EnricherOptions {
  processes: ProcessCache;
  cgroups: CgroupResolver;
  /** Absent in standalone mode. */
  pods?: PodCache | null;
  nodeName: string;
  ancestors?: number;
  /** Default: a DriftTracker with its default bounds. */
  drift?: DriftTracker;
}

export interface EnricherStats {
  events: number;
  processMisses: number;
  containerEvents: number;
  /** Container events whose pod the pod cache did not know. */
  podMisses: number;
  errors: number;
}

/** The counters, with the drift tracker's (files held, evictions, drift execs). */
export interface EnricherReport extends EnricherStats {
  drift: DriftStats;
}

interface Resolved {
  cgroupId: number;
  container: ContainerRef | null;
}

const NONE: Context = Object.freeze({
  proc: undefined,
  ancestors: [],
  container: null,
  podContainer: undefined,
  pod: undefined,
  inContainerNs: false,
  exeDrift: false,
});

export class Enricher {
  /** A process's container, resolved once per process and cgroup. */
  private readonly byProcess = new WeakMap<ProcessInfo, Resolved>();
  /** A process's drift verdict, from its exec (or its parent's, at fork);
   *  held as long as the process cache holds the process. */
  private readonly driftOf = new WeakMap<ProcessInfo, boolean>();
  private readonly s: EnricherStats = { events: 0, processMisses: 0, containerEvents: 0, podMisses: 0, errors: 0 };
  readonly nodeName: string;
  readonly drift: DriftTracker;

  constructor(private readonly opts: EnricherOptions) {
    this.nodeName = opts.nodeName;
    this.drift = opts.drift ?? new DriftTracker();
  }

  enrich(ev: SensorEvent): Context {
    this.s.events++;
    try {
      return this.context(ev);
    } catch {
      this.s.errors++;
      return NONE;
    }
  }

  private context(ev: SensorEvent): Context {
    const { processes, cgroups, pods } = this.opts;
    processes.onEvent(ev);
    // A DNS response arrives in softirq context; its process is the query's.
    const proc = ev.pid ? processes.lookup(ev.pid, ev.startTime) : undefined;
    if (!proc && ev.pid) this.s.processMisses++;
    const ancestors = proc ? processes.ancestors(proc, this.opts.ancestors ?? 5) : [];

    let container: ContainerRef | null;
    const cached = proc && this.byProcess.get(proc);
    if (cached && cached.cgroupId === ev.cgroupId) {
      container = cached.container;
    } else {
      container = ev.pid ? cgroups.resolve(ev.cgroupId, ev.pid, ev.ktime)?.container ?? null : null;
      if (proc) this.byProcess.set(proc, { cgroupId: ev.cgroupId, container });
    }
    const inContainerNs = ev.pid !== 0 && !cgroups.isHostProcess(ev.mntns, ev.pidns);
    const exeDrift = this.exeDrift(ev, proc, ancestors, container);
    let podContainer: PodContainerInfo | undefined;
    let pod: PodInfo | undefined;
    if (container) {
      this.s.containerEvents++;
      if (pods) {
        podContainer = pods.lookupContainer(container.id);
        pod = podContainer?.pod ?? (container.podUid ? pods.lookupPod(container.podUid) : undefined);
        if (!pod) this.s.podMisses++;
      }
    }
    return { proc, ancestors, container, podContainer, pod, inContainerNs, exeDrift };
  }

  private exeDrift(ev: SensorEvent, proc: ProcessInfo | undefined, ancestors: ProcessInfo[], container: ContainerRef | null): boolean {
    const id = container ? container.id : null;
    if (ev.type === 'exec') {
      const drift = this.drift.isDrift(ev, id);
      if (proc) this.driftOf.set(proc, drift);
      return drift;
    }
    if (ev.type === 'open' || ev.type === 'syscall') this.drift.observe(ev, id);
    if (!proc) return false;
    let drift = this.driftOf.get(proc);
    if (drift === undefined && ev.type === 'fork' && ancestors.length > 0) {
      // A forked child runs its parent's image until it execs.
      drift = this.driftOf.get(ancestors[0]);
      if (drift !== undefined) this.driftOf.set(proc, drift);
    }
    return drift ?? false;
  }

  stats(): EnricherReport {
    return { ...this.s, drift: this.drift.stats() };
  }
}
