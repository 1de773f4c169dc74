// Issue 8's figures against the production path: the real `sensor run`
// (default rules, every gadget, stdout alerts) as a child process.
//  a. the highest rate of opens, all of them through enrichment and the
//     rules (a path a rule watches), that the sensor takes without drops;
//  b. workload slowdown, sensor off vs on, alternately: an open loop on a
//     file no rule watches, an exec loop, a connect loop, a mixed loop;
//  c. the sensor's CPU and RSS at idle and at a steady 10k opens/s;
//  f. a burst of 1M opens with exec and security syscalls going on: drops
//     per ring (from /metrics), which must be zero for exec and security.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { finished, FILEOPS, HELPER_DIR, loopNsPerOp, OPENRATE, start } from './children';
import { NETOPS } from './connect';
import { startSensorChild, type SensorChild } from './sensor-child';
import { median, progress, scaled, sleep } from './util';

export const PROCOPS = path.join(HELPER_DIR, 'procops');
const SECOPS = path.join(HELPER_DIR, 'secops');

export interface LoadSlowdown {
  label: string;
  command: string;
  base: number[];
  traced: number[];
  baseMedian: number;
  tracedMedian: number;
  ratio: number;
  aim?: number;
}

export interface ResourceUse {
  label: string;
  seconds: number;
  cpuShare: number;
  rssBytes: number;
  rssParts: { anon: number; file: number; shmem: number };
  events: number;
}

export interface BurstResult {
  opens: number;
  execs: number;
  seconds: number;
  dropsByRing: Record<string, number>;
  recordsByRing: Record<string, number>;
}

export interface RateStep {
  offered: number;
  /** Events of the generators' target path the sensor read per second. */
  achieved: number;
  drops: number;
  cpuShare: number;
}

export interface SuiteBench {
  /** Steps of the zero-drop search, in order; the last may have dropped. */
  throughput: RateStep[];
  slowdown: LoadSlowdown[];
  resources: ResourceUse[];
  burst: BurstResult;
}

async function timed(bin: string, args: string[]): Promise<number> {
  return loopNsPerOp(await finished(start(bin, args), path.basename(bin)));
}

async function slowdownOf(label: string, bin: string, args: string[], repeats: number, aim?: number): Promise<LoadSlowdown> {
  const base: number[] = [];
  const traced: number[] = [];
  for (let i = 0; i < repeats; i++) {
    base.push(await timed(bin, args));
    const s = await startSensorChild(['--dedupe-window', '10s']);
    try {
      await sleep(500);
      traced.push(await timed(bin, args));
    } finally {
      await s.stop();
    }
    progress(`suite: ${label} ${i + 1}/${repeats}: ${base[i].toFixed(0)} ns/iteration without the sensor, ${traced[i].toFixed(0)} with it`);
  }
  const bm = median(base);
  const tm = median(traced);
  return { label, command: `${path.basename(bin)} ${args.join(' ')}`, base, traced, baseMedian: bm, tracedMedian: tm, ratio: tm / bm, ...(aim !== undefined ? { aim } : {}) };
}

async function eventsRead(s: SensorChild): Promise<number> {
  return (await s.metrics()).filter((x) => x.name === 'kestrel_events_total').reduce((a, x) => a + x.value, 0);
}

async function use(s: SensorChild, label: string, seconds: number, load?: () => Promise<unknown>): Promise<ResourceUse> {
  const e0 = await eventsRead(s);
  const c0 = s.cpuS();
  const t0 = Date.now();
  await Promise.all([sleep(seconds * 1000), load?.()]);
  const wall = (Date.now() - t0) / 1000;
  const cpu = s.cpuS() - c0;
  return { label, seconds: wall, cpuShare: cpu / wall, rssBytes: s.rss(), rssParts: s.rssParts(), events: (await eventsRead(s)) - e0 };
}

