// One pod of a scenario: a runc container whose rootfs is an overlay of the
// shared image, in a kubelet-style cgroup (/kubepods/besteffort/pod<uid>/
// <container id>), on the scenarios' network, with a service-account token
// mounted as the kubelet mounts it, and the pod object the fake API server
// serves for it. Containers stay (stopped) until removed, as the kubelet
// keeps them, so late events still find their cgroup.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { removePodCgroups } from '../../cgroup-layouts';
import type { Pod } from '../../k8s/fake-apiserver';
import { sleep } from '../../support';

export const NAMESPACE = 'attacks';
export const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface PodOptions {
  /** securityContext.privileged: every capability, /sys and /proc/sys writable, every device allowed. */
  privileged?: boolean;
  /** spec.hostPID: no pid namespace of its own. */
  hostPID?: boolean;
  /** hostPath volumes. */
  mounts?: { source: string; destination: string; readonly?: boolean }[];
  /** Host device nodes given to the container (as `devices:` or a privileged pod's /dev). */
  devices?: string[];
}

export interface PodEnv {
  image: string;
  /** The network namespace's file (/run/netns/NAME). */
  netns: string;
  tokenDir: string;
  /** Where bundles go. */
  workDir: string;
  nodeName: string;
}

/** containerd's default capabilities, which a Kubernetes pod gets. */
const DEFAULT_CAPS = ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE'];

/** Every capability, in kernel order (bit n is ALL_CAPS[n]). */
const ALL_CAPS = ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW',
  'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD',
  'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG',
  'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE'];

/** The capabilities this process may hand on (its bounding set): runc refuses to grant others. */
function grantable(caps: string[]): string[] {
  const m = /^CapBnd:\s*([0-9a-f]+)$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  const bnd = m ? BigInt('0x' + m[1]) : (1n << BigInt(ALL_CAPS.length)) - 1n;
  return caps.filter((c) => (bnd >> BigInt(ALL_CAPS.indexOf(c))) & 1n);
}

let baseSpec: Record<string, any> | undefined;

/** `runc spec`, once. */
function runcSpec(dir: string): Record<string, any> {
  if (!baseSpec) {
    const r = spawnSync('runc', ['spec', '--bundle', dir]);
    if (r.status !== 0) throw new Error(`runc spec: ${r.stderr}`);
    baseSpec = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
    fs.rmSync(path.join(dir, 'config.json'));
  }
  return JSON.parse(JSON.stringify(baseSpec));
}

function uuid(): string {
  return randomBytes(16).toString('hex').replace(/(.{8})(.{4})(.{4})(.{4})(.{12})/, '$1-$2-$3-$4-$5');
}

export class PodContainer {
  /** runc's name for it. */
  readonly runcId = 'kt' + randomBytes(6).toString('hex');
  readonly podUid = uuid();
  /** The 64-hex id in the cgroup path; container.id is its first 12. */
  readonly ctrId = randomBytes(32).toString('hex');
  readonly bundle: string;
  readonly rootfs: string;
  readonly cgroupsPath: string;
  private mounted = false;
  private created = false;

  constructor(readonly name: string, readonly image: string, readonly opts: PodOptions, private readonly env: PodEnv) {
    this.bundle = path.join(env.workDir, name);
    this.rootfs = path.join(this.bundle, 'rootfs');
    this.cgroupsPath = `/kubepods/besteffort/pod${this.podUid}/${this.ctrId}`;
  }

  get shortId(): string {
    return this.ctrId.slice(0, 12);
  }

  pod(): Pod {
    const status = { name: 'app', image: this.image, imageID: '', containerID: `containerd://${this.ctrId}`, ready: true, restartCount: 0 };
    return {
      metadata: { name: this.name, namespace: NAMESPACE, uid: this.podUid, labels: { app: this.name, suite: 'kestrel-attacks' } },
      spec: {
        nodeName: this.env.nodeName,
        serviceAccountName: 'default',
        hostPID: this.opts.hostPID === true,
        containers: [{ name: 'app', image: this.image, securityContext: { privileged: this.opts.privileged === true } }],
      },
      status: { phase: 'Running', containerStatuses: [status] },
    } as Pod;
  }

  /** Bundle, overlay rootfs and config for a process running argv. */
  prepare(argv: string[]): void {
    for (const d of ['upper', 'work', 'rootfs']) fs.mkdirSync(path.join(this.bundle, d), { recursive: true });
    const o = `lowerdir=${this.env.image},upperdir=${path.join(this.bundle, 'upper')},workdir=${path.join(this.bundle, 'work')}`;
    const m = spawnSync('mount', ['-t', 'overlay', 'overlay', '-o', o, this.rootfs], { encoding: 'utf8' });
    if (m.status !== 0) throw new Error(`overlay mount for ${this.name}: ${m.stderr}`);
    this.mounted = true;
    fs.writeFileSync(path.join(this.bundle, 'config.json'), JSON.stringify(this.config(argv)));
  }

