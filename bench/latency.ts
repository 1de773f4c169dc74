// Alert latency under background load (issues 6 and 8 e): the real
// `sensor run` as a child process, default rules plus one marker rule,
// alerts to stdout and to a 3-broker Kafka mock (acks -1), while a paced
// generator opens a watched file (judged, never firing) 10,000 times a second. A marker process
// creates files the marker rule watches, 100 a second. Latency is from the
// event (the kernel's timestamp at the syscall, the alert's `time`) to:
//  - stdout: the line read by this process from the sensor's stdout pipe;
//  - Kafka: the broker's acknowledgement, as the sensor's Kafka sink
//    measured it (its stopped summary).
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { MockCluster, mockUnavailable, startMockCluster } from '../test/kafka/mock-cluster';
import { finished, OPENRATE, start } from './children';
import { watchingRule } from './suite';
import { progress, scaled, sleep } from './util';

const SENSOR = path.resolve(__dirname, '../sensor/cli/main.js');
const MARK_RULE = 'Benchmark marker file created';

export interface LatencyFigures {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export interface LatencyBench {
  markers: number;
  markerRate: number;
  backgroundRate: number;
  /** Opens the background generator completed, and its worst lag behind schedule (ms). */
  backgroundDone: number;
  backgroundLagMs: number;
  /** Marker alerts read from stdout (all must arrive). */
  stdout: LatencyFigures;
  /** Every alert the Kafka sink delivered during the run (the markers and any other). */
  kafka: LatencyFigures;
  kafkaDelivered: number;
  kernelDrops: number;
  sinkDropped: Record<string, number>;
  seconds: number;
}

/** RFC 3339 with nanoseconds -> ms since the epoch, keeping the fraction. */
export function timeMs(s: string): number {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(s);
  if (!m) return NaN;
  return Date.parse(`${m[1]}Z`) + (m[2] ? Number(`0.${m[2]}`) * 1000 : 0);
}

function percentiles(xs: number[]): LatencyFigures {
  const s = [...xs].sort((a, b) => a - b);
  const at = (p: number): number => (s.length ? s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)] : NaN);
  return { count: s.length, p50: at(0.5), p99: at(0.99), max: s.length ? s[s.length - 1] : NaN };
}

const RULE = (dir: string): string => `- rule: ${MARK_RULE}
  desc: A file created in the benchmark's marker directory (bench/latency.ts).
  events: [open]
  condition:
    all:
      - { fact: evt.is_open_write, operator: equal, value: true }
      - { fact: fd.name, operator: pathPrefix, value: ${JSON.stringify(dir)} }
  output: Benchmark marker %fd.name | file=%fd.name proc=%proc.name
  priority: Notice
  tags: [benchmark]
`;

/** A node child that creates `n` files in `dir`, `rate` a second, on schedule. */
const MARKER_SCRIPT = `
const fs = require('fs'); const [dir, n, rate] = process.argv.slice(1); const t0 = Date.now();
let i = 0;
(function next() {
  while (i < +n && Date.now() >= t0 + (i * 1000) / +rate) { fs.closeSync(fs.openSync(dir + '/m' + i, 'w')); i++; }
  if (i < +n) setTimeout(next, Math.max(0, t0 + (i * 1000) / +rate - Date.now())); else process.stdout.write(String(i));
})();`;

async function waitFor(what: string, ms: number, fn: () => boolean): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`latency bench: timed out waiting for ${what}`);
    await sleep(20);
  }
}

