// Every field a rule may name, with its type: the loader rejects unknown
// fields (suggesting the nearest) and operators that cannot apply to a type.
// Kept in step with sensor/decode/fields.ts and sensor/enrich/context-fields.ts
// by test/rules/catalog.test.ts.

export type FieldType = 'string' | 'number' | 'boolean' | 'strings' | 'map' | 'any';

const S = 'string';
const N = 'number';
const B = 'boolean';

const EVENT: Record<string, FieldType> = {
  'evt.type': S, 'evt.time': S, 'evt.ktime': N, 'evt.res': S, 'evt.rawres': N,
  'proc.pid': N, 'proc.tid': N, 'proc.ppid': N, 'proc.vpid': N, 'proc.name': S,
  'proc.start_time': N, 'user.uid': N, 'group.gid': N, 'user.loginuid': N, 'user.ruid': N,
  'proc.cgroup_id': N, 'proc.mntns': N, 'proc.pidns': N, 'proc.netns': N,
  // exec (and, from the process cache, every event)
  'proc.exepath': S, 'proc.exepath_resolved': S, 'proc.cwd': S, 'proc.args': 'strings',
  'proc.cmdline': S, 'proc.argc': N, 'proc.args_truncated': B,
  // fork, exit
  'evt.arg.parent_tid': N, 'proc.exit_code': N, 'proc.exit_signal': S, 'proc.core_dumped': B,
  // open
  'fd.name': S, 'fd.nameraw': S, 'fd.name_resolved': B, 'fd.name_truncated': B, 'fd.num': N,
  'fd.typechar': S, 'fd.ino': N, 'fd.dev': N, 'evt.dirfd': N, 'evt.flags': S, 'evt.flags_raw': N,
  'evt.mode': S, 'evt.is_open_write': B,
  // connect, accept
  'fd.l4proto': S, 'fd.sockfamily': S, 'fd.socktype': S, 'evt.arg.listen_fd': N,
  'fd.sip': S, 'fd.sport': N, 'fd.dip': S, 'fd.dport': N, 'fd.lip': S, 'fd.lport': N,
  'fd.rip': S, 'fd.rport': N,
  // security syscalls
  'evt.args_raw': 'strings', 'evt.args_truncated': B,
  'evt.arg.source': S, 'evt.arg.target': S, 'evt.arg.target_raw': S, 'evt.arg.fstype': S,
  'evt.arg.flags': 'any', 'evt.arg.fd': N, 'evt.arg.nstype': S, 'evt.arg.ns_kind': S,
  'evt.arg.ns_inum': N, 'evt.arg.request': S, 'evt.arg.pid': N, 'evt.arg.len': N,
  'evt.arg.params': S, 'evt.arg.cmd': S, 'evt.arg.prog_type': S, 'evt.arg.prog_name': S,
  'evt.arg.name': S, 'evt.arg.oldfd': N, 'evt.arg.newfd': N, 'fd.is_socket': B,
  'evt.arg.domain': S, 'evt.arg.type': S, 'evt.arg.proto': N,
  'evt.arg.oldpath': S, 'evt.arg.newpath': S, 'evt.arg.oldpath_raw': S, 'evt.arg.newpath_raw': S,
  'evt.arg.linkpath': S, 'evt.arg.linkpath_raw': S, 'evt.arg.mode': S,
  'evt.arg.uid': N, 'evt.arg.gid': N,
  // dns
  'dns.qr': S, 'dns.id': N, 'dns.name': S, 'dns.qtype': S, 'dns.qtype_raw': N, 'dns.rcode': S,
  'dns.answers': N, 'dns.latency_ms': N, 'dns.nameserver': S, 'dns.nameserver_port': N,
  'dns.netns': N, 'dns.unmatched': B,
};

const CONTEXT: Record<string, FieldType> = {
  'proc.pname': S, 'proc.pexepath': S, 'proc.pcmdline': S, 'proc.is_container': B,
  'proc.tty': N, 'proc.exe_drift': B,
  'container.id': S, 'container.full_id': S, 'container.runtime': S, 'container.name': S,
  'container.image': S, 'container.image_id': S, 'container.privileged': B,
  'container.caps_added': 'strings',
  'k8s.ns.name': S, 'k8s.pod.name': S, 'k8s.pod.uid': S, 'k8s.pod.labels': 'map',
  'k8s.pod.sa': S, 'k8s.pod.host_pid': B, 'k8s.pod.host_network': B, 'k8s.node.name': S,
};
for (let i = 1; i <= 5; i++) {
  CONTEXT[`proc.aname[${i}]`] = S;
  CONTEXT[`proc.apid[${i}]`] = N;
  CONTEXT[`proc.aexepath[${i}]`] = S;
}

/** Fields computed from the others when a rule names them (derived.ts). */
export const DERIVED: Record<string, FieldType> = {
  'evt.is_open_read': B,
  'fd.filename': S,
  'fd.directory': S,
  'proc.exe': S,
  'proc.exe_name': S,
  'proc.argv0_name': S,
  'proc.anames': 'strings',
  'proc.container_anames': 'strings',
};

export const FIELDS: Readonly<Record<string, FieldType>> = { ...EVENT, ...CONTEXT, ...DERIVED };

/** `k8s.pod.label[app]`: one pod label. */
export const LABEL_FIELD = /^k8s\.pod\.label\[([^\]]+)\]$/;

export function fieldType(name: string): FieldType | undefined {
  if (Object.prototype.hasOwnProperty.call(FIELDS, name)) return FIELDS[name];
  if (LABEL_FIELD.test(name)) return 'string';
  return undefined;
}

export const FIELD_NAMES: readonly string[] = Object.keys(FIELDS).sort();
