// Stage 6: what enrichment costs at the scale of a large node. In this
// process: a fake API server (test/k8s/fake-apiserver.ts) with 10,000 pods
// on this node, a PodCache synced from it through @kubernetes/client-node, a
// CgroupResolver on a temporary cgroupfs-style tree (one directory per
// container, its inode the events' cgroup id), and a ProcessCache filled
// with 100,000 processes by fork+exec events. Then Enricher.enrich(), and
// enrich() + contextFields(), over synthetic open events of those
// processes; the same again with 10 pods and 100 processes, to show how the
// cost scales. Memory is read before, and after each piece is built.
//
// Every event is a real decoder object: its record is written byte by byte
// after sensor/decode/layout.ts and read back with decodeRecord(), outside
// the timed loops.
import type { EventHeader } from '../sensor/decode/types';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { DecodeError, decodeRecord } from '../sensor/decode/decode';
import { toFields } from '../sensor/decode/fields';
import { Exec, Fork, Header, Op, Open } from '../sensor/decode/layout';
import type { SensorEvent } from '../sensor/decode/types';
import { CgroupResolver } from '../sensor/enrich/cgroups';
import { contextFields } from '../sensor/enrich/context-fields';
import { Enricher, EnricherStats } from '../sensor/enrich/enricher';
import { loadLibrary } from '../sensor/enrich/k8s/client';
import { PodCache } from '../sensor/enrich/k8s/pods';
import { PodIndex } from '../sensor/enrich/k8s/store';
import type { PodCacheStats } from '../sensor/enrich/k8s/types';
import { ProcessCache, ProcessCacheStats } from '../sensor/enrich/process-cache';
import type { Bytes } from '../sensor/kernel/ring';
import { FakeApiServer, Pod } from '../test/k8s/fake-apiserver';
import { median, num, progress, secs } from './util';

const NODE = 'bench-node';
/** Container processes per container; the rest of the processes are the host's. */
const PER_CONTAINER = 9;
const ANCESTORS = 5;
/** Events decoded (untimed) and then enriched (timed) at a time. */
const BATCH = 10_000;
const ROUNDS = 5;
/** The default ProcessCache bound (65,536) is below 100,000 processes. */
const PROCESS_CACHE_ENTRIES = 131_072;

export interface MemPoint {
  label: string;
  /** Whose the increase since the previous point is: the sensor's state, or the benchmark's scaffolding. */
  owner: 'sensor' | 'bench' | null;
  rss: number;
  heapUsed: number;
  /** Memory of C++ objects bound to JS objects (Buffers included). */
  external: number;
}

/** ns per event, from one round. */
export interface CostRound {
  /** decodeRecord() alone. */
  decodeNs: number;
  /** toFields(). */
  toFieldsNs: number;
  /** Enricher.enrich(). */
  enrichNs: number;
  /** enrich() + contextFields(). */
  fieldsNs: number;
  /** Everything: decode, toFields, enrich, contextFields. */
  allNs: number;
}

export interface CostResult {
  pods: number;
  processes: number;
  eventsPerRound: number;
  warmup: CostRound;
  rounds: CostRound[];
  /** Medians of the rounds. */
  decodeNs: number;
  toFieldsNs: number;
  enrichNs: number;
  fieldsNs: number;
  allNs: number;
  /** Share of enriched events that got a container. */
  containerShare: number;
  /** Average ancestors per enriched event. */
  avgAncestors: number;
  /** Over the counted rounds. */
  enricher: EnricherStats;
  processCache: ProcessCacheStats;
  cgroupProcReads: number;
  cgroupUnresolved: number;
  podHits: number;
  podMisses: number;
}

export interface BuildTimes {
  /** Adding the pods to the fake server. */
  serverMs: number;
  /** PodCache start() until waitForSync(). */
  syncMs: number;
  /** Heap a PodIndex of the same pods holds on its own (NaN when not measured). */
  podIndexHeap: number;
  /** mkdir of the cgroup tree. */
  treeMs: number;
  /** One walk of the tree by the resolver. */
  rescanMs: number;
  rescanDirs: number;
  /** Enricher.enrich() per fork or exec event while filling, decoding excluded. */
  fillNsPerEvent: number;
  fillEvents: number;
}

export interface EnrichResult {
  pods: number;
  processes: number;
  containerProcesses: number;
  hostProcesses: number;
  maxDepth: number;
  /** JSON bytes of one pod as the fake server stores it. */
  podJsonBytes: number;
  processCacheEntries: number;
  gc: boolean;
  memory: MemPoint[];
  build: BuildTimes;
  large: CostResult;
  small: CostResult;
  pod: PodCacheStats;
  /** The whole stage, building and tearing down included. */
  elapsedS: number;
}

// ---------------------------------------------------------------- memory