  private config(argv: string[]): Record<string, any> {
    const cfg = runcSpec(this.bundle);
    const priv = this.opts.privileged === true;
    cfg.process.terminal = false;
    cfg.process.args = argv;
    cfg.process.env = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'HOME=/root', 'HOSTNAME=' + this.name,
      `KUBERNETES_SERVICE_HOST=10.96.0.1`, 'KUBERNETES_SERVICE_PORT=443'];
    cfg.process.noNewPrivileges = false;
    const caps = grantable(priv ? ALL_CAPS : DEFAULT_CAPS);
    cfg.process.capabilities = { bounding: caps, effective: caps, permitted: caps };
    cfg.root = { path: 'rootfs', readonly: false };
    cfg.hostname = this.name;
    const mounts = cfg.mounts as { destination: string; type: string; source: string; options: string[] }[];
    if (priv) for (const mt of mounts) if (mt.type === 'sysfs' || mt.type === 'cgroup') mt.options = mt.options.filter((x) => x !== 'ro');
    mounts.push({ destination: SA_DIR, type: 'bind', source: this.env.tokenDir, options: ['rbind', 'ro'] });
    for (const v of this.opts.mounts ?? []) mounts.push({ destination: v.destination, type: 'bind', source: v.source, options: ['rbind', v.readonly ? 'ro' : 'rw'] });
    const linux = cfg.linux;
    linux.cgroupsPath = this.cgroupsPath;
    linux.namespaces = (linux.namespaces as { type: string; path?: string }[])
      .filter((n) => !(this.opts.hostPID && n.type === 'pid'))
      .map((n) => (n.type === 'network' ? { type: 'network', path: this.env.netns } : n));
    linux.resources = linux.resources ?? {};
    if (priv) {
      delete linux.maskedPaths;
      delete linux.readonlyPaths;
      linux.resources.devices = [{ allow: true, access: 'rwm' }];
    }
    linux.devices = [];
    for (const dev of this.opts.devices ?? []) {
      const st = fs.statSync(dev);
      const type = st.isBlockDevice() ? 'b' : 'c';
      const major = Math.floor(st.rdev / 256) & 0xfff;
      const minor = (st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00);
      linux.devices.push({ path: dev, type, major, minor, fileMode: 0o660, uid: 0, gid: 0 });
      if (!priv) linux.resources.devices.push({ allow: true, type, major, minor, access: 'r' });
    }
    return cfg;
  }

  /** Start it (`runc run -d`); its output goes to out.log in the bundle. */
  async start(): Promise<void> {
    const log = fs.openSync(path.join(this.bundle, 'out.log'), 'a');
    try {
      await new Promise<void>((resolve, reject) => {
        const child = spawn('runc', ['run', '-d', '--bundle', this.bundle, this.runcId], { stdio: ['ignore', log, log] });
        child.on('error', reject);
        child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`runc run ${this.name}: exit ${code}: ${this.output()}`))));
      });
      this.created = true;
    } finally {
      fs.closeSync(log);
    }
  }

  state(): string {
    const st = spawnSync('runc', ['state', this.runcId], { encoding: 'utf8' });
    return st.status === 0 ? (JSON.parse(st.stdout) as { status: string }).status : 'gone';
  }

  async waitStopped(timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.state() === 'running') {
      if (Date.now() > until) {
        spawnSync('runc', ['kill', this.runcId, 'KILL']);
        throw new Error(`${this.name}: still running after ${timeoutMs} ms (killed); output:\n${this.output()}`);
      }
      await sleep(25);
    }
  }

  kill(): void {
    spawnSync('runc', ['kill', '--all', this.runcId, 'KILL']);
  }

  /** What the container printed (stdout and stderr). */
  output(): string {
    try {
      return fs.readFileSync(path.join(this.bundle, 'out.log'), 'utf8');
    } catch {
      return '';
    }
  }

  remove(): void {
    if (this.created) spawnSync('runc', ['delete', '--force', this.runcId]);
    if (this.mounted) spawnSync('umount', ['-l', this.rootfs]);
    this.mounted = false;
    removePodCgroups({ cgroupsPath: this.cgroupsPath } as never);
    fs.rmSync(this.bundle, { recursive: true, force: true });
  }
}
