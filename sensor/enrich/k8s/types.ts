// What the sensor knows about a pod and its containers, as a lookup returns
// it. Records are frozen: the hot path hands them to rules and formatters,
// and one of them mutating a shared record would corrupt every later event.

export interface PodInfo {
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  readonly nodeName: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly serviceAccount: string;
  readonly hostPID: boolean;
  readonly hostNetwork: boolean;
  readonly hostIPC: boolean;
  /** The controller that owns the pod (ReplicaSet, DaemonSet, Job, ...), if any. */
  readonly owner: { readonly kind: string; readonly name: string } | undefined;
}

export type ContainerKind = 'container' | 'init' | 'ephemeral';

/** The effective security settings: the container's, falling back to the pod's. */
export interface ContainerSecurity {
  readonly privileged: boolean;
  readonly allowPrivilegeEscalation: boolean | undefined;
  readonly runAsUser: number | undefined;
  readonly runAsNonRoot: boolean | undefined;
  readonly readOnlyRootFilesystem: boolean;
  readonly capabilitiesAdded: readonly string[];
  readonly capabilitiesDropped: readonly string[];
}

export interface PodContainerInfo {
  /** The runtime's container ID without its scheme: what the cgroup path carries. */
  readonly id: string;
  /** The scheme the kubelet reported: containerd, cri-o, docker. */
  readonly runtime: string;
  readonly name: string;
  readonly kind: ContainerKind;
  /** The image as the pod spec names it. */
  readonly image: string;
  /** The image the runtime resolved (usually a digest); empty until the status has it. */
  readonly imageId: string;
  readonly security: ContainerSecurity;
  readonly pod: PodInfo;
}

export interface PodCacheStats {
  /** Pods currently on the node (not counting those in the grace cache). */
  pods: number;
  /** Container IDs of those pods. */
  containers: number;
  /** Pods and container IDs that are gone but kept for late events. */
  gonePods: number;
  goneContainers: number;
  /** Lists after the first one: each is a recovery (410 Gone, restart, error). */
  relists: number;
  /** List or watch failures, and ERROR events on a watch stream. */
  watchErrors: number;
  /** Of those, how many said the resourceVersion was too old (410 Gone). */
  expired: number;
  hits: number;
  misses: number;
  /** Lookups answered from the grace cache. */
  graceHits: number;
  /** Gone entries dropped early because the grace cache was full. */
  graceEvicted: number;
  /** Objects the API server sent that could not be indexed. */
  badObjects: number;
  /** Milliseconds since the cache last heard from the API server; null before the first list. */
  lastSyncAge: number | null;
}
