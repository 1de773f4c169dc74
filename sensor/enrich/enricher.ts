// Who did it: gives every event its process (and ancestors), container and
// pod. Feeds the process cache with every process event, resolves a
// process's cgroup to its container once (again only when the cgroup
// changes), and looks the container up in the pod cache. Never throws;
// counts what it could not find.
import type { SensorEvent } from '../decode/types';
import type { ContainerRef } from './cgroup-path';
import type { CgroupResolver } from './cgroups';
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
}

export interface EnricherOptions {
  processes: ProcessCache;
  cgroups: CgroupResolver;
  /** Absent in standalone mode. */
  pods?: PodCache | null;
  nodeName: string;
  ancestors?: number;
}

export interface EnricherStats {
  events: number;
  processMisses: number;
  containerEvents: number;
  /** Container events whose pod the pod cache did not know. */
  podMisses: number;
  errors: number;
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
});

export class Enricher {
  /** A process's container, resolved once per process and cgroup. */
  private readonly byProcess = new WeakMap<ProcessInfo, Resolved>();
  private readonly s: EnricherStats = { events: 0, processMisses: 0, containerEvents: 0, podMisses: 0, errors: 0 };
  readonly nodeName: string;

  constructor(private readonly opts: EnricherOptions) {
    this.nodeName = opts.nodeName;
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
      container = ev.pid ? cgroups.resolve(ev.cgroupId, ev.pid)?.container ?? null : null;
      if (proc) this.byProcess.set(proc, { cgroupId: ev.cgroupId, container });
    }
    const inContainerNs = ev.pid !== 0 && !cgroups.isHostProcess(ev.mntns, ev.pidns);
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
    return { proc, ancestors, container, podContainer, pod, inContainerNs };
  }

  stats(): EnricherStats {
    return { ...this.s };
  }
}