let gcFn: (() => void) | undefined;
function exposeGc(): boolean {
  if (gcFn) return true;
  try {
    v8.setFlagsFromString('--expose-gc');
    gcFn = vm.runInNewContext('gc') as () => void;
  } catch {
    gcFn = undefined;
  }
  return gcFn !== undefined;
}

function memPoint(label: string, owner: MemPoint['owner'] = null): MemPoint {
  if (gcFn) {
    gcFn();
    gcFn();
  }
  const m = process.memoryUsage();
  return { label, owner, rss: m.rss, heapUsed: m.heapUsed, external: m.external };
}

// ---------------------------------------------------------------- records

function hex64(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

function podUid(i: number): string {
  const h = hex64(`pod-uid-${i}`);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function u64(buf: Buffer, at: number, n: number): void {
  buf.writeUInt32LE(n % 0x100000000, at);
  buf.writeUInt32LE(Math.floor(n / 0x100000000), at + 4);
}

/** The header fields a synthetic record sets (auid is always unset). */
type HeaderSpec = Omit<EventHeader, 'auid'>;

/**
 * Records written one after another into one buffer, each after an 8-byte
 * gap and 8-byte aligned, as they lie in a ring; decoded with decodeRecord()
 * in place.
 */
class Records {
  private big = Buffer.alloc(4 << 20);
  bytes: Bytes = this.wrap();
  readonly offs: number[] = [];
  readonly lens: number[] = [];
  private pos = 0;

  get count(): number {
    return this.offs.length;
  }

  reset(): void {
    this.pos = 0;
    this.offs.length = 0;
    this.lens.length = 0;
  }

  private wrap(): Bytes {
    return { view: new DataView(this.big.buffer, this.big.byteOffset, this.big.length), buf: this.big };
  }

  private header(op: number, size: number, h: HeaderSpec): Buffer {
    const off = this.pos + 8;
    if (off + size + 16 > this.big.length) {
      const bigger = Buffer.alloc(Math.max(2 * this.big.length, off + size + 16));
      this.big.copy(bigger);
      this.big = bigger;
      this.bytes = this.wrap();
    }
    this.offs.push(off);
    this.lens.push(size);
    this.pos = (off + size + 7) & ~7;
    const b = this.big.subarray(off, off + size);
    b.fill(0);
    b.writeUInt16LE(op, Header.op);
    b.writeUInt32LE(size, Header.recordSize);
    u64(b, Header.ktimeNs, h.ktime);
    u64(b, Header.startNs, h.startTime);
    u64(b, Header.cgroupId, h.cgroupId);
    b.writeUInt32LE(h.pid, Header.pid);
    b.writeUInt32LE(h.tid, Header.tid);
    b.writeUInt32LE(h.ppid, Header.ppid);
    b.writeUInt32LE(h.vpid, Header.vpid);
    b.writeUInt32LE(h.uid, Header.uid);
    b.writeUInt32LE(h.gid, Header.gid);
    b.writeUInt32LE(0xffffffff, Header.auid);
    b.writeUInt32LE(h.mntns, Header.mntns);
    b.writeUInt32LE(h.pidns, Header.pidns);
    b.writeUInt32LE(h.netns, Header.netns);
    b.write(h.comm.slice(0, 15), Header.comm, 'latin1');
    return b;
  }

  fork(h: HeaderSpec, parentTid: number): void {
    const b = this.header(Op.FORK, Fork.size, h);
    b.writeUInt32LE(parentTid, Fork.parentTid);
  }

  exec(h: HeaderSpec, exepath: string, cwd: string, args: string[]): void {
    const fn = Buffer.from(exepath);
    const cw = Buffer.from(cwd);
    const ar = Buffer.from(args.map((a) => a + '\0').join(''));
    const len = Exec.size + 2 * fn.length + cw.length + ar.length;
    const b = this.header(Op.EXEC, len, h);
    b.writeUInt32LE(args.length, Exec.argc);
    b.writeUInt32LE(ar.length, Exec.argsSize);
    b.writeUInt16LE(fn.length, Exec.filenameSize);
    b.writeUInt16LE(fn.length, Exec.exeSize);
    b.writeUInt16LE(cw.length, Exec.cwdSize);
    b.writeUInt32LE(h.uid, Exec.ruid);
    b.writeUInt32LE(h.pid, Exec.oldPid);
    let o = Exec.size;
    o += fn.copy(b, o);
    o += fn.copy(b, o);
    o += cw.copy(b, o);
    ar.copy(b, o);
  }

  /** A successful openat: raw as passed, path as the kernel resolved it. */
  open(h: HeaderSpec, raw: string, kpath: string, fd: number, flags: number, ino: number): void {
    const rawLen = b8len(raw);
    const pathLen = b8len(kpath);
    const b = this.header(Op.OPEN, Open.size + rawLen + pathLen, h);
    b.writeUInt32LE(fd, Open.ret);
    u64(b, Open.flags, flags);
    u64(b, Open.ino, ino);
    b.writeUInt32LE(0x800011, Open.dev);
    b.writeUInt32LE(flags & 0o100 ? 0o644 : 0, Open.mode);
    b.writeInt32LE(-100, Open.dirfd);
    b.writeUInt16LE(0o100644, Open.iMode);
    b.writeUInt16LE(2, Open.syscall);
    b.writeUInt16LE(rawLen, Open.rawSize);
    b.writeUInt16LE(pathLen, Open.pathSize);
    b.write(raw, Open.size, 'latin1');
    b.write(kpath, Open.size + rawLen, 'latin1');
  }

  /** Decode every record once, untimed: throws unless each is the event it should be. */
  check(type: SensorEvent['type'][]): void {
    for (let i = 0; i < this.count; i++) {
      const ev = decodeRecord(this.bytes, this.offs[i], this.lens[i]);
      if (ev instanceof DecodeError || !type.includes(ev.type as SensorEvent['type'])) {
        throw new Error(`bench: synthetic record ${i} did not decode as ${type.join('/')}: ${JSON.stringify(ev)}`);
      }
    }
  }
}

function b8len(s: string): number {
  return Buffer.byteLength(s, 'latin1');
}

/** Deterministic, so every run draws the same events. */
function xorshift(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

// ---------------------------------------------------------------- the world

/** A pod shaped like a Deployment's as the API server returns it, managedFields and all. */
function makePod(i: number, uid: string, cid: string): Pod {
  const ns = `team-${i % 50}`;
  const app = `svc-${i % 400}`;
  const hash = hex64(`rs-${i % 400}`).slice(0, 10);
  const name = `${app}-${hash}-${i.toString(36).padStart(5, "z")}`;
  const image = `registry.example.com/${ns}/${app}:1.${i % 17}.${i % 5}`;
  const created = new Date(Date.UTC(2026, 10, 1, 0, 0, i % 60));
  const qos = i % 3 === 0 ? 'BestEffort' : i % 3 === 1 ? 'Burstable' : 'Guaranteed';
  const resources =
    qos === 'BestEffort' ? {} : qos === 'Burstable' ? { requests: { cpu: '100m', memory: '128Mi' } } : { requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '500m', memory: '512Mi' } };
  const cond = (type: string) => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: created });
  return {
    metadata: {
      name,
      generateName: `${app}-${hash}-`,
      namespace: ns,
      uid,
      labels: { app, 'app.kubernetes.io/name': app, 'app.kubernetes.io/part-of': ns, 'pod-template-hash': hash },
      annotations: { 'kubectl.kubernetes.io/restartedAt': created.toISOString() },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${app}-${hash}`, uid: podUid(1_000_000 + (i % 400)), controller: true, blockOwnerDeletion: true }],
      managedFields: [
        {
          manager: 'kube-controller-manager', operation: 'Update', apiVersion: 'v1', time: created, fieldsType: 'FieldsV1',
          fieldsV1: { 'f:metadata': { 'f:generateName': {}, 'f:labels': { '.': {}, 'f:app': {}, 'f:pod-template-hash': {} }, 'f:ownerReferences': { '.': {}, [`k:{"uid":"${podUid(1_000_000 + (i % 400))}"}`]: {} } }, 'f:spec': { 'f:containers': { [`k:{"name":"${app}"}`]: { '.': {}, 'f:image': {}, 'f:imagePullPolicy': {}, 'f:name': {}, 'f:ports': {}, 'f:resources': {}, 'f:terminationMessagePath': {} } }, 'f:dnsPolicy': {}, 'f:restartPolicy': {}, 'f:schedulerName': {}, 'f:securityContext': {}, 'f:terminationGracePeriodSeconds': {} } },
        },
        {
          manager: 'kubelet', operation: 'Update', apiVersion: 'v1', time: created, fieldsType: 'FieldsV1', subresource: 'status',
          fieldsV1: { 'f:status': { 'f:conditions': { 'k:{"type":"ContainersReady"}': { '.': {}, 'f:status': {}, 'f:type': {} }, 'k:{"type":"Ready"}': { '.': {}, 'f:status': {}, 'f:type': {} } }, 'f:containerStatuses': {}, 'f:hostIP': {}, 'f:phase': {}, 'f:podIP': {}, 'f:podIPs': { '.': {}, 'k:{"ip":"10.244.0.1"}': { '.': {}, 'f:ip': {} } }, 'f:startTime': {} } },
        },
      ],
      creationTimestamp: created,
    },
    spec: {
      nodeName: NODE,
      serviceAccountName: `${app}-sa`,
      serviceAccount: `${app}-sa`,
      containers: [
        {
          name: app,
          image,
          imagePullPolicy: 'IfNotPresent',
          ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
          env: [
            { name: 'LOG_LEVEL', value: 'info' },
            { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
          ],
          resources,
          readinessProbe: { httpGet: { path: '/healthz', port: 8080, scheme: 'HTTP' }, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 },
          volumeMounts: [{ name: `kube-api-access-${hash.slice(0, 5)}`, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }],
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
          securityContext: i % 97 === 0 ? { privileged: true, capabilities: { add: ['NET_ADMIN'] } } : { allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ['ALL'] } },
        },
      ],
      volumes: [
        {
          name: `kube-api-access-${hash.slice(0, 5)}`,
          projected: {
            defaultMode: 420,
            sources: [
              { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
              { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
              { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
            ],
          },
        },
      ],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      securityContext: {},
      schedulerName: 'default-scheduler',
      tolerations: [
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      ],
      priority: 0,
      enableServiceLinks: true,
      preemptionPolicy: 'PreemptLowerPriority',
    },
    status: {
      phase: 'Running',
      conditions: [cond('PodReadyToStartContainers'), cond('Initialized'), cond('Ready'), cond('ContainersReady'), cond('PodScheduled')],
      hostIP: '10.0.0.10',
      hostIPs: [{ ip: '10.0.0.10' }],
      podIP: `10.244.${(i >> 8) & 255}.${i & 255}`,
      podIPs: [{ ip: `10.244.${(i >> 8) & 255}.${i & 255}` }],
      startTime: created,
      containerStatuses: [
        {
          name: app,
          state: { running: { startedAt: created } },
          lastState: {},
          ready: true,
          restartCount: 0,
          image,
          imageID: `${image.split(':')[0]}@sha256:${hex64(image)}`,
          containerID: `containerd://${cid}`,
          started: true,
        },
      ],
      qosClass: qos,
    },
  } as unknown as Pod;
}

