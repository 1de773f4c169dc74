// `sensor run` with a chosen capability set, as the chart runs it: uid 0,
// every capability dropped but the named ones. util-linux setpriv narrows the
// bounding set and execs node; for uid 0 the kernel then gives the new
// program exactly the bounding set as its permitted and effective sets
// (no file capabilities involved). The caps are checked in /proc afterwards.
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { AlertLine, Json } from '../sensor-run';
import { SENSOR, sleep } from '../support';

/** The chart's set (helm/values.yaml securityContext.capabilities.add). */
export const CHART_CAPS = ['BPF', 'PERFMON', 'SYS_RESOURCE', 'SYS_PTRACE', 'DAC_READ_SEARCH'] as const;

/** Bit numbers of the capabilities these tests name (linux/capability.h). */
export const CAP_BITS: Record<string, number> = {
  DAC_OVERRIDE: 1,
  DAC_READ_SEARCH: 2,
  SYS_PTRACE: 19,
  SYS_ADMIN: 21,
  SYS_RESOURCE: 24,
  PERFMON: 38,
  BPF: 39,
};

export function setprivAvailable(): string | null {
  const r = spawnSync('setpriv', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? null : 'util-linux setpriv is not installed';
}

/** Capability names set in a CapEff/CapBnd hex mask (only those in CAP_BITS). */
export function capsOf(mask: bigint): string[] {
  return Object.entries(CAP_BITS)
    .filter(([, bit]) => (mask >> BigInt(bit)) & 1n)
    .map(([n]) => n);
}

export function capMask(pid: number | 'self', field: 'CapEff' | 'CapBnd' | 'CapPrm'): bigint {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = new RegExp(`^${field}:\\s*([0-9a-f]+)$`, 'm').exec(status);
  if (!m) throw new Error(`no ${field} in /proc/${pid}/status`);
  return BigInt(`0x${m[1]}`);
}

/** Which of `caps` this process may hand on (its bounding set holds them). */
export function grantable(caps: readonly string[]): { have: string[]; lack: string[] } {
  const bnd = capMask('self', 'CapBnd');
  const have = caps.filter((c) => (bnd >> BigInt(CAP_BITS[c])) & 1n);
  return { have, lack: caps.filter((c) => !have.includes(c)) };
}

function parseLines(text: string): Json[] {
  const out: Json[] = [];
  for (const l of text.split('\n')) {
    if (!l.startsWith('{')) continue;
    try {
      out.push(JSON.parse(l) as Json);
    } catch {
      // a line cut by the read
    }
  }
  return out;
}

export interface CappedRun {
  child: ChildProcess;
  alerts(): AlertLine[];
  stderr(): string;
  /** Resolves when the process exits. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves true on "ready", false when the process exits first. */
  ready: Promise<boolean>;
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Start `sensor run --no-k8s --no-reload ARGS` keeping only `caps`.
 * `prefix` runs before setpriv (e.g. unshare for a private mount namespace).
 */
export interface CappedOptions {
  /** Commands run before setpriv, which exec it (e.g. unshare -m ...). */
  prefix?: string[];
  readyMs?: number;
  /** The sensor's main.js (default: this checkout's dist). */
  entry?: string;
  cwd?: string;
}

export function startCapped(caps: readonly string[], args: string[] = [], opts: CappedOptions = {}): CappedRun {
  const bounding = ['-all', ...caps.map((c) => `+${c.toLowerCase()}`)].join(',');
  const argv = [...(opts.prefix ?? []), 'setpriv', '--bounding-set', bounding, '--', process.execPath, opts.entry ?? SENSOR, 'run', '--no-k8s', '--no-reload', ...args];
  // No metrics endpoint: these runs are about capabilities, and a test
  // elsewhere may hold the default port.
  const child = spawn(argv[0], argv.slice(1), {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, KESTREL_METRICS_ADDR: 'off' },
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
  });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const ready = new Promise<boolean>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`sensor run was neither ready nor gone within ${opts.readyMs ?? 30000} ms; stderr:\n${err.slice(-3000)}`));
    }, opts.readyMs ?? 30000);
    const check = (): void => {
      if (err.includes('"msg":"ready"')) {
        clearTimeout(timer);
        child.stderr!.off('data', check);
        resolve(true);
      }
    };
    child.stderr!.on('data', check);
    void exited.then(() => {
      clearTimeout(timer);
      resolve(err.includes('"msg":"ready"'));
    });
  });
  const run: CappedRun = {
    child,
    alerts: () => parseLines(out) as AlertLine[],
    stderr: () => err,
    exited,
    ready,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
  return run;
}

/** Run a command to completion with its output discarded; returns its pid. */
export function runQuiet(file: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(child.pid!) : reject(new Error(`${file} exited ${code}`))));
  });
}

export function ofPids(alerts: AlertLine[], rule: string, pids: number[]): AlertLine | undefined {
  return alerts.find((a) => a.rule === rule && pids.includes(a.output_fields['proc.pid'] as number));
}

/**
 * Fire `act` until the sensor reports `rule` for one of its pids. On a busy
 * machine the kernel may drop an event when a ring is full (the sensor
 * counts it); a second attempt a second later is then seen.
 */
export async function expectAlert(sensor: CappedRun, rule: string, act: () => Promise<number>): Promise<{ alert: AlertLine; pids: number[] }> {
  const pids: number[] = [];
  for (let attempt = 0; attempt < 8; attempt++) {
    pids.push(await act());
    const end = Date.now() + 1500;
    while (Date.now() < end) {
      const alert = ofPids(sensor.alerts(), rule, pids);
      if (alert) return { alert, pids };
      if (sensor.child.exitCode !== null) throw new Error(`sensor exited (${sensor.child.exitCode}):\n${sensor.stderr().slice(-3000)}`);
      await sleep(50);
    }
  }
  throw new Error(`no "${rule}" alert for pids ${pids.join(',')}; sensor stderr (tail):\n${sensor.stderr().slice(-3000)}`);
}
