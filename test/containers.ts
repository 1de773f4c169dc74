// Real containers for tests: runc with a busybox rootfs and a kubelet-style
// cgroup path (environment.md). No Docker engine is needed.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const BUSYBOX = '/bin/busybox';
const APPLETS = ['sh', 'cat', 'echo', 'sleep', 'ls', 'mkdir', 'ln', 'mv', 'rm', 'touch'];

/** Why containers cannot run here, or null. */
export function containersUnavailable(): string | null {
  if (spawnSync('runc', ['--version']).status !== 0) return 'runc is not installed';
  if (!fs.existsSync(BUSYBOX)) return 'busybox-static is not installed';
  return null;
}

export interface Container {
  id: string;
  bundle: string;
  rootfs: string;
  /** The kubelet-style cgroup path given to runc. */
  cgroupsPath: string;
  podUid: string;
}

/** Build a bundle whose process runs `args` (a busybox rootfs, writable). */
export function makeBundle(args: string[], opts: { podUid?: string } = {}): Container {
  const id = 'kt' + randomBytes(6).toString('hex');
  const bundle = fs.mkdtempSync(path.join(os.tmpdir(), 'sensor-ctr-'));
  const rootfs = path.join(bundle, 'rootfs');
  for (const d of ['bin', 'etc', 'proc', 'sys', 'dev', 'tmp']) fs.mkdirSync(path.join(rootfs, d), { recursive: true });
  fs.copyFileSync(BUSYBOX, path.join(rootfs, 'bin/busybox'));
  fs.chmodSync(path.join(rootfs, 'bin/busybox'), 0o755);
  for (const a of APPLETS) fs.symlinkSync('busybox', path.join(rootfs, 'bin', a));
  fs.writeFileSync(path.join(rootfs, 'etc/hostname'), `${id}\n`);
  const spec = spawnSync('runc', ['spec', '--bundle', bundle]);
  if (spec.status !== 0) throw new Error(`runc spec: ${spec.stderr}`);
  const cfgPath = path.join(bundle, 'config.json');
  const cfg = JSON.parse(fs.readFileSync(cfgPath, 'utf8'));
  const podUid = opts.podUid ?? randomBytes(16).toString('hex').replace(/(.{8})(.{4})(.{4})(.{4})(.{12})/, '$1-$2-$3-$4-$5');
  const ctrId = randomBytes(32).toString('hex');
  const cgroupsPath = `/kubepods/besteffort/pod${podUid}/${ctrId}`;
  cfg.process.terminal = false;
  cfg.process.args = args;
  cfg.root.readonly = false;
  cfg.hostname = id;
  cfg.linux.cgroupsPath = cgroupsPath;
  fs.writeFileSync(cfgPath, JSON.stringify(cfg));
  return { id, bundle, rootfs, cgroupsPath, podUid };
}

/** Run the container to completion (`runc run`), then delete it. */
export function runContainer(c: Container): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('runc', ['run', '--bundle', c.bundle, c.id], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (status) => {
      spawnSync('runc', ['delete', '--force', c.id]);
      resolve({ status, stdout, stderr });
    });
  });
}

export function removeBundle(c: Container): void {
  spawnSync('runc', ['delete', '--force', c.id]);
  fs.rmSync(c.bundle, { recursive: true, force: true });
}