/** A directory the watching rule covers and a file in it: opens of it leave the kernel and are judged. */
export function watchedDir(prefix: string): { dir: string; file: string; rule: string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const file = path.join(dir, 'watched');
  fs.writeFileSync(file, 'x\n');
  const rule = path.join(dir, 'rule.yaml');
  fs.writeFileSync(rule, watchingRule(dir));
  return { dir, file, rule, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** At idle, then at 10k opens/s of a watched file (each one read, enriched and judged). */
async function resources(): Promise<ResourceUse[]> {
  const w = watchedDir('bench-resources-');
  const s = await startSensorChild(['--rules', w.rule]);
  const target = w.file;
  try {
    await sleep(3000); // start-up work (seeding, JIT) is not idle
    const idle = await use(s, 'idle', 10);
    progress(`suite: idle: ${(100 * idle.cpuShare).toFixed(1)}% of a core, RSS ${(idle.rssBytes / 2 ** 20).toFixed(0)} MiB`);
    const rate = 10_000;
    const busy = await use(s, `${rate} watched opens/s`, 10, () => finished(start(OPENRATE, [String(rate), String(rate * 10), target]), 'openrate'));
    progress(`suite: ${rate}/s: ${(100 * busy.cpuShare).toFixed(1)}% of a core, RSS ${(busy.rssBytes / 2 ** 20).toFixed(0)} MiB`);
    return [idle, busy];
  } finally {
    await s.stop();
    w.remove();
  }
}

function byRing(samples: { name: string; labels: Record<string, string>; value: number }[], name: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of samples) if (x.name === name) out[x.labels.ring] = (out[x.labels.ring] ?? 0) + x.value;
  return out;
}

/** Opens of a watched file (so they all reach the file ring) with execs and security syscalls going on. */
async function burst(opens: number): Promise<BurstResult> {
  const w = watchedDir('bench-burst-');
  const target = w.file;
  const s = await startSensorChild(['--dedupe-window', '10s', '--rules', w.rule]);
  try {
    const m0 = await s.metrics();
    const t0 = Date.now();
    const half = Math.round(opens / 2);
    const gens = [start(FILEOPS, ['loop', String(half), target]), start(FILEOPS, ['loop', String(opens - half), target])];
    // Exec and security events while the opens flood: they must all arrive.
    const execs = 200;
    const side = (async () => {
      await finished(start(PROCOPS, ['execloop', String(execs), '/bin/true']), 'procops execloop');
    })();
    const security = (async () => {
      for (let i = 0; i < 50; i++) await start(SECOPS, ['ptrace-traceme']).done;
    })();
    for (const g of gens) await finished(g, 'fileops loop');
    await side;
    await security;
    const seconds = (Date.now() - t0) / 1000;
    await sleep(2000);
    const m1 = await s.metrics();
    const d0 = byRing(m0, 'kestrel_kernel_drops_total');
    const d1 = byRing(m1, 'kestrel_kernel_drops_total');
    const r0 = byRing(m0, 'kestrel_ring_records_total');
    const r1 = byRing(m1, 'kestrel_ring_records_total');
    const dropsByRing: Record<string, number> = {};
    const recordsByRing: Record<string, number> = {};
    for (const k of Object.keys(d1)) dropsByRing[k] = d1[k] - (d0[k] ?? 0);
    for (const k of Object.keys(r1)) recordsByRing[k] = r1[k] - (r0[k] ?? 0);
    return { opens, execs, seconds, dropsByRing, recordsByRing };
  } finally {
    await s.stop();
    w.remove();
  }
}

/** A rule that looks at every open of `dir` and never fires: the events
 *  pass any in-kernel filter and are judged, but raise nothing. */
export function watchingRule(dir: string): string {
  return `- rule: Benchmark watched directory
  desc: Looks at every open below the benchmark's directory; fires for no process (bench/suite.ts).
  events: [open]
  condition:
    all:
      - { fact: fd.name, operator: pathPrefix, value: ${JSON.stringify(dir)} }
      - { fact: proc.name, operator: equal, value: no-such-process-name }
  output: never | file=%fd.name
  priority: Debug
  tags: [benchmark]
`;
}

export async function throughput(): Promise<RateStep[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-watched-'));
  const file = path.join(dir, 'watched');
  fs.writeFileSync(file, 'x\n');
  fs.writeFileSync(path.join(dir, 'rule.yaml'), watchingRule(dir));
  const s = await startSensorChild(['--rules', path.join(dir, 'rule.yaml')]);
  const steps: RateStep[] = [];
  try {
    for (const rate of [25_000, 50_000, 100_000, 150_000, 200_000, 300_000]) {
      const secs = 3;
      const gens = rate > 100_000 ? 2 : 1;
      const m0 = await s.metrics();
      const c0 = s.cpuS();
      const t0 = Date.now();
      await Promise.all(
        Array.from({ length: gens }, () => finished(start(OPENRATE, [String(rate / gens), String(Math.round((rate / gens) * secs)), file]), 'openrate')),
      );
      await sleep(1500); // the reader catches up
      const wall = (Date.now() - t0) / 1000;
      const m1 = await s.metrics();
      const sumOf = (m: typeof m0, name: string): number => m.filter((x) => x.name === name).reduce((a, x) => a + x.value, 0);
      const drops = sumOf(m1, 'kestrel_kernel_drops_total') - sumOf(m0, 'kestrel_kernel_drops_total');
      const evaluated = sumOf(m1, 'kestrel_rule_evaluated_events_total') - sumOf(m0, 'kestrel_rule_evaluated_events_total');
      const step = { offered: rate, achieved: evaluated / secs, drops, cpuShare: (s.cpuS() - c0) / wall };
      steps.push(step);
      progress(`suite: ${rate} watched opens/s offered: ${Math.round(step.achieved)}/s judged, ${drops} drops, sensor ${(100 * step.cpuShare).toFixed(0)}% of a core`);
      if (drops > 0) break;
    }
  } finally {
    await s.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return steps;
}

export async function benchSuite(target: string): Promise<SuiteBench> {
  const tp = await throughput();
  const slowdown: LoadSlowdown[] = [];
  slowdown.push(await slowdownOf('open loop on an unwatched file', FILEOPS, ['loop', String(scaled(500_000)), target], 3, 0.05));
  slowdown.push(await slowdownOf('exec loop (fork, execve /bin/true, wait)', PROCOPS, ['execloop', String(scaled(2000)), '/bin/true'], 3, 0.1));
  slowdown.push(await slowdownOf('connect loop on loopback', NETOPS, ['connloop', String(scaled(10_000))], 3));
  slowdown.push(await slowdownOf('mixed: one exec then 100 opens', PROCOPS, ['mixed', String(scaled(1000)), '/bin/true', target], 3));
  const res = await resources();
  const b = await burst(scaled(1_000_000));
  progress(`suite: burst of ${b.opens} opens: drops ${JSON.stringify(b.dropsByRing)}`);
  return { throughput: tp, slowdown, resources: res, burst: b };
}
