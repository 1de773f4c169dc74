// Builds the enrichment stage: process cache, cgroup resolver and, when a
// cluster is configured, the pod cache. Standalone mode (no kubeconfig, not
// in a pod) never loads the Kubernetes client.
import * as os from 'node:os';
import type { Logger } from '../log';
import { CgroupResolver, cgroupV2Root } from './cgroups';
import { Enricher } from './enricher';
import type { PodCache } from './k8s/pods';
import { ProcessCache } from './process-cache';

export interface EnrichSetupOptions {
  log: Logger;
  /** Node name as spec.nodeName spells it; default $NODE_NAME, else the hostname. */
  nodeName?: string;
  /** A kubeconfig file. Without one, the in-cluster service account is used when
   *  the sensor runs in a pod, and Kubernetes is off otherwise. */
  kubeconfig?: string;
  /** Turn the pod lookups off even in a cluster. */
  noK8s?: boolean;
  /** How long deleted pods still answer lookups. */
  podGraceMs?: number;
  /** The host's cgroup v2 mount (default: the one in /proc/self/mountinfo). */
  cgroupRoot?: string;
  /** Now on the events' clock (CLOCK_BOOTTIME ns): see CgroupResolverOptions.eventClockNs. */
  eventClockNs?: () => number;
}

/** Whether createEnrichStage will watch pods (and so wait for an informer sync). */
export function wantsK8s(o: Pick<EnrichSetupOptions, 'kubeconfig' | 'noK8s'>): boolean {
  return !o.noK8s && Boolean(o.kubeconfig || process.env.KUBERNETES_SERVICE_HOST);
}

export interface EnrichStage {
  enricher: Enricher;
  processes: ProcessCache;
  cgroups: CgroupResolver;
  pods: PodCache | null;
  /** Seed the process cache from /proc: call right after the kernel source starts. */
  seed(): void;
  stop(): void;
}

export function defaultNodeName(): string {
  return process.env.NODE_NAME || os.hostname();
}

export async function createEnrichStage(o: EnrichSetupOptions): Promise<EnrichStage> {
  const nodeName = o.nodeName ?? defaultNodeName();
  const cgroupRoot = o.cgroupRoot ? cgroupV2Root(o.cgroupRoot) : undefined;
  if (cgroupRoot && cgroupRoot !== o.cgroupRoot) o.log.info({ cgroupRoot }, 'hybrid cgroups: using the v2 hierarchy under the configured cgroup root');
  const processes = new ProcessCache(cgroupRoot ? { cgroupRoot } : {});
  const cgroups = new CgroupResolver({ ...(cgroupRoot ? { cgroupRoot } : {}), ...(o.eventClockNs ? { eventClockNs: o.eventClockNs } : {}) });
  if (cgroups.hostMntns === null || cgroups.hostPidns === null) {
    // Without them every process looks like it runs in a container.
    o.log.warn(
      { procRoot: '/proc' },
      'cannot read the host\'s mount and pid namespaces (/proc/1/ns, /proc/2/ns): host processes cannot be told from containers; the sensor needs CAP_SYS_PTRACE and hostPID (see SECURITY.md)',
    );
  }
  let pods: PodCache | null = null;
  if (wantsK8s(o)) {
    const { PodCache } = await import('./k8s/pods');
    pods = new PodCache({
      nodeName,
      log: o.log,
      ...(o.kubeconfig ? { kubeconfig: o.kubeconfig } : {}),
      ...(o.podGraceMs !== undefined ? { graceMs: o.podGraceMs } : {}),
    });
    await pods.start();
    o.log.info({ node: nodeName, kubeconfig: o.kubeconfig ?? 'in-cluster' }, 'watching this node\'s pods');
  }
  const enricher = new Enricher({ processes, cgroups, pods, nodeName });
  return {
    enricher,
    processes,
    cgroups,
    pods,
    seed: () => {
      const r = processes.seed();
      o.log.debug({ seeded: r.seeded, vanished: r.vanished, ms: r.ms }, 'process cache seeded from /proc');
    },
    stop: () => pods?.stop(),
  };
}
