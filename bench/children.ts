// The C generators the benchmark drives (dist/helpers), run as child
// processes so the sensor in this process traces them. Every child is
// remembered until it exits so an interrupted run can end exactly those.
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';

export const HELPER_DIR = path.resolve(__dirname, '../helpers');
export const FILEOPS = path.join(HELPER_DIR, 'fileops');
export const OPENRATE = path.join(HELPER_DIR, 'openrate');

const running = new Set<ChildProcess>();

export interface Finished {
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** process.hrtime.bigint() when the exit was seen. */
  endedAt: bigint;
}

export interface Started {
  pid: number;
  done: Promise<Finished>;
}

export function missingHelpers(): string[] {
  return [FILEOPS, OPENRATE, path.join(HELPER_DIR, 'netops'), path.join(HELPER_DIR, 'procops'), path.join(HELPER_DIR, 'secops')].filter((p) => !existsSync(p));
}

/** Start a helper; its pid is known at once so events can be matched. */
export function start(bin: string, args: string[]): Started {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`cannot start ${bin}`);
  const pid = child.pid;
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<Finished>((resolve, reject) => {
    child.once('error', (err) => {
      running.delete(child);
      reject(err);
    });
    child.once('close', (code, signal) => {
      running.delete(child);
      resolve({ pid, code, signal, stdout, stderr, endedAt: process.hrtime.bigint() });
    });
  });
  return { pid, done };
}

/** Wait for a helper and insist that it succeeded. */
export async function finished(s: Started, what: string): Promise<Finished> {
  const f = await s.done;
  if (f.code !== 0) {
    throw new Error(`${what} (pid ${f.pid}) failed: exit ${f.code ?? f.signal}: ${f.stderr.trim()}`);
  }
  return f;
}

/** `fileops loop N PATH` -> nanoseconds per open+close, as it measured. */
export function loopNsPerOp(f: Finished): number {
  const m = /^(\d+) ([\d.]+)\s*$/.exec(f.stdout.trim());
  if (!m) throw new Error(`unexpected fileops output: ${JSON.stringify(f.stdout)}`);
  return Number(m[2]);
}

export interface RateResult {
  done: number;
  elapsedNs: number;
  maxLagNs: number;
}

/** `openrate RATE N PATH` -> what it did. */
export function rateResult(f: Finished): RateResult {
  const m = /^(\d+) (\d+) (\d+) (\d+)\s*$/.exec(f.stdout.trim());
  if (!m) throw new Error(`unexpected openrate output: ${JSON.stringify(f.stdout)}`);
  return { done: Number(m[2]), elapsedNs: Number(m[3]), maxLagNs: Number(m[4]) };
}

/** End the helpers this run started (by their own pids), e.g. on Ctrl-C. */
export function killAll(): void {
  for (const c of running) c.kill('SIGKILL');
}
