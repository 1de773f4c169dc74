// The field catalogue (sensor/rules/catalog.ts) against what the sensor
// really produces: sample events of every type and syscall go through the
// real toFields() and contextFields(); every key they produce must be in the
// catalogue with the type it declares (null allowed), every derived field
// must compute to its type, and every catalogued field must be produced by
// something, or a rule on it could never fire.
import { strict as assert } from 'node:assert';
import { toFields, type Fields } from '../../sensor/decode/fields';
import { SYSCALL_NAMES } from '../../sensor/decode/layout';
import type { DnsEvent, EventHeader, NetEvent, SensorEvent, SyscallEvent } from '../../sensor/decode/types';
import { contextFields } from '../../sensor/enrich/context-fields';
import type { Context } from '../../sensor/enrich/enricher';
import type { PodContainerInfo, PodInfo } from '../../sensor/enrich/k8s/types';
import type { ProcessInfo } from '../../sensor/enrich/process-types';
import type { BootClock } from '../../sensor/kernel/clock';
import { DERIVED, FIELDS, fieldType, type FieldType } from '../../sensor/rules/catalog';
import { accessor } from '../../sensor/rules/derived';
import { EVT_TYPES } from '../../sensor/rules/event-types';

const clock = { toIso: () => '2026-11-22T20:53:28.123456789Z' } as unknown as BootClock;

const header: EventHeader = {
  ktime: 1_000_000_000, startTime: 900_000_000, cgroupId: 1234, pid: 4242, tid: 4243, ppid: 1, vpid: 7,
  uid: 0, gid: 0, auid: 1000, mntns: 4026531840, pidns: 4026531836, netns: 4026531992, comm: 'bash',
};

function net(type: 'connect' | 'accept', family: number): NetEvent {
  return {
    ...header, type, ret: type === 'accept' ? 5 : 0, fd: 3, family, protocol: 6, sockType: 1,
    localAddr: family === 10 ? 'fd00::2' : '10.0.0.2', localPort: 43210,
    remoteAddr: family === 10 ? 'fd00::1' : '10.96.0.1', remotePort: 443,
    unixPath: family === 1 ? '/run/containerd/containerd.sock' : '', unixPathTruncated: false,
  };
}

function syscall(name: string, over: Partial<SyscallEvent> = {}): SyscallEvent {
  return {
    ...header, type: 'syscall', syscall: name, ret: 0,
    args: [5n, 0x20000n, 3n, 4096n, 0n, 0n],
    strs: ['/dev/sda1', 'mnt/x', 'ext4'], paths: ['/dev/sda1', '/root/mnt/x'], fdPath: '/tmp/mod.ko',
    truncated: false, sourceIsSocket: false, nsKind: 'mnt', aux: 2, aux2: 4026531840,
    ...over,
  };
}

function dns(qr: DnsEvent['qr']): DnsEvent {
  return {
    ...header, type: 'dns', qr, id: 4660, name: 'example.com', qtype: 1, rcode: qr === 'response' ? 0 : null, answers: qr === 'response' ? 1 : 0,
    latencyMs: qr === 'response' ? 1.234 : null, nameserver: '10.96.0.10', nameserverPort: 53, client: '10.244.1.7', clientPort: 53000,
    netns: 4026531992, unmatched: false,
  };
}

/** One event of each kind the decoder yields, every syscall and variant included. */
function sampleEvents(): SensorEvent[] {
  const out: SensorEvent[] = [
    { ...header, type: 'exec', exepath: '/bin/bash', exeResolved: '/usr/bin/bash', cwd: '/root', args: ['bash', '-i'], argc: 2,
      argsTruncated: false, pathTruncated: false, ruid: 0, oldPid: 4242, tty: 34816 },
    { ...header, type: 'exec', exepath: '/bin/sh', exeResolved: '', cwd: '/', args: [], argc: 0,
      argsTruncated: true, pathTruncated: true, ruid: 1000, oldPid: 4242 },
    { ...header, type: 'fork', parentTid: 4240 },
    { ...header, type: 'exit', exitCode: 0, signal: 0, coreDumped: false },
    { ...header, type: 'exit', exitCode: 0, signal: 9, coreDumped: true },
    ...['open', 'openat', 'openat2', 'creat'].map((s): SensorEvent => ({
      ...header, type: 'open', syscall: s, ret: 3, flags: 0o1101, mode: 0o644, dirfd: -100, path: '/etc/shadow', resolved: true,
      raw: 'shadow', pathTruncated: false, rawTruncated: false, ino: 1234, dev: 2049, iMode: 0o100644,
    })),
    { ...header, type: 'open', syscall: 'openat', ret: -2, flags: 0, mode: 0, dirfd: 3, path: '/nope', resolved: false,
      raw: 'nope', pathTruncated: false, rawTruncated: false, ino: 0, dev: 0, iMode: 0 },
    net('connect', 2), net('connect', 10), net('connect', 1), net('accept', 2), net('accept', 10), net('accept', 1),
    dns('query'), dns('response'), dns('unanswered'),
  ];
  for (const name of SYSCALL_NAMES) {
    if (!name) continue;
    out.push(syscall(name));
    out.push(syscall(name, { ret: -1, sourceIsSocket: true }));
  }
  // bpf(BPF_PROG_LOAD) names the program; other commands do not.
  out.push(syscall('bpf', { args: [5n, 0n, 0n, 0n, 0n, 0n], strs: ['', '', 'kprobe_prog'] }));
  return out;
}

