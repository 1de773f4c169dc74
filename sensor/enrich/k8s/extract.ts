// Turns a pod object from the API server into the records a lookup returns.
// Pure and defensive: the object comes off the wire and any field may be
// missing, so nothing here assumes more than the API's optional types allow.
import type { V1ContainerStatus, V1Pod, V1PodSecurityContext, V1SecurityContext } from '@kubernetes/client-node';
import type { ContainerKind, ContainerSecurity, PodContainerInfo, PodInfo } from './types';

/** The runtime and bare ID of a status containerID such as `containerd://<64 hex>`. */
export function parseContainerId(raw: string | undefined | null): { runtime: string; id: string } | undefined {
  if (!raw) return undefined;
  const at = raw.indexOf('://');
  const runtime = at >= 0 ? raw.slice(0, at) : '';
  const id = (at >= 0 ? raw.slice(at + 3) : raw).toLowerCase();
  return id ? { runtime, id } : undefined;
}

/** The key a lookup uses: a bare ID, or one still carrying its scheme. */
export function containerKey(id: string): string {
  const at = id.indexOf('://');
  return at >= 0 ? id.slice(at + 3) : id;
}

/**
 * Static pods show up in the API as mirror pods with their own UID, while the
 * kubelet names their cgroups after the UID it computed from the manifest,
 * which the mirror pod carries in this annotation.
 */
export const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';

export interface ExtractedPod {
  pod: PodInfo;
  /** Other UIDs the same pod is known by (the static pod's config hash). */
  aliases: string[];
  /** One entry per container ID, including the previous ID of a restarted container. */
  containers: PodContainerInfo[];
}

export function extractPod(obj: V1Pod): ExtractedPod | undefined {
  const meta = obj.metadata;
  if (!meta?.uid || !meta.name) return undefined;
  const spec = obj.spec;
  const owner = meta.ownerReferences?.find((o) => o.controller) ?? meta.ownerReferences?.[0];
  const pod: PodInfo = Object.freeze({
    uid: meta.uid,
    namespace: meta.namespace ?? '',
    name: meta.name,
    nodeName: spec?.nodeName ?? '',
    labels: Object.freeze({ ...(meta.labels ?? {}) }),
    serviceAccount: spec?.serviceAccountName ?? spec?.serviceAccount ?? '',
    hostPID: spec?.hostPID === true,
    hostNetwork: spec?.hostNetwork === true,
    hostIPC: spec?.hostIPC === true,
    owner: owner ? Object.freeze({ kind: owner.kind, name: owner.name }) : undefined,
  });
  const mirror = meta.annotations?.[MIRROR_ANNOTATION];
  const aliases = mirror && mirror !== meta.uid ? [mirror] : [];

  const podSec = spec?.securityContext;
  const containers: PodContainerInfo[] = [];
  const add = (kind: ContainerKind, specs: SpecLike[] | undefined, statuses: V1ContainerStatus[] | undefined): void => {
    for (const status of statuses ?? []) {
      const c = specs?.find((s) => s.name === status.name);
      const security = effectiveSecurity(c?.securityContext, podSec);
      const image = c?.image ?? status.image ?? '';
      // The previous ID of a restarted container still has late events in flight.
      const ids = [status.containerID, status.lastState?.terminated?.containerID];
      for (const raw of ids) {
        const parsed = parseContainerId(raw);
        if (!parsed || containers.some((x) => x.id === parsed.id)) continue;
        containers.push(Object.freeze({
          id: parsed.id,
          runtime: parsed.runtime,
          name: status.name,
          kind,
          image,
          imageId: status.imageID ?? '',
          security,
          pod,
        }));
      }
    }
  };
  add('container', spec?.containers, obj.status?.containerStatuses);
  add('init', spec?.initContainers, obj.status?.initContainerStatuses);
  add('ephemeral', spec?.ephemeralContainers, obj.status?.ephemeralContainerStatuses);
  return { pod, aliases, containers };
}

interface SpecLike {
  name: string;
  image?: string;
  securityContext?: V1SecurityContext;
}

function effectiveSecurity(c: V1SecurityContext | undefined, p: V1PodSecurityContext | undefined): ContainerSecurity {
  return Object.freeze({
    privileged: c?.privileged === true,
    allowPrivilegeEscalation: c?.allowPrivilegeEscalation,
    runAsUser: c?.runAsUser ?? p?.runAsUser,
    runAsNonRoot: c?.runAsNonRoot ?? p?.runAsNonRoot,
    readOnlyRootFilesystem: c?.readOnlyRootFilesystem === true,
    capabilitiesAdded: Object.freeze([...(c?.capabilities?.add ?? [])]),
    capabilitiesDropped: Object.freeze([...(c?.capabilities?.drop ?? [])]),
  });
}
