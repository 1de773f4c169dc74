// The real `sensor run` as a child process for the benchmark: started with
// the default rules, stdout alerts counted and discarded, /metrics on a free
// local port; its CPU time and RSS read from /proc.
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { freePort, scrape, type Sample } from '../test/run/prom';
import { sleep } from './util';

const SENSOR = path.resolve(__dirname, '../sensor/cli/main.js');
const CLK_TCK = 100;

export interface SensorChild {
  pid: number;
  port: number;
  alerts(): number;
  /** utime + stime of the sensor process so far, seconds. */
  cpuS(): number;
  /** Resident set size now, bytes. */
  rss(): number;
  /** VmRSS split as /proc/<pid>/status gives it: heap and stacks, mapped files, shared memory (bytes). */
  rssParts(): { anon: number; file: number; shmem: number };
  metrics(): Promise<Sample[]>;
  stop(): Promise<Record<string, unknown> | undefined>;
}

export async function startSensorChild(extra: string[] = []): Promise<SensorChild> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [SENSOR, 'run', '--no-k8s', '--node-name', 'bench-node', '--metrics-addr', `127.0.0.1:${port}`, '--log-level', 'info', ...extra],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let alerts = 0;
  let ready = false;
  let stopped: Record<string, unknown> | undefined;
  let err = '';
  createInterface({ input: child.stdout! }).on('line', () => alerts++);
  createInterface({ input: child.stderr! }).on('line', (l) => {
    if (l.includes('"msg":"ready"')) ready = true;
    if (l.includes('"msg":"stopped')) stopped = JSON.parse(l) as Record<string, unknown>;
    if (l.includes('"level":50') || !l.startsWith('{')) err += l + '\n';
  });
  const end = Date.now() + 60_000;
  while (!ready) {
    if (child.exitCode !== null || Date.now() > end) {
      child.kill('SIGKILL');
      throw new Error(`sensor run did not become ready: ${err}`);
    }
    await sleep(50);
  }
  const pid = child.pid!;
  const stat = (): string[] => fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return {
    pid,
    port,
    alerts: () => alerts,
    cpuS: () => {
      const f = stat();
      return (Number(f[11]) + Number(f[12])) / CLK_TCK; // utime, stime (fields 14, 15)
    },
    rss: () => Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) * 1024,
    rssParts: () => {
      const st = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
      const kb = (k: string): number => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(st)?.[1] ?? NaN) * 1024;
      return { anon: kb('RssAnon'), file: kb('RssFile'), shmem: kb('RssShmem') };
    },
    metrics: () => scrape(port),
    async stop() {
      child.kill('SIGTERM');
      const until = Date.now() + 30_000;
      while (child.exitCode === null && Date.now() < until) await sleep(50);
      if (child.exitCode === null) child.kill('SIGKILL');
      await sleep(100);
      return stopped;
    },
  };
}