const proc = (pid: number, name: string, mntns = header.mntns): ProcessInfo => ({
  pid, startTime: 1, ppid: 1, precise: true, name, exepath: `/usr/bin/${name}`, exeResolved: `/usr/bin/${name}`,
  args: [name, '-x'], cwd: '/', tty: 0, uid: 0, gid: 0, auid: 4294967295, cgroupId: 1, mntns, pidns: 1,
  parent: null, exited: false, origin: 'event',
}) as ProcessInfo;

const pod: PodInfo = {
  uid: '8f0e4b1c-1111-2222-3333-444455556666', namespace: 'prod', name: 'web-1', nodeName: 'node-a', labels: { app: 'web' },
  serviceAccount: 'default', hostPID: false, hostNetwork: true, hostIPC: false, owner: { kind: 'ReplicaSet', name: 'web' },
};
const podContainer: PodContainerInfo = {
  id: 'a'.repeat(64), runtime: 'containerd', name: 'web', kind: 'container', image: 'nginx:1.25', imageId: 'sha256:abc',
  security: {
    privileged: false, allowPrivilegeEscalation: undefined, runAsUser: undefined, runAsNonRoot: undefined,
    readOnlyRootFilesystem: false, capabilitiesAdded: ['NET_ADMIN'], capabilitiesDropped: [],
  },
  pod,
};

/** Contexts from "nothing known" to "everything known". */
function sampleContexts(): Context[] {
  const ancestors = [proc(100, 'nginx'), proc(99, 'containerd-shim', 1), proc(1, 'systemd', 1), proc(0, 'a', 1), proc(0, 'b', 1)];
  return [
    { proc: undefined, ancestors: [], container: null, podContainer: undefined, pod: undefined, inContainerNs: false, exeDrift: false },
    { proc: proc(4242, 'bash'), ancestors: ancestors.slice(0, 2), container: null, podContainer: undefined, pod: undefined, inContainerNs: true, exeDrift: false },
    {
      proc: proc(4242, 'bash'), ancestors, container: { runtime: 'containerd', id: 'a'.repeat(64), podUid: pod.uid }, podContainer, pod,
      inContainerNs: true, exeDrift: true,
    },
    {
      proc: proc(4242, 'bash'), ancestors, container: { runtime: 'cri-o', id: 'b'.repeat(64), podUid: pod.uid }, podContainer: undefined,
      pod: undefined, inContainerNs: true, exeDrift: false,
    },
  ];
}

function typeOk(t: FieldType, v: unknown): boolean {
  if (v === null) return true;
  switch (t) {
    case 'string': return typeof v === 'string';
    case 'number': return typeof v === 'number' && Number.isFinite(v);
    case 'boolean': return typeof v === 'boolean';
    case 'strings': return Array.isArray(v) && v.every((x) => typeof x === 'string');
    case 'map': return typeof v === 'object' && !Array.isArray(v) && Object.values(v as object).every((x) => typeof x === 'string');
    case 'any': return v !== undefined;
  }
}

function describeValue(v: unknown): string {
  return `${JSON.stringify(v)} (${Array.isArray(v) ? 'array' : typeof v})`;
}

describe('rules: the field catalogue matches what the sensor produces', function () {
  const produced: Fields[] = [];
  for (const ev of sampleEvents()) {
    for (const ctx of sampleContexts()) produced.push(contextFields(ctx, 'node-a', toFields(ev, clock)));
  }

  it('the samples cover every evt.type a rule can name', function () {
    const seen = new Set(produced.map((f) => f['evt.type']));
    assert.deepEqual(EVT_TYPES.filter((t) => !seen.has(t)), []);
  });

  it('every field toFields() and contextFields() produce is catalogued', function () {
    const unknown = new Set<string>();
    for (const f of produced) for (const k of Object.keys(f)) if (!fieldType(k)) unknown.add(`${k} (on ${String(f['evt.type'])})`);
    assert.deepEqual([...unknown], []);
  });

  it('each produced value has the catalogued type (or is null)', function () {
    const wrong = new Map<string, string>();
    for (const f of produced) {
      for (const [k, v] of Object.entries(f)) {
        const t = fieldType(k);
        if (t && !typeOk(t, v) && !wrong.has(k)) wrong.set(k, `${k}: catalogued ${t}, produced ${describeValue(v)} on ${String(f['evt.type'])}`);
      }
    }
    assert.deepEqual([...wrong.values()], []);
  });

  it('every derived field computes to its catalogued type', function () {
    const wrong: string[] = [];
    for (const f of produced) {
      for (const [name, t] of Object.entries(DERIVED)) {
        const v = accessor(name)(f);
        if (!typeOk(t, v)) wrong.push(`${name}: catalogued ${t}, computed ${describeValue(v)} on ${String(f['evt.type'])}`);
      }
    }
    assert.deepEqual([...new Set(wrong)], []);
  });

  it('every catalogued field is produced by some event or derived, so a rule on it can fire', function () {
    const seen = new Set<string>();
    for (const f of produced) for (const [k, v] of Object.entries(f)) if (v !== null && v !== undefined) seen.add(k);
    for (const f of produced) {
      for (const name of Object.keys(DERIVED)) {
        const v = accessor(name)(f);
        if (v !== null && v !== undefined) seen.add(name);
      }
    }
    assert.deepEqual(Object.keys(FIELDS).filter((k) => !seen.has(k)), []);
  });
});
