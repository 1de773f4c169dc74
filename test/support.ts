// Shared by the kernel tests: the BPF precondition, the built helpers, and a
// harness that runs `sensor trace` as a child process and parses its output.
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');
export const SENSOR = path.join(ROOT, 'dist/sensor/cli/main.js');
export const HELPERS = path.join(ROOT, 'dist/helpers');

/** Why BPF cannot run here, or null when it can. */
export function bpfUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'not running as root';
  if (!existsSync('/sys/kernel/btf/vmlinux')) return 'the kernel has no BTF (/sys/kernel/btf/vmlinux)';
  return null;
}

/**
 * Call in a `before` hook of every kernel suite. In CI a missing capability
 * fails the run; elsewhere the suite is skipped with a loud message.
 */
export function requireBpf(ctx: Mocha.Context): void {
  const why = bpfUnavailable();
  if (!why) return;
  if (process.env.CI) throw new Error(`kernel tests need BPF but ${why} (CI is set, so this fails)`);
  process.stderr.write(`\n!!! SKIPPING kernel tests: ${why}. Run as root on a kernel with BTF.\n\n`);
  ctx.skip();
}

export type Fields = Record<string, unknown>;

export interface TraceResult {
  events: Fields[];
  lines: string[];
  stderr: string;
  code: number | null;
}

export interface RunningTrace {
  child: ChildProcess;
  /** Signal the tracer after letting late records arrive; resolve with its output. */
  stop(settleMs?: number, signal?: NodeJS.Signals): Promise<TraceResult>;
  /** Events seen so far. */
  events(): Fields[];
}

/** Start `sensor trace ARGS` and resolve once it reports it is tracing. */
export function startTrace(args: string[], timeoutMs = 20000): Promise<RunningTrace> {
  const child = spawn(process.execPath, [SENSOR, 'trace', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const parse = (): Fields[] =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Fields);
  const running: RunningTrace = {
    child,
    events: parse,
    async stop(settleMs = 300, signal: NodeJS.Signals = 'SIGINT') {
      await sleep(settleMs);
      if (child.exitCode === null) child.kill(signal);
      const code = await exited;
      return { events: parse(), lines: out.split('\n').filter(Boolean), stderr: err, code };
    },
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`sensor trace did not start within ${timeoutMs} ms; stderr:\n${err}`));
    }, timeoutMs);
    const check = (): void => {
      if (err.includes('"msg":"tracing"')) {
        clearTimeout(timer);
        child.stderr!.off('data', check);
        resolve(running);
      }
    };
    child.stderr!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`sensor trace exited (${code}) before tracing; stderr:\n${err}`));
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export interface Ran {
  pid: number;
  stdout: string;
  status: number | null;
  signal: NodeJS.Signals | null;
}

/** Run a command to completion; its pid is the one its events carry. */
export function run(cmd: string, args: string[], opts: { cwd?: string } = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.on('error', reject);
    child.on('exit', (status, signal) => resolve({ pid: child.pid!, stdout, status, signal }));
  });
}

export function sh(script: string, opts: { cwd?: string } = {}): Promise<Ran> {
  return run('/bin/sh', ['-c', script], opts);
}

export function helper(name: string): string {
  return path.join(HELPERS, name);
}

/** The loss a tracer reported, to explain a missing event. */
export function lossNote(r: TraceResult): string {
  const m = /"msg":"stopped; events were lost"/.test(r.stderr);
  return m ? ' (the tracer reported lost events: is another process flooding the machine?)' : '';
}

/** Events of one process, optionally of one evt.type. */
export function ofPid(events: Fields[], pid: number, type?: string): Fields[] {
  return events.filter((e) => e['proc.pid'] === pid && (type === undefined || e['evt.type'] === type));
}

export function capture(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}