export async function benchLatency(): Promise<LatencyBench> {
  const why = mockUnavailable();
  if (why) throw new Error(`latency bench: ${why}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-latency-'));
  const marks = path.join(dir, 'marks');
  fs.mkdirSync(marks);
  // The background load is opens the sensor reads and judges (a rule looks
  // at them and never fires): with the kernel filter, opens of a file no
  // rule watches would not reach it at all.
  const bgDir = path.join(dir, 'background');
  fs.mkdirSync(bgDir);
  const bgFile = path.join(bgDir, 'watched');
  fs.writeFileSync(bgFile, 'x\n');
  fs.writeFileSync(path.join(dir, 'rules.yaml'), RULE(marks) + '\n' + watchingRule(bgDir));
  let mc: MockCluster | undefined;
  let child: ChildProcess | undefined;
  try {
    mc = await startMockCluster(3);
    await mc.createTopic('bench-alerts', 6, 3);
    const args = [
      SENSOR, 'run', '--rules', path.join(dir, 'rules.yaml'), '--no-k8s', '--node-name', 'bench-node', '--no-reload',
      '--sink', 'stdout', '--sink', 'kafka', '--kafka-brokers', mc.bootstrap, '--kafka-topic', 'bench-alerts',
      '--kafka-idempotent=false', '--dedupe-window', '0', '--rate-limit', '0', '--metrics-addr', 'off', '--log-level', 'info',
    ];
    const c = (child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
    const lat: number[] = [];
    let ready = false;
    let stopped: Record<string, any> | undefined;
    let errText = '';
    createInterface({ input: c.stdout! }).on('line', (l) => {
      const now = Date.now();
      if (!l.includes(MARK_RULE)) return;
      try {
        const a = JSON.parse(l) as { rule: string; time: string };
        if (a.rule === MARK_RULE) lat.push(now - timeMs(a.time));
      } catch {
        // not an alert line
      }
    });
    createInterface({ input: c.stderr! }).on('line', (l) => {
      try {
        const j = JSON.parse(l) as { msg?: string };
        if (j.msg === 'ready') ready = true;
        if (typeof j.msg === 'string' && j.msg.startsWith('stopped')) stopped = j;
        if ((j as { level?: number }).level !== undefined && (j as { level: number }).level >= 50) errText += l + '\n';
      } catch {
        errText += l + '\n';
      }
    });
    await waitFor('the sensor to be ready', 60_000, () => ready || c.exitCode !== null);
    if (!ready) throw new Error(`latency bench: the sensor exited before ready: ${errText}`);

    const markerRate = 100;
    const markers = scaled(1000);
    const bgRate = 10_000;
    const seconds = markers / markerRate;
    progress(`latency: ${markers} marker alerts at ${markerRate}/s over ${seconds} s, background ${bgRate} opens/s, stdout + Kafka (3 brokers, acks -1)`);
    const bg = start(OPENRATE, [String(bgRate), String(Math.round(bgRate * (seconds + 2))), bgFile]);
    await sleep(1000);
    const t0 = Date.now();
    const marker = spawn(process.execPath, ['-e', MARKER_SCRIPT, marks, String(markers), String(markerRate)], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => marker.once('exit', () => resolve()));
    await waitFor(`all ${markers} marker alerts on stdout (have ${lat.length})`, 30_000, () => lat.length >= markers);
    const bgDone = await finished(bg, 'background openrate');
    const m = /^(\d+) (\d+) (\d+) (\d+)\s*$/.exec(bgDone.stdout.trim());
    // Let the last batches reach Kafka, then stop: the summary has the sink's figures.
    await sleep(1000);
    c.kill('SIGTERM');
    await waitFor('the sensor to stop', 30_000, () => c.exitCode !== null);
    await waitFor('the stopped summary', 2000, () => stopped !== undefined);
    const s = stopped!;
    const k = s.sinks?.kafka ?? {};
    const kl = k.latencyMs ?? {};
    return {
      markers,
      markerRate,
      backgroundRate: bgRate,
      backgroundDone: m ? Number(m[2]) : NaN,
      backgroundLagMs: m ? Number(m[4]) / 1e6 : NaN,
      stdout: percentiles(lat),
      kafka: { count: kl.count ?? 0, p50: kl.p50 ?? NaN, p99: kl.p99 ?? NaN, max: kl.max ?? NaN },
      kafkaDelivered: k.delivered ?? 0,
      kernelDrops: s.drops ?? NaN,
      sinkDropped: s.sink?.dropped ?? {},
      seconds: (Date.now() - t0) / 1000,
    };
  } finally {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await mc?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  benchLatency().then(
    (r) => process.stdout.write(`${JSON.stringify(r, null, 2)}\n`),
    (e: Error) => {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    },
  );
}