interface ProcSpec {
  h: HeaderSpec;
  exepath: string;
  cwd: string;
  args: string[];
  /** Index of the parent in the list, -1 for pid 1. */
  parent: number;
  depth: number;
  container: boolean;
}

const CONTAINER_PROGRAMS: Array<[string, string[]]> = [
  ['/usr/local/bin/app-server', ['--config', '/etc/app/config.yaml', '--port', '8080']],
  ['/bin/sh', ['-c', 'exec /usr/local/bin/worker --queue default']],
  ['/usr/local/bin/worker', ['--queue', 'default', '--concurrency', '4']],
  ['/usr/bin/python3', ['/app/main.py', '--workers', '2']],
  ['/usr/local/bin/node', ['/app/dist/server.js']],
  ['/bin/bash', ['/app/entrypoint.sh']],
  ['/usr/sbin/nginx', ['-g', 'daemon off;']],
  ['/usr/bin/java', ['-Xmx512m', '-jar', '/app/app.jar']],
  ['/usr/bin/curl', ['-fsS', 'http://localhost:8080/healthz']],
];
const HOST_CHAIN: Array<[string, string[]]> = [
  ['/usr/sbin/sshd', ['-D', '-R']],
  ['/usr/sbin/sshd', []],
  ['/bin/bash', ['-l']],
  ['/usr/bin/sudo', ['-i']],
  ['/bin/bash', []],
  ['/usr/bin/make', ['-j4']],
  ['/bin/sh', ['-c', 'cc -O2 -c x.c']],
  ['/usr/bin/cc', ['-O2', '-c', 'x.c']],
  ['/usr/lib/gcc/x86_64-linux-gnu/12/cc1', ['-quiet', 'x.c']],
  ['/usr/bin/as', ['-o', 'x.o']],
];
const OPEN_PATHS = [
  '/etc/ld.so.cache',
  '/lib/x86_64-linux-gnu/libc.so.6',
  '/etc/passwd',
  '/etc/resolv.conf',
  '/proc/self/status',
  '/sys/fs/cgroup/cpu.max',
  '/app/config/settings.json',
  '/var/log/app/access.log',
  '/tmp/upload-4711.part',
  '/usr/share/zoneinfo/UTC',
];

