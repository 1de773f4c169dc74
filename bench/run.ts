// `npm run bench`: measures the kernel event pipeline on this machine and
// writes BENCHMARKS.md (overwritten each run) plus a summary on stdout;
// progress goes to stderr. Needs root and a kernel with BPF and BTF.
//
// Stages: 1. the reader alone (drain of a pre-filled ring), 2. end to end
// against open-loop generators at full speed and at a few steady rates, with
// a search for the highest rate without kernel drops if a full-speed run
// dropped, 3. the generator's slowdown with the sensor attached, 4. time
// inside the BPF programs per open, 5. a connect loop with and without the
// sensor, 6. enrichment (process, cgroup and pod caches) at the scale of a
// busy node: RSS and the cost per event, no BPF, 7. the rule engine against
// json-rules-engine and by ruleset size, 8. alerts to the Kafka mock cluster,
// 9. alert latency from the syscall to stdout and to the Kafka ack, under load,
// 10. through the real `sensor run`: workload slowdown (open, exec, connect,
// mixed loops), CPU and RSS idle and at 10k/s, a burst of 1M opens.
//
// Knobs for trying the benchmark itself, not for published figures:
//   BENCH_SCALE=0.1      scale every operation count
//   BENCH_E2E_RING=BYTES ring size for stage 2 (a small one provokes drops)
//   BENCH_OUT=FILE       write the report elsewhere than BENCHMARKS.md
//   BENCH_LOG_LEVEL=...  the sensor's own log level (default error)
import { connectLoop } from './connect';
import { cleanupEnrich, enrichmentCost } from './enrich';
import { existsSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { bpfCost, bpfCostFiltered, restoreBpfStats } from './bpfstats';
import { killAll, missingHelpers } from './children';
import { describeRun, LoadRun, runLoad, zeroDropSearch } from './e2e';
import { cpuShare, cpuSnapshot, machine, otherBpfHolders } from './machine';
import { benchKafka } from './kafka';
import { benchLatency } from './latency';
import { benchSuite } from './suite';
import { readerThroughput } from './reader';
import { benchRules } from './rules';
import { BenchData, markdown, summary } from './report';
import { slowdown } from './slowdown';
import { Sensor, startSensor, Tap } from './tap';
import { progress, scaled, secs, sleep } from './util';

const TARGET = '/tmp/bench-file';
const READER_RING = 64 * 1024 * 1024;
const ROOT = path.resolve(__dirname, '../..');

class Unfit extends Error {}

async function preflight(): Promise<void> {
  if (process.platform !== 'linux') throw new Unfit('the benchmark needs Linux (eBPF)');
  if (process.getuid?.() !== 0) {
    throw new Unfit('the benchmark loads BPF programs and must run as root (e.g. sudo npm run bench)');
  }
  if (!existsSync('/sys/kernel/btf/vmlinux')) {
    throw new Unfit('this kernel has no BTF (/sys/kernel/btf/vmlinux); the CO-RE programs cannot load');
  }
  const missing = missingHelpers();
  if (missing.length) throw new Unfit(`missing helper programs ${missing.join(', ')}; run "bash scripts/bootstrap.sh"`);
  let s: Sensor;
  try {
    s = startSensor(new Tap(TARGET));
  } catch (err) {
    const msg = (err as Error).message;
    if (process.env.BENCH_LOG_LEVEL) process.stderr.write(`${msg}\n`);
    throw new Unfit(`BPF is not usable here: ${msg.split('\n')[0]}` + (process.env.BENCH_LOG_LEVEL ? '' : ' (BENCH_LOG_LEVEL=debug shows the libbpf log)'));
  }
  await s.source.stop();
}

function e2eRing(): number | undefined {
  const v = process.env.BENCH_E2E_RING;
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 4096 || (n & (n - 1)) !== 0) throw new Unfit(`BENCH_E2E_RING must be a power of two >= 4096, not ${v}`);
  return n;
}

const STEADY_RATES = [1000, 10_000, 50_000];
const STEADY_S = 2;

async function endToEnd(
  ringSize: number | undefined,
  parallel: number,
): Promise<{ runs: LoadRun[]; steady: LoadRun[]; search: LoadRun[]; ringSize: number }> {
  const s = startSensor(new Tap(TARGET), ringSize);
  try {
    const size = s.stats().rings[0].size;
    progress(`e2e: sensor reading normally, ring ${size >> 20 || size} ${size >> 20 ? 'MiB' : 'bytes'}`);
    const runs: LoadRun[] = [];
    runs.push(await runLoad(s, TARGET, 'one generator, full speed', 1, scaled(1_000_000)));
    progress(`e2e: ${describeRun(runs[0])}`);
    if (parallel > 1) {
      runs.push(await runLoad(s, TARGET, `${parallel} generators, full speed`, parallel, scaled(1_000_000 / parallel)));
      progress(`e2e: ${describeRun(runs[1])}`);
    }
    // What reading costs the agent at everyday rates, where wake-ups dominate.
    const steady: LoadRun[] = [];
    for (const r of STEADY_RATES) {
      const run = await runLoad(s, TARGET, `steady ${r}/s`, 1, r * STEADY_S, r);
      progress(`e2e: ${describeRun(run)}; reader CPU ${((100 * run.readerCpuS) / run.elapsedS).toFixed(0)}% of a core`);
      steady.push(run);
    }
    let search: LoadRun[] = [];
    const failed = runs.find((r) => r.drops > 0);
    if (failed) {
      progress(`e2e: "${failed.label}" dropped ${failed.drops} events; stepping the rate down`);
      search = await zeroDropSearch(s, TARGET, failed.generators, failed.offeredRate, 75);
    }
    return { runs, steady, search, ringSize: size };
  } finally {
    await s.source.stop();
  }
}

