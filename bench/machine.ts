// Where the figures were measured: the machine, the software, and whatever
// else was busy at the time (load average, other processes' BPF programs),
// since a 2-core VM shared with other work gives different numbers.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface Machine {
  date: string;
  kernel: string;
  cpu: string;
  nproc: number;
  memory: string;
  node: string;
  command: string;
  /** What npm ran for the command. */
  expands?: string;
  commit: string;
}

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], cwd: `${__dirname}/../..` }).trim();
  } catch {
    return '';
  }
}

export function machine(): Machine {
  const cpuinfo = read('/proc/cpuinfo');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
  const memKb = Number(/^MemTotal:\s*(\d+)/m.exec(read('/proc/meminfo'))?.[1] ?? NaN);
  const head = git(['rev-parse', '--short', 'HEAD']);
  const dirty = git(['status', '--porcelain']) !== '';
  const viaNpm = process.env.npm_lifecycle_event === 'bench' ? process.env.npm_lifecycle_script : undefined;
  const command = viaNpm ? 'npm run bench' : ['node', ...process.argv.slice(1).map((a) => path.relative(process.cwd(), a) || a)].join(' ');
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    kernel: os.release(),
    cpu: model,
    nproc: os.availableParallelism?.() ?? os.cpus().length,
    memory: Number.isFinite(memKb) ? `${(memKb / 1024 / 1024).toFixed(1)} GiB` : 'unknown',
    node: process.version,
    command,
    expands: viaNpm,
    commit: head ? `${head}${dirty ? ' (with uncommitted changes)' : ''}` : 'not a git checkout',
  };
}

export function loadAverage(): [number, number, number] {
  const [a, b, c] = os.loadavg();
  return [a, b, c];
}

/** Processes other than this one that hold BPF programs (they may trace us too). */
export function otherBpfHolders(): { pid: number; comm: string; programs: number }[] {
  const out: { pid: number; comm: string; programs: number }[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${d}/fd`);
    } catch {
      continue;
    }
    let programs = 0;
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${d}/fd/${fd}`) === 'anon_inode:bpf-prog') programs++;
      } catch {
        // the fd closed meanwhile
      }
    }
    if (programs > 0) out.push({ pid: Number(d), comm: read(`/proc/${d}/comm`).trim(), programs });
  }
  return out;
}

export interface CpuSnapshot {
  /** Clock ticks summed over all CPUs (/proc/stat). */
  total: number;
  idle: number;
  steal: number;
  /** Ticks of this process and its waited-for children (/proc/self/stat). */
  own: number;
}

export function cpuSnapshot(): CpuSnapshot {
  const f = read('/proc/stat').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = f.map((x) => x || 0);
  const self = read('/proc/self/stat');
  const rest = self.slice(self.lastIndexOf(')') + 2).split(' ').map(Number);
  // Fields 14-17 of stat(5): utime stime cutime cstime; rest[0] is field 3.
  const own = rest[11] + rest[12] + rest[13] + rest[14];
  return { total: user + nice + system + idle + iowait + irq + softirq + steal, idle: idle + iowait, steal, own };
}

export interface CpuShare {
  /** Cores kept busy on average by everything but this process and its children. */
  otherCores: number;
  /** Share of CPU time the hypervisor took away (steal). */
  stealShare: number;
}

export function cpuShare(a: CpuSnapshot, b: CpuSnapshot, nproc: number): CpuShare {
  const total = b.total - a.total;
  if (!(total > 0)) return { otherCores: NaN, stealShare: NaN };
  const busy = total - (b.idle - a.idle) - (b.steal - a.steal);
  const other = Math.max(0, busy - (b.own - a.own));
  return { otherCores: (other / total) * nproc, stealShare: (b.steal - a.steal) / total };
}
