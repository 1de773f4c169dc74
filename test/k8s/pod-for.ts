// A running pod whose one container is a test's runc container, as the
// kubelet would report it: the container ID in containerd form.
import type { Pod } from './fake-apiserver';

export interface PodSpecFor {
  name: string;
  namespace: string;
  node: string;
  image?: string;
  container?: string;
}

export function podForContainer(c: { podUid: string; ctrId: string }, o: PodSpecFor): Pod {
  const image = o.image ?? `registry.example/${o.name}:1`;
  const container = o.container ?? 'app';
  return {
    metadata: { name: o.name, namespace: o.namespace, uid: c.podUid, labels: { app: o.name } },
    spec: { nodeName: o.node, containers: [{ name: container, image }] },
    status: {
      phase: 'Running',
      containerStatuses: [{ name: container, image, imageID: '', containerID: `containerd://${c.ctrId}`, ready: true, restartCount: 0 }],
    },
  } as Pod;
}