async function main(): Promise<void> {
  const ring = e2eRing();
  await preflight();
  const started = process.hrtime.bigint();
  const m = machine();
  const othersStart = otherBpfHolders();
  if (!existsSync(TARGET)) writeFileSync(TARGET, 'kestrel benchmark target\n');
  // How busy the machine is without us, over one quiet second.
  const q0 = cpuSnapshot();
  await sleep(1000);
  const idleCheck = cpuShare(q0, cpuSnapshot(), m.nproc);
  progress(`${m.cpu}, ${m.nproc} cores, kernel ${m.kernel}, node ${m.node}; other work: ${idleCheck.otherCores.toFixed(2)} cores`);
  if (idleCheck.otherCores > 0.2) progress('warning: the machine is busy with other work; figures will be lower and noisier');
  const c0 = cpuSnapshot();

  // Other work during each stage, so a disturbed stage can be told apart.
  const stageOther: number[] = [];
  const stage = async <T>(title: string, fn: () => Promise<T>): Promise<T> => {
    progress(`stage ${stageOther.length + 1}/10: ${title}`);
    const a = cpuSnapshot();
    const v = await fn();
    const share = cpuShare(a, cpuSnapshot(), m.nproc);
    stageOther.push(share.otherCores);
    if (share.otherCores > 0.2) progress(`warning: other work kept ${share.otherCores.toFixed(2)} cores busy during this stage`);
    return v;
  };
  const reader = await stage('reader throughput (drain of a pre-filled ring)', () =>
    readerThroughput(TARGET, scaled(200_000), 5, READER_RING),
  );
  const parallel = Math.min(Math.max(m.nproc, 1), 4);
  const e2e = await stage('end to end against open-loop generators', () => endToEnd(ring, parallel));
  const slow = await stage('generator slowdown (open+close loop, with and without the sensor)', () =>
    slowdown(TARGET, scaled(1_000_000), 5),
  );
  const cost = await stage('time inside the BPF programs (kernel.bpf_stats_enabled)', () => bpfCost(TARGET, scaled(200_000)));
  // Same stage: the same loop with the default rules' interest set in force.
  const costFiltered = await bpfCostFiltered(TARGET, scaled(200_000)).catch((err: unknown) => ({ skipped: (err as Error).message }));
  const connect = await stage('connect loop (with and without the sensor)', () => connectLoop(scaled(20_000), 5));
  const enrich = await stage('enrichment with 10,000 pods and 100,000 processes (no BPF)', () =>
    enrichmentCost(10_000, 100_000, scaled(100_000)),
  );

  const rules = await stage('rule engine: default rules, json-rules-engine, 10/100/1,000 rules', () => benchRules());
  const kafka = await stage('alerts to the Kafka mock cluster', () =>
    benchKafka().catch((err: unknown) => ({ skipped: (err as Error).message })),
  );
  const latency = await stage('alert latency from the syscall to stdout and to the Kafka ack, under load', () =>
    benchLatency().catch((err: unknown) => ({ skipped: (err as Error).message })),
  );
  const suite = await stage('sensor run: workload slowdown, CPU and RSS, a burst of 1M opens', () =>
    benchSuite(TARGET).catch((err: unknown) => ({ skipped: (err as Error).message })),
  );

  const data: BenchData = {
    machine: m,
    target: TARGET,
    idleCheck,
    during: cpuShare(c0, cpuSnapshot(), m.nproc),
    stageOther,
    othersStart,
    othersEnd: otherBpfHolders(),
    reader,
    e2e: e2e.runs,
    steady: e2e.steady,
    search: e2e.search,
    e2eRing: e2e.ringSize,
    slowdown: slow,
    cost,
    costFiltered,
    connect,
    enrich,
    rules,
    kafka,
    latency,
    suite,
    totalS: secs(started, process.hrtime.bigint()),
    scale: process.env.BENCH_SCALE,
  };
  const out = process.env.BENCH_OUT ?? path.join(ROOT, 'BENCHMARKS.md');
  writeFileSync(out, markdown(data));
  // The raw figures beside the report: to compare runs, or to render the
  // report again (`node dist/bench/render.js FILE.json`) without re-measuring.
  writeFileSync(out.replace(/\.md$/, '') + '.json', JSON.stringify(data, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v), 1) + '\n');
  process.stdout.write(summary(data));
  progress(`wrote ${out} in ${data.totalS.toFixed(0)} s`);
}

function interrupted(sig: NodeJS.Signals): void {
  restoreBpfStats();
  cleanupEnrich();
  killAll();
  process.stderr.write(`bench: interrupted by ${sig}\n`);
  process.exit(130);
}

process.once('SIGINT', interrupted);
process.once('SIGTERM', interrupted);

main().catch((err: unknown) => {
  restoreBpfStats();
  cleanupEnrich();
  killAll();
  if (err instanceof Unfit) process.stderr.write(`bench: cannot run: ${err.message}\n`);
  else process.stderr.write(`bench: failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
