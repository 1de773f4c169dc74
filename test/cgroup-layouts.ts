// The kubelet's two cgroup layouts for runc test containers. makeBundle
// writes the cgroupfs driver's path; the systemd driver's is a plain path to
// runc's default (cgroupfs) manager, so no systemd is needed to make one.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Container } from './containers';

export type CgroupLayout = 'cgroupfs' | 'systemd';

export interface LaidOut extends Container {
  layout: CgroupLayout;
  /** The 64-hex container id in the cgroup path (not runc's name). */
  ctrId: string;
}

/**
 * Give a bundle the layout's cgroup path, keeping its pod uid and container
 * id; `args` replaces the command (to name the runc container in it).
 */
export function withLayout(c: Container, layout: CgroupLayout, args?: string[]): LaidOut {
  const ctrId = path.basename(c.cgroupsPath);
  const uid = c.podUid.replace(/-/g, '_');
  const cgroupsPath =
    layout === 'systemd'
      ? `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${uid}.slice/cri-containerd-${ctrId}.scope`
      : c.cgroupsPath;
  const cfgPath = path.join(c.bundle, 'config.json');
  const cfg = JSON.parse(fs.readFileSync(cfgPath, 'utf8'));
  cfg.linux.cgroupsPath = cgroupsPath;
  if (args) cfg.process.args = args;
  fs.writeFileSync(cfgPath, JSON.stringify(cfg));
  return { ...c, cgroupsPath, layout, ctrId };
}

/**
 * Run detached (`runc run -d`) and wait until the process has exited. Unlike
 * `runc run`, runc keeps the stopped container's cgroup until `runc delete`,
 * as containerd's shim does until the container is removed.
 */
export async function runDetached(c: Container, timeoutMs = 20000): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = spawn('runc', ['run', '-d', '--bundle', c.bundle, c.id], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`runc run -d: ${code}: ${err}`))));
  });
  const until = Date.now() + timeoutMs;
  for (;;) {
    const st = spawnSync('runc', ['state', c.id], { encoding: 'utf8' });
    if (st.status === 0 && JSON.parse(st.stdout).status === 'stopped') return;
    if (Date.now() > until) throw new Error(`container ${c.id} still running after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Mount points of every cgroup hierarchy (v1 controllers and v2). */
function cgroupMountPoints(): string[] {
  return fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' '))
    .filter((f) => f.includes('-') && /^cgroup2?$/.test(f[f.indexOf('-', 6) + 1] ?? ''))
    .map((f) => f[4]);
}

/** runc removes the container's cgroup but not the pod's it made: remove that too. */
export function removePodCgroups(c: Container): void {
  const pod = path.dirname(c.cgroupsPath);
  for (const m of cgroupMountPoints()) {
    try {
      fs.rmdirSync(path.join(m, pod));
    } catch {
      // Not in this hierarchy, or still in use.
    }
  }
}
