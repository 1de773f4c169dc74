// The context of an event as Falco-style fields: the process as the cache
// knows it, its ancestors, its container and pod (architecture.md, decision 6).
import type { Fields } from '../decode/fields';
import type { Context } from './enricher';

/** Falco shows a container by the first 12 characters of its ID, "host" otherwise. */
export const HOST = 'host';

export function contextFields(ctx: Context, nodeName: string, f: Fields): Fields {
  const p = ctx.proc;
  // Exec events carry these from the kernel; other events get them from the cache.
  if (p && f['proc.exepath'] === undefined) {
    f['proc.exepath'] = p.exepath;
    f['proc.exepath_resolved'] = p.exeResolved;
    f['proc.args'] = p.args;
    f['proc.cmdline'] = p.args.join(' ');
    f['proc.cwd'] = p.cwd;
  }
  // Exec events carry it from the kernel; null when the process is unknown.
  if (f['proc.tty'] === undefined) f['proc.tty'] = p ? p.tty : null;
  f['proc.exe_drift'] = ctx.exeDrift;
  const parent = ctx.ancestors[0];
  f['proc.pname'] = parent?.name ?? null;
  f['proc.pexepath'] = parent?.exepath ?? null;
  f['proc.pcmdline'] = parent ? parent.args.join(' ') : null;
  // Constant keys, always present: computed keys (`proc.aname[${i}]`) turn
  // the object into a slow dictionary (about 8 us an event, bench stage 6).
  const a = ctx.ancestors;
  f['proc.aname[1]'] = a[0]?.name ?? null;
  f['proc.apid[1]'] = a[0]?.pid ?? null;
  f['proc.aexepath[1]'] = a[0]?.exepath ?? null;
  f['proc.aname[2]'] = a[1]?.name ?? null;
  f['proc.apid[2]'] = a[1]?.pid ?? null;
  f['proc.aexepath[2]'] = a[1]?.exepath ?? null;
  f['proc.aname[3]'] = a[2]?.name ?? null;
  f['proc.apid[3]'] = a[2]?.pid ?? null;
  f['proc.aexepath[3]'] = a[2]?.exepath ?? null;
  f['proc.aname[4]'] = a[3]?.name ?? null;
  f['proc.apid[4]'] = a[3]?.pid ?? null;
  f['proc.aexepath[4]'] = a[3]?.exepath ?? null;
  f['proc.aname[5]'] = a[4]?.name ?? null;
  f['proc.apid[5]'] = a[4]?.pid ?? null;
  f['proc.aexepath[5]'] = a[4]?.exepath ?? null;

  // Ancestors inside the process's own container (same mount namespace): a
  // server's child in a container must not inherit the host's process names
  // above runc (the test runner's node, containerd, systemd).
  const own: string[] = [];
  if (p) {
    for (const x of a) {
      if (x.mntns !== p.mntns) break;
      own.push(x.name);
    }
  }
  f['proc.container_anames'] = own;

  const c = ctx.container;
  const pc = ctx.podContainer;
  const pod = ctx.pod;
  f['proc.is_container'] = c !== null || ctx.inContainerNs;
  f['container.id'] = c ? c.id.slice(0, 12) : HOST;
  f['container.full_id'] = c ? c.id : null;
  f['container.runtime'] = c ? pc?.runtime ?? c.runtime : null;
  f['container.name'] = pc?.name ?? null;
  f['container.image'] = pc?.image ?? null;
  f['container.image_id'] = pc?.imageId || null;
  f['container.privileged'] = pc ? pc.security.privileged : null;
  f['container.caps_added'] = pc ? [...pc.security.capabilitiesAdded] : null;
  f['k8s.ns.name'] = pod?.namespace ?? null;
  f['k8s.pod.name'] = pod?.name ?? null;
  f['k8s.pod.uid'] = pod?.uid ?? c?.podUid ?? null;
  f['k8s.pod.labels'] = pod?.labels ?? null;
  f['k8s.pod.sa'] = pod?.serviceAccount ?? null;
  f['k8s.pod.host_pid'] = pod ? pod.hostPID : null;
  f['k8s.pod.host_network'] = pod ? pod.hostNetwork : null;
  f['k8s.node.name'] = nodeName;
  return f;
}