interface World {
  enricher: Enricher;
  processes: ProcessCache;
  cgroups: CgroupResolver;
  pods: PodCache;
  procs: ProcSpec[];
  containerProcs: number;
  maxDepth: number;
  podJsonBytes: number;
  build: BuildTimes;
  close(): Promise<void>;
}

/** Temporary trees of stages still running, removed on interruption too. */
const tempDirs = new Set<string>();

/** Remove what stage 6 created on disk; for the benchmark's signal handler. */
export function cleanupEnrich(): void {
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
  tempDirs.clear();
}

/**
 * Heap a PodIndex of the same pods holds on its own, dropped again. Not in
 * buildWorld: a suspended async function's frame may keep it alive.
 */
function podIndexAlone(fake: FakeApiServer, names: Array<[string, string]>): number {
  const h0 = memPoint('').heapUsed;
  let idx: PodIndex | null = new PodIndex({ graceMs: 1000, maxGone: 1, now: Date.now });
  for (const [ns, name] of names) idx.upsert(fake.getPod(ns, name)!);
  const held = memPoint('').heapUsed - h0;
  if (idx.livePods !== names.length) throw new Error(`bench: a PodIndex of the same pods holds ${idx.livePods}`);
  idx = null;
  return held;
}

async function buildWorld(nPods: number, nProcs: number, mem: ((label: string, owner: MemPoint['owner']) => void) | null): Promise<World> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'bench-enrich-'));
  tempDirs.add(tmp);
  const fake = new FakeApiServer({ bookmarkIntervalMs: 60_000 });
  let pods: PodCache | undefined;
  const close = async (): Promise<void> => {
    pods?.stop();
    await fake.stop();
    rmSync(tmp, { recursive: true, force: true });
    tempDirs.delete(tmp);
  };
  try {
    // Loaded once per process, as the sensor does when it starts a PodCache.
    await loadLibrary();
    mem?.('@kubernetes/client-node loaded', 'sensor');

    let t = process.hrtime.bigint();
    await fake.start();
    const uids: string[] = [];
    const cids: string[] = [];
    let podJsonBytes = 0;
    const podNames: Array<[string, string]> = [];
    for (let i = 0; i < nPods; i++) {
      uids.push(podUid(i));
      cids.push(hex64(`container-${i}`));
      const p = makePod(i, uids[i], cids[i]);
      if (i === 0) podJsonBytes = JSON.stringify(p).length;
      podNames.push([p.metadata!.namespace!, p.metadata!.name!]);
      fake.addPod(p);
    }
    const serverMs = secs(t, process.hrtime.bigint()) * 1000;
    mem?.(`fake API server holding ${nPods.toLocaleString('en-US')} pods`, 'bench');

    t = process.hrtime.bigint();
    pods = new PodCache({ nodeName: NODE, kubeconfig: fake.writeKubeconfig(tmp) });
    await pods.start();
    if (!(await pods.waitForSync(30_000))) throw new Error('bench: the pod cache did not sync with the fake API server in 30 s');
    const syncMs = secs(t, process.hrtime.bigint()) * 1000;
    if (pods.stats().containers !== nPods) throw new Error(`bench: the pod cache holds ${pods.stats().containers} containers, expected ${nPods}`);
    mem?.(`PodCache synced (${nPods.toLocaleString('en-US')} pods)`, 'sensor');
    // How much of that is the PodIndex (the records lookups return), and how
    // much the client library's informer cache of whole pod objects: the
    // same pods into a PodIndex of our own, then dropped.
    const podIndexHeap = mem ? podIndexAlone(fake, podNames) : NaN;

    // cgroupfs layout: kubepods/<qos>/pod<uid>/<container id>; host services elsewhere.
    t = process.hrtime.bigint();
    const cgRoot = path.join(tmp, 'cgroup');
    const procRoot = path.join(tmp, 'proc');
    const ino = (rel: string): number => statSync(path.join(cgRoot, rel)).ino;
    const containerCg: number[] = [];
    for (let i = 0; i < nPods; i++) {
      const qos = i % 3 === 0 ? 'besteffort/' : i % 3 === 1 ? 'burstable/' : '';
      const rel = `kubepods/${qos}pod${uids[i]}/${cids[i]}`;
      mkdirSync(path.join(cgRoot, rel), { recursive: true });
      containerCg.push(ino(rel));
    }
    const services = ['init.scope', 'system.slice/containerd.service', 'system.slice/kubelet.service', 'system.slice/ssh.service', 'user.slice/user-1000.slice/session-1.scope'];
    for (const s of services) mkdirSync(path.join(cgRoot, s), { recursive: true });
    const [initCg, containerdCg, kubeletCg, sshCg, sessionCg] = services.map(ino);
    // The host's namespaces, as CgroupResolver reads them: the inodes of <procRoot>/1/ns/{mnt,pid}.
    mkdirSync(path.join(procRoot, '1/ns'), { recursive: true });
    writeFileSync(path.join(procRoot, '1/ns/mnt'), '');
    writeFileSync(path.join(procRoot, '1/ns/pid'), '');
    const hostMnt = statSync(path.join(procRoot, '1/ns/mnt')).ino;
    const hostPid = statSync(path.join(procRoot, '1/ns/pid')).ino;
    if (hostMnt > 0xffffffff || hostPid > 0xffffffff) throw new Error('bench: temporary inode numbers do not fit the events\' 32-bit namespace fields');
    const treeMs = secs(t, process.hrtime.bigint()) * 1000;

    mem?.(`cgroup tree made on disk (${nPods.toLocaleString('en-US')} container directories)`, 'bench');
    const cgroups = new CgroupResolver({ cgroupRoot: cgRoot, procRoot, rootAmbiguous: false });
    t = process.hrtime.bigint();
    const rescanDirs = cgroups.rescan();
    const rescanMs = secs(t, process.hrtime.bigint()) * 1000;
    mem?.(`CgroupResolver: tree walked (${rescanDirs.toLocaleString('en-US')} directories)`, 'sensor');

    // The process tree, parents first. Host: systemd, containerd, kubelet,
    // one containerd-shim per 5 pods, the rest in chains of 10 under sshd.
    const processes = new ProcessCache({ procRoot, cgroupRoot: cgRoot, maxEntries: PROCESS_CACHE_ENTRIES, procFallback: false });
    const enricher = new Enricher({ processes, cgroups, pods, nodeName: NODE, ancestors: ANCESTORS });
    const procs: ProcSpec[] = [];
    let nextPid = 1;
    let clock = 5_000_000_000;
    const add = (parent: number, cgroupId: number, prog: [string, string[]], container: number, vpid = 0): number => {
      const pid = nextPid++;
      clock += 1_000 + (pid % 7) * 113;
      const p = parent >= 0 ? procs[parent] : undefined;
      const inCtr = container >= 0;
      const exepath = prog[0];
      const comm = path.basename(exepath).slice(0, 15);
      procs.push({
        h: {
          ktime: clock, startTime: clock, cgroupId, pid, tid: pid, ppid: p ? p.h.pid : 0,
          vpid: inCtr ? vpid : pid,
          uid: inCtr ? 1000 + (container % 50) : 0, gid: inCtr ? 1000 + (container % 50) : 0,
          mntns: inCtr ? 4026540000 + 4 * container : hostMnt,
          pidns: inCtr ? 4026540001 + 4 * container : hostPid,
          netns: inCtr ? 4026540002 + 4 * container : 4026531840,
          comm,
        },
        exepath,
        cwd: inCtr ? '/app' : '/',
        args: [exepath, ...prog[1]],
        parent,
        depth: p ? p.depth + 1 : 0,
        container: inCtr,
      });
      return procs.length - 1;
    };
    const containerProcs = Math.min(nPods * PER_CONTAINER, Math.floor(nProcs * 0.9));
    const systemd = add(-1, initCg, ['/usr/lib/systemd/systemd', ['--system']], -1);
    const containerd = add(systemd, containerdCg, ['/usr/bin/containerd', []], -1);
    add(systemd, kubeletCg, ['/usr/bin/kubelet', ['--config=/var/lib/kubelet/config.yaml']], -1);
    const shims: number[] = [];
    for (let s = 0; s < Math.ceil(nPods / 5); s++) shims.push(add(containerd, containerdCg, ['/usr/bin/containerd-shim-runc-v2', ['-namespace', 'k8s.io']], -1));
    let placed = 0;
    for (let c = 0; placed < containerProcs; c++) {
      let parent = shims[Math.floor(c / 5)];
      for (let k = 0; k < PER_CONTAINER && placed < containerProcs; k++, placed++) parent = add(parent, containerCg[c], CONTAINER_PROGRAMS[k], c, k + 1);
    }
    const sshd = add(systemd, sshCg, HOST_CHAIN[0], -1);
    for (let k = 1; procs.length < nProcs; k = (k % (HOST_CHAIN.length - 1)) + 1) {
      const parent = k === 1 ? sshd : procs.length - 1;
      add(parent, k === 1 ? sshCg : sessionCg, HOST_CHAIN[k], -1);
    }

    mem?.(`the benchmark's own list of ${procs.length.toLocaleString('en-US')} processes to create`, 'bench');

    // Fork then exec for each process, as the kernel reports them. Timed:
    // decoding and enriching, less decoding alone, over the same records.
    const recs = new Records();
    let decodeNs = 0;
    let bothNs = 0;
    let sink = 0;
    for (let i = 0; i < procs.length; i += BATCH) {
      recs.reset();
      for (const p of procs.slice(i, i + BATCH)) {
        const parent = p.parent >= 0 ? procs[p.parent] : undefined;
        recs.fork({ ...p.h, comm: parent ? parent.h.comm : p.h.comm }, parent ? parent.h.pid : 0);
        recs.exec({ ...p.h, ktime: p.h.ktime + 500 }, p.exepath, p.cwd, p.args);
      }
      recs.check(['fork', 'exec']);
      const { bytes, offs, lens, count } = recs;
      let t0 = process.hrtime.bigint();
      for (let k = 0; k < count; k++) sink += (decodeRecord(bytes, offs[k], lens[k]) as SensorEvent).pid;
      decodeNs += Number(process.hrtime.bigint() - t0);
      t0 = process.hrtime.bigint();
      for (let k = 0; k < count; k++) sink += enricher.enrich(decodeRecord(bytes, offs[k], lens[k]) as SensorEvent).ancestors.length;
      bothNs += Number(process.hrtime.bigint() - t0);
    }
    if (sink < 0) progress('unreachable');
    const fillEvents = 2 * procs.length;
    const ps = processes.stats();
    if (ps.size !== procs.length || ps.evictions) throw new Error(`bench: the process cache holds ${ps.size} processes (${ps.evictions} evicted), expected ${procs.length}`);
    mem?.(`ProcessCache filled (${procs.length.toLocaleString('en-US')} processes)`, 'sensor');

    return {
      enricher, processes, cgroups, pods, procs, containerProcs,
      maxDepth: Math.max(...procs.map((p) => p.depth)),
      podJsonBytes,
      build: { serverMs, syncMs, podIndexHeap, treeMs, rescanMs, rescanDirs, fillNsPerEvent: (bothNs - decodeNs) / fillEvents, fillEvents },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

// ---------------------------------------------------------------- cost

interface Tally {
  container: number;
  ancestors: number;
}

/** Encode `n` open events of random processes into `recs` (untimed). */
function drawOpens(w: World, recs: Records, rnd: () => number, n: number, seq: { ktime: number }, check: boolean): void {
  recs.reset();
  for (let i = 0; i < n; i++) {
    const p = w.procs[Math.floor(rnd() * w.procs.length)];
    const file = OPEN_PATHS[i % OPEN_PATHS.length];
    const raw = i % 3 === 0 ? file.slice(file.lastIndexOf('/') + 1) : file;
    seq.ktime += 700;
    recs.open({ ...p.h, ktime: seq.ktime }, raw, file, 3 + (i % 20), i % 5 === 0 ? 0o1101 : 0o2000000, 100_000 + (i % 5000));
  }
  if (check) recs.check(['open']);
}

/**
 * One round of `n` events in batches. Each batch is timed four ways over
 * the same bytes, decoding each record afresh every time as the reader
 * does, so that every object dies young as in the sensor: decoding alone
 * (the faster of two passes);
 * decoding + enrich(); then, on another batch, decoding + toFields(); and
 * decoding + toFields() + enrich() + contextFields() (the faster of two for
 * the one without). The differences are
 * the costs of enrich(), and of enrich() + contextFields().
 */
function round(w: World, recs: Records, rnd: () => number, n: number, seq: { ktime: number }, tally: Tally): CostRound {
  const ns = { decode: 0, enrich: 0, toFields: 0, all: 0 };
  const enricher = w.enricher;
  let sink = 0;
  const time = (fn: () => void): number => {
    const t0 = process.hrtime.bigint();
    fn();
    return Number(process.hrtime.bigint() - t0);
  };
  for (let done = 0; done < n; done += BATCH) {
    const m = Math.min(BATCH, n - done);
    drawOpens(w, recs, rnd, m, seq, done === 0);
    let { bytes, offs, lens } = recs;
    // Baselines are the faster of two passes: a pause in one must not make a difference negative.
    const decodeOnly = (): void => {
      for (let i = 0; i < m; i++) sink += (decodeRecord(bytes, offs[i], lens[i]) as SensorEvent).pid;
    };
    const decode = Math.min(time(decodeOnly), time(decodeOnly));
    const enrich = time(() => {
      for (let i = 0; i < m; i++) {
        const ctx = enricher.enrich(decodeRecord(bytes, offs[i], lens[i]) as SensorEvent);
        if (ctx.container) tally.container++;
        tally.ancestors += ctx.ancestors.length;
      }
    });
    drawOpens(w, recs, rnd, m, seq, done === 0);
    ({ bytes, offs, lens } = recs);
    const fieldsOnly = (): void => {
      for (let i = 0; i < m; i++) sink += toFields(decodeRecord(bytes, offs[i], lens[i]) as SensorEvent, null)['proc.pid'] as number;
    };
    const fields = Math.min(time(fieldsOnly), time(fieldsOnly));
    const all = time(() => {
      for (let i = 0; i < m; i++) {
        const ev = decodeRecord(bytes, offs[i], lens[i]) as SensorEvent;
        const f = toFields(ev, null);
        const ctx = enricher.enrich(ev);
        contextFields(ctx, NODE, f);
        if (ctx.container) tally.container++;
        tally.ancestors += ctx.ancestors.length;
      }
    });
    ns.decode += decode;
    ns.enrich += enrich - decode;
    ns.toFields += fields;
    ns.all += all;
  }
  if (sink < 0) progress('unreachable');
  return {
    decodeNs: ns.decode / n,
    toFieldsNs: (ns.toFields - ns.decode) / n,
    enrichNs: ns.enrich / n,
    fieldsNs: (ns.all - ns.toFields) / n,
    allNs: ns.all / n,
  };
}

function measure(w: World, nPods: number, eventsPerRound: number, label: string): CostResult {
  const recs = new Records();
  const rnd = xorshift(nPods * 7919 + w.procs.length);
  const seq = { ktime: 10_000_000_000 };
  const say = (what: string, r: CostRound): void =>
    progress(`enrichment (${label}) ${what}: enrich ${r.enrichNs.toFixed(0)} ns/event, enrich + contextFields ${r.fieldsNs.toFixed(0)} ns/event`);
  const warmup = round(w, recs, rnd, Math.ceil(eventsPerRound / 2), seq, { container: 0, ancestors: 0 });
  say('warm-up', warmup);
  const before = w.enricher.stats();
  const pBefore = w.pods.stats();
  const cBefore = w.cgroups.stats();
  const tally: Tally = { container: 0, ancestors: 0 };
  const rounds: CostRound[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    rounds.push(round(w, recs, rnd, eventsPerRound, seq, tally));
    say(`${r + 1}/${ROUNDS}`, rounds[r]);
  }
  const after = w.enricher.stats();
  const pAfter = w.pods.stats();
  const cAfter = w.cgroups.stats();
  const enriched = ROUNDS * eventsPerRound * 2;
  const diff = (k: keyof EnricherStats): number => after[k] - before[k];
  const med = (k: keyof CostRound): number => median(rounds.map((r) => r[k]));
  return {
    pods: nPods,
    processes: w.procs.length,
    eventsPerRound,
    warmup,
    rounds,
    decodeNs: med('decodeNs'),
    toFieldsNs: med('toFieldsNs'),
    enrichNs: med('enrichNs'),
    fieldsNs: med('fieldsNs'),
    allNs: med('allNs'),
    containerShare: tally.container / enriched,
    avgAncestors: tally.ancestors / enriched,
    enricher: { events: diff('events'), processMisses: diff('processMisses'), containerEvents: diff('containerEvents'), podMisses: diff('podMisses'), errors: diff('errors') },
    processCache: w.processes.stats(),
    cgroupProcReads: cAfter.procReads - cBefore.procReads,
    cgroupUnresolved: cAfter.unresolved - cBefore.unresolved,
    podHits: pAfter.hits - pBefore.hits,
    podMisses: pAfter.misses - pBefore.misses,
  };
}

/**
 * The stage: `nPods` pods and `nProcs` processes, then 10 pods and 100
 * processes (a thousandth); `eventsPerRound` events per round and per way of
 * timing, a warm-up round and ROUNDS counted ones.
 */
export async function enrichmentCost(nPods: number, nProcs: number, eventsPerRound: number): Promise<EnrichResult> {
  const started = process.hrtime.bigint();
  const gc = exposeGc();
  const memory: MemPoint[] = [memPoint('before building')];
  const mem = (label: string, owner: MemPoint['owner']): void => {
    memory.push(memPoint(label, owner));
  };
  progress(`enrichment: building ${nPods.toLocaleString('en-US')} pods and ${nProcs.toLocaleString('en-US')} processes`);
  const w = await buildWorld(nPods, nProcs, mem);
  let large: CostResult;
  let pod: PodCacheStats;
  try {
    progress(
      `enrichment: pod cache synced in ${(w.build.syncMs / 1000).toFixed(1)} s; ${w.build.rescanDirs} cgroup directories walked in ` +
        `${w.build.rescanMs.toFixed(0)} ms; ${w.procs.length} processes learned from ${w.build.fillEvents} fork+exec events`,
    );
    large = measure(w, nPods, eventsPerRound, `${nPods} pods, ${w.procs.length} processes`);
    mem(`after ${num((ROUNDS + 0.5) * 2 * eventsPerRound)} enriched open events`, 'sensor');
    pod = w.pods.stats();
  } finally {
    await w.close();
  }
  const sw = await buildWorld(Math.max(1, Math.round(nPods / 1000)), Math.max(10, Math.round(nProcs / 1000)), null);
  let small: CostResult;
  try {
    small = measure(sw, sw.pods.stats().pods, eventsPerRound, `${sw.pods.stats().pods} pods, ${sw.procs.length} processes`);
  } finally {
    await sw.close();
  }
  return {
    pods: nPods,
    processes: w.procs.length,
    containerProcesses: w.containerProcs,
    hostProcesses: w.procs.length - w.containerProcs,
    maxDepth: w.maxDepth,
    podJsonBytes: w.podJsonBytes,
    processCacheEntries: PROCESS_CACHE_ENTRIES,
    gc,
    memory,
    build: w.build,
    large,
    small,
    pod,
    elapsedS: secs(started, process.hrtime.bigint()),
  };
}
