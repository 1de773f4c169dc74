// Turns the measurements into BENCHMARKS.md and the stdout summary. Every
// number here comes from the run; the only constants are the aim and the
// reference figures quoted from docs/environment.md.
import type { ConnectResult } from './connect';
import type { CostResult, EnrichResult, MemPoint } from './enrich';
import { DEFAULT_PROCESS_CACHE_OPTIONS } from '../sensor/enrich/process-types';
import type { BpfCostResult, FilteredCostResult } from './bpfstats';
import type { LoadRun } from './e2e';
import type { CpuShare, Machine } from './machine';
import type { ReaderResult, ReaderRound } from './reader';
import type { SlowdownResult } from './slowdown';
import { num, pct, rate } from './util';
import type { KafkaBench } from './kafka';
import { alertRows, kafkaMarkdown, latencyMarkdown, rulesMarkdown } from './report-alerts';
import type { LatencyBench } from './latency';
import { aimsMarkdown } from './report-aims';
import { suiteMarkdown, suiteRows } from './report-suite';
import type { SuiteBench } from './suite';
import type { RulesBench } from './rules';

const AIM = 300_000;
const ENV_LOOP_NS = 3100;
const ENV_TRACEPOINT_NS = 430;

export interface BenchData {
  machine: Machine;
  target: string;
  /** Other work on the machine in the second before the benchmark. */
  idleCheck: CpuShare;
  /** Other work on the machine while the benchmark ran. */
  during: CpuShare;
  /** Cores kept busy by other work during each stage, in order. */
  stageOther: number[];
  othersStart: { pid: number; comm: string; programs: number }[];
  othersEnd: { pid: number; comm: string; programs: number }[];
  reader: ReaderResult;
  e2e: LoadRun[];
  /** Rate-limited runs at everyday rates: what reading costs the agent. */
  steady: LoadRun[];
  search: LoadRun[];
  e2eRing: number;
  slowdown: SlowdownResult;
  cost: BpfCostResult | { skipped: string };
  /** Stage 4 again with the default rules' interest set: an unwatched open kept in the kernel. */
  costFiltered?: FilteredCostResult | { skipped: string };
  connect: ConnectResult;
  enrich: EnrichResult;
  rules: RulesBench;
  kafka: KafkaBench | { skipped: string };
  latency: LatencyBench | { skipped: string };
  suite: SuiteBench | { skipped: string };
  totalS: number;
  scale?: string;
}

type Row = [string, string, string];

function mib(bytes: number): string {
  return bytes >= 1 << 20 ? `${bytes / (1 << 20)} MiB` : `${num(bytes)} bytes`;
}

function us(ns: number): string {
  return `${num(ns / 1000, 2)} µs`;
}

function costOk(c: BenchData['cost']): c is BpfCostResult {
  return !('skipped' in c);
}

function mb(bytes: number): string {
  return `${num(bytes / (1 << 20), 1)} MiB`;
}

function signedMb(bytes: number): string {
  return `${bytes >= 0 ? '+' : ''}${mb(bytes)}`;
}

/** Increase of each memory point over the one before, by whose it is. */
function memShares(e: EnrichResult): { sensorRss: number; sensorHeap: number; benchRss: number; benchHeap: number; of: (label: RegExp) => MemPoint & { dRss: number; dHeap: number } } {
  const rows = e.memory.map((m, i) => ({ ...m, dRss: i ? m.rss - e.memory[i - 1].rss : 0, dHeap: i ? m.heapUsed - e.memory[i - 1].heapUsed : 0 }));
  const sum = (owner: MemPoint['owner'], k: 'dRss' | 'dHeap'): number => rows.filter((r) => r.owner === owner).reduce((a, r) => a + r[k], 0);
  return {
    sensorRss: sum('sensor', 'dRss'),
    sensorHeap: sum('sensor', 'dHeap'),
    benchRss: sum('bench', 'dRss'),
    benchHeap: sum('bench', 'dHeap'),
    of: (label) => rows.find((r) => label.test(r.label)) ?? { ...rows[0], dRss: NaN, dHeap: NaN },
  };
}

/** The point after both caches are full (the acceptance figure). */
function fullPoint(e: EnrichResult): MemPoint {
  return e.memory.find((m) => m.label.startsWith('ProcessCache filled')) ?? e.memory[e.memory.length - 1];
}

function scaleLabel(c: CostResult): string {
  return `${num(c.pods)} pods, ${num(c.processes)} processes`;
}

/** The highest rate-limited run without drops that reached its target. */
function bestZeroDrop(runs: LoadRun[]): LoadRun | undefined {
  return runs
    .filter((r) => r.drops === 0 && r.targetRate !== undefined && r.offeredRate >= 0.9 * r.targetRate)
    .sort((a, b) => b.offeredRate - a.offeredRate)[0];
}

function cpuPerEventNs(r: LoadRun): number {
  return (r.readerCpuS * 1e9) / Math.max(r.records, 1);
}

function drainCpuPerEventNs(r: ReaderResult): number {
  const cpu = r.rounds.reduce((a, x) => a + x.cpuS, 0);
  const recs = r.rounds.reduce((a, x) => a + x.records, 0);
  return (cpu * 1e9) / Math.max(recs, 1);
}

function figures(d: BenchData): Row[] {
  const r = d.reader;
  const s = d.slowdown;
  const rows: Row[] = [
    [
      `Reader throughput, wall time (drain of a pre-filled ring, median of ${r.rounds.length})`,
      rate(r.wallRate),
      `aim: reader well over 300k events/s on one core (${(r.wallRate / AIM).toFixed(2)}× the aim)`,
    ],
    ['Reader throughput per CPU second', rate(r.cpuRate), `aim: reader well over 300k events/s on one core (${(r.cpuRate / AIM).toFixed(2)}× the aim)`],
    ['Reader stage: kernel drops / decode errors / opens lost', `${num(r.drops)} / ${num(r.decodeErrors)} / ${num(r.lost)}`, 'all must be 0'],
  ];
  for (const e of d.e2e) {
    rows.push([
      `End to end, ${e.label}`,
      `${rate(e.rate)}: ${num(e.delivered)} events in ${e.elapsedS.toFixed(2)} s, ${num(e.drops)} kernel drops`,
      `generators offered ${rate(e.offeredRate)}; ring ${mib(d.e2eRing)}`,
    ]);
  }
  if (d.steady.length) {
    rows.push([
      `Agent CPU while reading a steady ${d.steady.map((e) => (e.targetRate! >= 1000 ? `${num(e.targetRate! / 1000)}k` : num(e.targetRate!))).join(' / ')} opens/s`,
      d.steady.map((e) => `${num((100 * e.readerCpuS) / e.elapsedS)}%`).join(' / ') + ' of a core',
      `${d.steady.map((e) => num(cpuPerEventNs(e) / 1000, 1)).join(' / ')} µs CPU per event; drops ${d.steady.map((e) => num(e.drops)).join(' / ')}`,
    ]);
  }
  const best = bestZeroDrop(d.search);
  if (d.search.length) {
    rows.push([
      'Highest rate-limited rate without kernel drops',
      best ? rate(best.offeredRate) : 'none found in the time allowed',
      `stepped down from ${rate(d.e2e.find((e) => e.drops > 0)?.offeredRate ?? NaN)}; see stage 2`,
    ]);
  } else {
    const top = Math.max(...d.e2e.map((e) => e.offeredRate));
    rows.push(['Highest rate without kernel drops', `≥ ${rate(top)}`, 'no run dropped: the generators could not offer more (see notes)']);
  }
  rows.push(
    [`open+close without the sensor (median of ${s.base.length} × ${num(s.iterations)})`, `${num(s.baseMedian)} ns`, `environment.md: about ${us(ENV_LOOP_NS)}`],
    [`open+close with the sensor attached and reading (median of ${s.traced.length})`, `${num(s.tracedMedian)} ns`, ''],
    [
      'Added by the sensor per open+close',
      `+${num(s.addedNs)} ns (${pct(s.ratio)}, ×${s.ratio.toFixed(2)})`,
      `environment.md: a bare openat tracepoint with a 168-byte ring copy added about ${ENV_TRACEPOINT_NS} ns (+14%)`,
    ],
    ['open+close with the programs attached but the reader paused (stage 1)', `${num(r.genNsPerOp)} ns`, 'no reader running, no wake-ups'],
  );
  const cost = d.cost;
  if (costOk(cost)) {
    const hit = cost.programs.filter((p) => p.runs >= cost.iterations / 2);
    rows.push([
      'Time inside the BPF programs per open',
      `${num(cost.perOpenNs)} ns`,
      hit.map((p) => `${p.name} ${num(p.avgNs)} ns`).join(' + ') || 'no program ran once per open',
    ]);
  } else {
    rows.push(['Time inside the BPF programs per open', 'not measured', cost.skipped]);
  }
  const cf = d.costFiltered;
  if (cf && !('skipped' in cf)) {
    rows.push([
      'Time inside the BPF programs per unwatched open, default rules\' interest set',
      `${num(cf.perOpenNs)} ns`,
      `${num(cf.filtered)} of ${num(cf.iterations)} opens kept in the kernel; the loop ran at ${num(cf.loopNsPerOp)} ns per open+close`,
    ]);
  }
  const c = d.connect;
  const lost = c.traced.reduce((n, t) => n + (2 * c.iterations - t.connects - t.accepts), 0);
  rows.push(
    [`connect loop without the sensor (median of ${c.base.length} × ${num(c.iterations)})`, `${num(c.baseMedian)} ns`, 'socket+connect+accept+close on loopback'],
    [`connect loop with connect and accept traced (median of ${c.traced.length})`, `${num(c.tracedMedian)} ns`, `connects and accepts not delivered: ${num(lost)}`],
    ['Added by the sensor per connection', `+${num(c.addedNs)} ns (${pct(c.ratio)}, ×${c.ratio.toFixed(2)})`, 'connect+accept programs on the syscall tracepoints'],
  );
  const e = d.enrich;
  const sh = memShares(e);
  const full = fullPoint(e);
  const pods = sh.of(/^PodCache synced/);
  const procs = sh.of(/^ProcessCache filled/);
  const lib = sh.of(/client-node loaded/);
  const cg = sh.of(/^CgroupResolver/);
  rows.push(
    [
      `Benchmark process RSS with ${num(e.pods)} pods and ${num(e.processes)} processes cached`,
      `${mb(full.rss)} (heap ${mb(full.heapUsed)})`,
      `issue 4: report RSS at this scale; includes the benchmark's own fake API server and process list (+${mb(sh.benchRss)} RSS) and what earlier stages left`,
    ],
    [
      'RSS added by the enrichment state at that scale',
      `+${mb(sh.sensorRss)} (heap +${mb(sh.sensorHeap)})`,
      `pod cache +${mb(pods.dRss)} (heap +${mb(pods.dHeap)}), process cache +${mb(procs.dRss)} (heap +${mb(procs.dHeap)}), ` +
        `client library +${mb(lib.dRss)} (heap +${mb(lib.dHeap)}), cgroup table heap +${mb(cg.dHeap)}, RSS after the timed events ${signedMb(sh.of(/enriched open events/).dRss)}; see stage 6`,
    ],
    [
      `Enricher.enrich() per open event, ${scaleLabel(e.large)} (median of ${e.large.rounds.length})`,
      `${num(e.large.enrichNs)} ns`,
      `${num(100 * e.large.containerShare)}% of events in containers, ${num(e.large.avgAncestors, 1)} ancestors on average`,
    ],
    [`enrich() + contextFields() per open event, ${scaleLabel(e.large)}`, `${num(e.large.fieldsNs)} ns`, `whole path with decode and toFields(): ${num(e.large.allNs)} ns`],
    [
      `The same with ${scaleLabel(e.small)}`,
      `${num(e.small.enrichNs)} ns / ${num(e.small.fieldsNs)} ns`,
      `large scale costs ×${(e.large.enrichNs / e.small.enrichNs).toFixed(1)} (enrich) and ×${(e.large.fieldsNs / e.small.fieldsNs).toFixed(1)} (with fields)`,
    ],
  );
  rows.push(...alertRows(d.rules, d.kafka, d.latency), ...suiteRows(d.suite));
  return rows;
}

function table(head: string[], rows: string[][]): string {
  const esc = (c: string): string => c.replace(/\|/g, '\\|');
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}

function readerRow(x: ReaderRound): string[] {
  return [
    x.label,
    num(x.records),
    num(x.events),
    `${num(x.loop)} / ${num(x.expectedLoop)}`,
    num(x.wallS * 1000, 1),
    num(x.cpuS * 1000, 1),
    rate(x.records / x.wallS),
    rate(x.records / x.cpuS),
    num(x.drops),
    num(x.decodeErrors),
    num(x.genNsPerOp),
  ];
}

function loadRow(e: LoadRun): string[] {
  return [
    e.label,
    `${e.generators} × ${num(e.opsEach)}`,
    e.targetRate === undefined ? 'full speed' : rate(e.targetRate),
    rate(e.offeredRate),
    num(e.delivered),
    `${num(e.loop)} / ${num(e.expected)}`,
    num(e.other),
    e.elapsedS.toFixed(2),
    rate(e.rate),
    num(e.tailMs, 1),
    num(e.drops),
    `${e.readerCpuS.toFixed(2)} (${num((100 * e.readerCpuS) / e.elapsedS)}%)`,
    num(cpuPerEventNs(e) / 1000, 2),
    num(e.wakeups),
    num(e.records / Math.max(e.wakeups, 1), 1),
  ];
}

const LOAD_HEAD = [
  'run',
  'generators × opens',
  'aimed rate',
  'offered rate',
  'generator events delivered',
  'target opens delivered / expected',
  "other processes' events",
  'elapsed s',
  'events/s',
  'last event delivered − generator exit seen, ms',
  'kernel drops',
  'reader CPU s (% of elapsed)',
  'reader CPU µs per event',
  'wake-ups',
  'records per wake-up',
];

function enrichNotes(e: EnrichResult): string[] {
  const out: string[] = [];
  const L = e.large;
  const S = e.small;
  const sh = memShares(e);
  const pods = sh.of(/^PodCache synced/);
  const procs = sh.of(/^ProcessCache filled/);
  const bad = [L, S].filter((c) => c.enricher.processMisses || c.enricher.podMisses || c.enricher.errors || c.cgroupProcReads || c.podMisses);
  if (bad.length) {
    out.push(
      `**Enrichment missed**: ${bad.map((c) => `${scaleLabel(c)}: ${num(c.enricher.processMisses)} process misses, ${num(c.enricher.podMisses)} pod misses, ` +
        `${num(c.enricher.errors)} errors, ${num(c.cgroupProcReads)} /proc reads`).join('; ')}. Every synthetic event should have found its process, container and pod.`,
    );
  }
  out.push(
    `Enrichment at ${scaleLabel(L)}: enrich() took ${num(L.enrichNs)} ns per open event against ${num(S.enrichNs)} ns with ${scaleLabel(S)} ` +
      `(×${(L.enrichNs / S.enrichNs).toFixed(1)}); the work per event is the same (a process lookup, ${num(L.avgAncestors, 1)} ancestors, the container ` +
      'cached per process, one pod lookup), so the difference is what tables this size cost in memory accesses and garbage collection. ' +
      `With decoding (${num(L.decodeNs)} ns) and toFields() (${num(L.toFieldsNs)} ns), an enriched open event as trace -o json builds it costs ` +
      `${num(L.allNs)} ns before serialisation: at most ${rateOf(L.allNs)} per core.`,
  );
  const cf = L.fieldsNs - L.enrichNs;
  if (cf > L.enrichNs) {
    out.push(
      `contextFields() costs more than enrich(): about ${num(cf)} of the ${num(L.fieldsNs)} ns (${num(S.fieldsNs - S.enrichNs)} ns at the small scale), ` +
        'for some 40 assignments. A likely cause, seen outside this benchmark: the ancestor fields are written under computed keys ' +
        '(`proc.aname[${i + 1}]`), which makes V8 turn the fields object into a slow dictionary, so every later assignment, ' +
        'and JSON.stringify() of it, takes the slow path.',
    );
  }
  out.push(
    `Memory per item at this scale (heap after a forced GC): ${num(pods.dHeap / e.pods)} bytes per pod in the pod cache ` +
      `(a pod is ${num(e.podJsonBytes)} bytes of JSON here), ${num(procs.dHeap / e.processes)} bytes per process in the process cache. ` +
      (Number.isFinite(e.build.podIndexHeap)
        ? `The PodIndex (what lookups return) accounts for ${mb(e.build.podIndexHeap)} of the pod cache's ${mb(pods.dHeap)}; the rest is the client library's informer, which keeps every pod object whole.`
        : ''),
  );
  if (e.processes > DEFAULT_PROCESS_CACHE_OPTIONS.maxEntries) {
    out.push(
      `The ProcessCache's default bound (maxEntries ${num(DEFAULT_PROCESS_CACHE_OPTIONS.maxEntries)}) is below ${num(e.processes)} processes: ` +
        `stage 6 raises it to ${num(e.processCacheEntries)}. With the defaults, a node this busy would evict live processes from the cache.`,
    );
  }
  if (!e.gc) out.push('Stage 6 could not force garbage collections: its memory figures include garbage.');
  return out;
}

function rateOf(nsPerEvent: number): string {
  return rate(1e9 / nsPerEvent);
}

function notes(d: BenchData): string[] {
  const out: string[] = [];
  const r = d.reader;
  const s = d.slowdown;
  const one = d.e2e[0];
  const lostNoDrop = [
    ...r.rounds.map((x) => ({ lost: x.expectedLoop - x.loop, drops: x.drops, what: `reader ${x.label}` })),
    ...[...d.e2e, ...d.steady, ...d.search, ...s.tracedRuns].map((x) => ({ lost: x.expected - x.loop, drops: x.drops, what: x.label })),
  ].filter((x) => x.lost > 0 && x.drops === 0);
  if (lostNoDrop.length) {
    out.push(
      `**Events missing without a counted drop**: ${lostNoDrop.map((x) => `${x.what}: ${num(x.lost)}`).join(', ')}. ` +
        'The sensor promises that whatever is lost is counted; this needs a look.',
    );
  }
  const decodeErrors = r.decodeErrors + [...d.e2e, ...d.steady, ...d.search, ...s.tracedRuns].reduce((a, x) => a + x.decodeErrors, 0);
  if (decodeErrors) out.push(`**Decode errors**: ${num(decodeErrors)} records could not be decoded.`);

  out.push(
    `Reader: draining ${num(r.opsPerRound)} generator opens (plus whatever else opened files meanwhile) took ` +
      `${us(drainCpuPerEventNs(r))} of CPU per record: ${rate(r.cpuRate)} per CPU second, ${rate(r.wallRate)} of wall time, ` +
      `${r.wallRate > AIM ? 'above' : 'below'} the aim of 300k/s. The time covers the ring walk, decoding into event objects ` +
      'and a counting handler; no enrichment, rules or output.',
  );

  const allClean = d.e2e.every((e) => e.drops === 0);
  if (allClean) {
    const top = d.e2e.reduce((a, e) => (e.offeredRate > a.offeredRate ? e : a));
    out.push(
      `End to end: no run dropped an event, so no rate search was needed. The rate is set by the generators, not by the reader: ` +
        `traced, one generator managed ${rate(one.offeredRate)} (untraced the same loop runs at ${rate(1e9 / s.baseMedian)}), ` +
        `because every traced open+close costs it ${num(s.addedNs)} ns more (stage 3). Zero drops are therefore shown only up to ` +
        `${rate(top.offeredRate)}: traced, the generators on this machine could not offer more.`,
    );
  } else {
    const best = bestZeroDrop(d.search);
    out.push(
      `End to end: ${d.e2e.filter((e) => e.drops > 0).map((e) => `"${e.label}" dropped ${num(e.drops)} of ${num(e.expected)}`).join('; ')}. ` +
        (best
          ? `Stepping the open-loop rate down, the highest rate without drops was ${rate(best.offeredRate)} (${best.generators} generator(s), ${num(best.expected)} opens).`
          : 'Stepping the rate down found no rate without drops in the time allowed.'),
    );
  }
  const drainNs = drainCpuPerEventNs(r);
  const liveNs = cpuPerEventNs(one);
  if (liveNs > 1.5 * drainNs) {
    out.push(
      `Reading live costs the agent much more per event than draining: ${us(liveNs)} of CPU per record in "${one.label}" ` +
        `(${num((100 * one.readerCpuS) / one.elapsedS)}% of a core for ${rate(one.rate)}) against ${us(drainNs)} in stage 1. ` +
        `Its epoll wait returned ${num(one.wakeups)} times for ${num(one.records)} records ` +
        `(${num(one.records / Math.max(one.wakeups, 1), 1)} per return); besides those, a 20 ms timer drains whatever is pending. ` +
        'The kernel wakes the reader only when a ring\'s backlog crosses 256 KiB (sensor_config.wakeup_bytes); the epoll wait ' +
        'also returns on its 500 ms timeout, and after a quiet second the kernel wakes the reader for the first record into an empty ring (bpf/README.md, "Wake-ups"). Beyond the drain itself, ' +
        'live reading pays for those returns (a koffi asynchronous call through the libuv pool each), timers, and the ' +
        'generator competing for the same two cores.',
    );
  }
  const low = d.steady[0];
  if (low) {
    out.push(
      `At a steady ${rate(low.targetRate!)} the agent used ${num((100 * low.readerCpuS) / low.elapsedS)}% of a core ` +
        `(${num(low.wakeups)} epoll returns for ${num(low.records)} records; the rest drained by the 20 ms timer). ` +
        'This is what the sensor costs a quiet node before any enrichment or rules.',
    );
  }
  const multi = d.e2e[1];
  if (multi && multi.offeredRate < one.offeredRate) {
    out.push(
      `${multi.generators} generators side by side offered less in total than one alone (${rate(multi.offeredRate)} vs ${rate(one.offeredRate)}); ` +
        `each open+close took ${num(multi.genNsPerOp ?? NaN)} ns instead of ${num(one.genNsPerOp ?? NaN)}. Generators and reader share ` +
        `${d.machine.nproc} cores here, and the reader used ${num((100 * multi.readerCpuS) / multi.elapsedS)}% of one.`,
    );
  }
  let slow =
    `Generator slowdown: the sensor adds ${num(s.addedNs)} ns to each open+close (${pct(s.ratio)}), ` +
    `${(s.addedNs / ENV_TRACEPOINT_NS).toFixed(1)}× the ~${ENV_TRACEPOINT_NS} ns environment.md measured for a bare tracepoint copying 168 bytes.`;
  if (costOk(d.cost)) {
    const rest = s.addedNs - d.cost.perOpenNs;
    slow +=
      ` ${num(d.cost.perOpenNs)} ns of it is spent inside the BPF programs (stage 4)` +
      (rest > 0
        ? `; the other ~${num(rest)} ns is outside them: the syscall tracepoint path (close(2) takes it too), ring wake-ups and sharing the cores with the reader.`
        : '.');
  }
  slow += ` With the reader paused (stage 1) the loop ran at ${num(r.genNsPerOp)} ns per open+close.`;
  out.push(slow);
  if (costOk(d.cost)) {
    out.push(
      'Stage 4 switches kernel.bpf_stats_enabled on for its own run only and restores it; the accounting adds a little to every ' +
        'program run, so its generator timing is not used elsewhere.',
    );
  }
  out.push(...enrichNotes(d.enrich));
  const otherEvents = [...d.e2e, ...d.steady, ...d.search].reduce((a, e) => a + e.other, 0);
  if (otherEvents > 0) {
    out.push(
      `Other processes' opens are traced too (${num(otherEvents)} during stage 2). They are in the reader's record counts but not in the generator figures.`,
    );
  }
  const holders = [...new Map([...d.othersStart, ...d.othersEnd].map((h) => [h.pid, h])).values()];
  const busy = Math.max(d.idleCheck.otherCores, d.during.otherCores, ...d.stageOther);
  if (busy > 0.15 || d.during.stealShare > 0.02 || holders.length) {
    out.push(
      `The machine was not quiet: other work kept ${d.idleCheck.otherCores.toFixed(2)} cores busy just before the run and ` +
        `${d.during.otherCores.toFixed(2)} on average during it (stages 1–${d.stageOther.length}: ${d.stageOther.map((x) => x.toFixed(2)).join(', ')}), ` +
        `of ${d.machine.nproc}; hypervisor steal ${num(100 * d.during.stealShare, 1)}%` +
        (holders.length ? `; other processes held BPF programs (which may trace the generators too): ${holders.map((h) => `${h.comm} (pid ${h.pid}, ${h.programs})`).join(', ')}` : '') +
        '. Figures from a shared VM vary from run to run.',
    );
  }
  if (d.scale) out.push(`**BENCH_SCALE=${d.scale}**: operation counts were scaled; not a full run.`);
  return out;
}

export function markdown(d: BenchData): string {
  const m = d.machine;
  const r = d.reader;
  const s = d.slowdown;
  const lines: string[] = [];
  lines.push(
    '# Benchmarks',
    '',
    `Written by \`npm run bench\` (bench/run.ts) on ${m.date}; every run overwrites this file. All figures come from that run.`,
    '',
    '## Machine',
    '',
    table(
      ['', ''],
      [
        ['Date', m.date],
        ['Kernel (`uname -r`)', m.kernel],
        ['CPU', m.cpu],
        ['Cores (`nproc`)', String(m.nproc)],
        ['Memory', m.memory],
        ['Node', m.node],
        ['Command', `\`${m.command}\`` + (m.expands ? ` (runs \`${m.expands}\`)` : '')],
        ['Commit', m.commit],
        [
          'Other work on the machine',
          `${d.idleCheck.otherCores.toFixed(2)} cores busy just before, ${d.during.otherCores.toFixed(2)} on average during the run ` +
            `(/proc/stat minus this process and its children); by stage ${d.stageOther.map((x) => x.toFixed(2)).join(' / ')}; ` +
            `hypervisor steal ${num(100 * d.during.stealShare, 1)}%`,
        ],
        ['Duration', `${d.totalS.toFixed(0)} s`],
      ],
    ),
    '',
    '## What is measured',
    '',
    `The generator is \`dist/helpers/fileops loop N ${d.target}\` (C, test/helpers/fileops.c): N × open(2)+close(2) of one file, ` +
      'timing itself. The sensor is a `KernelSource` for the `open` gadget (bpf/file.bpf.c) in the benchmark\'s own process; ' +
      'the benchmark\'s handler only counts events. The generators\' events are told apart by pid; their startup opens ' +
      '(ld.so.cache, libc) are counted as delivered, and the opens of the target path must arrive exactly N times.',
    '',
    `1. **Reader throughput.** A ${mib(r.ringSize)} ring, the source paused, ${num(r.opsPerRound)} opens written into it; ` +
      'then the ring is drained synchronously (`source.drain()` until 0) and only the drain is timed, with ' +
      '`process.hrtime.bigint()` (wall) and `process.cpuUsage()` (CPU). That is the ceiling of one core reading and decoding. ' +
      `A warm-up round of ${num(r.warmup.expectedLoop)} opens comes first and is not counted.`,
    `2. **End to end.** The source reads as in production (epoll wake-ups, ${mib(d.e2eRing)} ring) while open-loop generators run ` +
      'at full speed. Events/s is generator events delivered divided by the time from starting the generators to the delivery of ' +
      'their last event; kernel drops are the per-CPU drop counters of the object. Then `dist/helpers/openrate` ' +
      '(test/helpers/openrate.c, a paced open-loop generator that catches up when late) runs at ' +
      `${d.steady.map((e) => rate(e.targetRate!)).join(', ')} for a few seconds each, to show what reading costs the agent at ` +
      'everyday rates. If a full-speed run drops, the same paced generator steps the rate down to find the highest rate ' +
      'without drops.',
    `3. **Generator slowdown.** ns per open+close of ${num(s.iterations)} iterations, ${s.base.length} times with no BPF program loaded ` +
      'and as often with the sensor attached and reading, alternately; medians compared.',
    '4. **Time inside the BPF programs** per open, from the kernel\'s own accounting (`kernel.bpf_stats_enabled`, ' +
      '`run_time_ns` / `run_cnt` of each program), to show where the slowdown comes from.',
    `5. **Connect loop.** \`dist/helpers/netops connloop ${num(d.connect.iterations)}\` (test/helpers/netops.c): socket, connect, ` +
      'accept and close of both ends on loopback (reset on close, so no TIME_WAIT), timing itself; ' +
      `${d.connect.base.length} times with no sensor and as often with the sensor tracing \`connect\` and \`accept\` ` +
      '(bpf/net.bpf.c), alternately; medians compared. Every connect and accept of the loop must be delivered.',
    `6. **Enrichment at scale.** In the benchmark's process, no BPF: a fake API server (test/k8s/fake-apiserver.ts) with ${num(d.enrich.pods)} ` +
      'pods on this node, one container each, and a `PodCache` synced from it over HTTP through @kubernetes/client-node; a ' +
      '`CgroupResolver` on a temporary cgroupfs-style tree (`kubepods/<qos>/pod<uid>/<container id>` per pod, host services ' +
      'under system.slice and user.slice) whose directory inodes are the events\' cgroup ids; a `ProcessCache` filled with ' +
      `${num(d.enrich.processes)} processes (${num(d.enrich.containerProcesses)} in containers, the rest on the host, trees up to ` +
      `${d.enrich.maxDepth} deep) by a fork and an exec event each. Memory (\`process.memoryUsage()\` after forced garbage collections) is read ` +
      'before and after each piece is built. Then open events of processes drawn at random are enriched: each record is written ' +
      'byte by byte after sensor/decode/layout.ts and decoded with `decodeRecord()`, so the events are the decoder\'s own objects. ' +
      `Each batch of ${num(d.enrich.large.eventsPerRound >= 10_000 ? 10_000 : d.enrich.large.eventsPerRound)} records is timed decoding alone, ` +
      'decoding + `Enricher.enrich()`, then on another batch decoding + `toFields()`, and decoding + `toFields()` + `enrich()` + ' +
      '`contextFields()`; the differences are the per-event costs, with every object dying young as in the sensor (the two ' +
      'baselines, decoding alone and decoding + `toFields()`, are the faster of two passes, so that a pause cannot make a difference negative). ' +
      `${num(d.enrich.large.eventsPerRound)} events per round and per timing, a warm-up round of half that and ${d.enrich.large.rounds.length} counted, medians reported; ` +
      `then the same with ${scaleLabel(d.enrich.small)}.`,
    '',
    '## Results',
    '',
    table(['Figure', 'Measured', 'Aim / reference'], figures(d)),
    '',
    '## Notes',
    '',
    ...notes(d).map((n) => `- ${n}`),
    '',
    '## Details',
    '',
    '### 1. Reader throughput',
    '',
    table(
      ['round', 'records drained', 'events', 'target opens delivered / expected', 'wall ms', 'CPU ms', 'records/s (wall)', 'records/s (CPU)', 'kernel drops', 'decode errors', 'generator ns/op (reader paused)'],
      [r.warmup, ...r.rounds].map(readerRow),
    ),
    '',
    '### 2. End to end',
    '',
    table(LOAD_HEAD, d.e2e.map(loadRow)),
    '',
    'Offered rate: each generator\'s own opens per second, summed (they run side by side). A negative "last event delivered − ' +
      'generator exit seen" means the reader had delivered everything before Node noticed the exit.',
    '',
  );
  if (d.steady.length) {
    lines.push(
      'Steady rates (paced open-loop generator, the agent reading normally): what reading costs the agent\'s process ' +
        '(all its threads: main, libuv pool, GC) at everyday rates.',
      '',
      table(LOAD_HEAD, d.steady.map(loadRow)),
      '',
    );
  }
  if (d.search.length) {
    lines.push('Rate search (open-loop, paced):', '', table([...LOAD_HEAD, 'worst lag behind schedule, ms'], d.search.map((e) => [...loadRow(e), num(e.maxLagMs ?? NaN, 1)])), '');
  }
  lines.push(
    '### 3. Generator slowdown (ns per open+close)',
    '',
    table(
      ['run', 'without the sensor', 'with the sensor', 'kernel drops', 'target opens delivered / expected'],
      [
        ...s.base.map((b, i) => [String(i + 1), num(b), num(s.traced[i]), num(s.tracedRuns[i].drops), `${num(s.tracedRuns[i].loop)} / ${num(s.tracedRuns[i].expected)}`]),
        ['median', num(s.baseMedian), num(s.tracedMedian), '', ''],
      ],
    ),
    '',
    `Loading and attaching the sensor took ${s.loadMs.map((x) => num(x)).join(', ')} ms.`,
    '',
    '### 4. Time inside the BPF programs',
    '',
  );
  if (costOk(d.cost)) {
    lines.push(
      `${num(d.cost.iterations)} opens by one generator, sensor reading normally.`,
      '',
      table(['program', 'runs', 'average ns per run'], d.cost.programs.map((p) => [p.name, num(p.runs), num(p.avgNs)])),
      '',
    );
  } else {
    lines.push(`Not measured: ${d.cost.skipped}.`, '');
  }
  if (d.costFiltered && !('skipped' in d.costFiltered)) {
    const cf = d.costFiltered;
    lines.push(
      `The same loop with the default rules' interest set in force (sensor/rules/interest.ts): the file is one no rule watches, so ` +
        `the exit program judges it by name and keeps it in the kernel before any path walk or ring reservation. ` +
        `${num(cf.filtered)} of ${num(cf.iterations)} opens were kept back (filtered.open_read); the file ring carried ${num(cf.records)} records ` +
        `meanwhile (other processes' opens of watched files); the loop ran at ${num(cf.loopNsPerOp)} ns per open+close with bpf_stats on.`,
      '',
      table(['program', 'runs', 'average ns per run'], cf.programs.map((p) => [p.name, num(p.runs), num(p.avgNs)])),
      '',
    );
  } else if (d.costFiltered) {
    lines.push(`With the interest set: not measured: ${d.costFiltered.skipped}.`, '');
  }
  lines.push(
    '### 5. Connect loop (ns per socket+connect+accept+close)',
    '',
    table(
      ['run', 'without the sensor', 'with the sensor', 'connects / accepts delivered', 'kernel drops'],
      [
        ...d.connect.base.map((b, i) => {
          const t = d.connect.traced[i];
          return [String(i + 1), num(b), num(t.nsPerOp), `${num(t.connects)} / ${num(t.accepts)} of ${num(d.connect.iterations)}`, num(t.drops)];
        }),
        ['median', num(d.connect.baseMedian), num(d.connect.tracedMedian), '', ''],
      ],
    ),
    '',
  );
  lines.push(...enrichDetails(d.enrich));
  lines.push('', ...rulesMarkdown(d.rules), ...kafkaMarkdown(d.kafka), ...latencyMarkdown(d.latency), ...suiteMarkdown(d.suite));
  lines.push(...aimsMarkdown(d));
  return lines.join('\n');
}

function costRow(c: CostResult, label: string, r: CostResult['warmup']): string[] {
  return [scaleLabel(c), label, num(r.decodeNs), num(r.toFieldsNs), num(r.enrichNs), num(r.fieldsNs), num(r.allNs)];
}

function enrichDetails(e: EnrichResult): string[] {
  const sh = memShares(e);
  const rows = e.memory.map((m, i) => {
    const prev = e.memory[i - 1];
    return [
      m.label,
      mb(m.rss),
      prev ? signedMb(m.rss - prev.rss) : '',
      mb(m.heapUsed),
      prev ? signedMb(m.heapUsed - prev.heapUsed) : '',
      m.owner === 'sensor' ? 'sensor' : m.owner === 'bench' ? 'benchmark' : '',
    ];
  });
  rows.push(['sum of the sensor\'s increases', '', `+${mb(sh.sensorRss)}`, '', `+${mb(sh.sensorHeap)}`, 'sensor']);
  const b = e.build;
  const checks = (c: CostResult): string[] => [
    scaleLabel(c),
    num(c.enricher.events),
    `${num(100 * c.containerShare, 1)}%`,
    num(c.avgAncestors, 2),
    num(c.enricher.processMisses),
    `${num(c.podHits)} / ${num(c.enricher.podMisses)}`,
    num(c.cgroupProcReads),
    `${num(c.processCache.size)} / ${num(c.processCache.evictions)}`,
    num(c.enricher.errors),
  ];
  return [
    '### 6. Enrichment at scale',
    '',
    `${num(e.pods)} pods (${num(e.podJsonBytes)} bytes of JSON each, shaped like a Deployment's with managedFields), ${num(e.processes)} processes ` +
      `(${num(e.containerProcesses)} in containers, ${num(e.hostProcesses)} on the host; deepest ${e.maxDepth} below pid 1), ` +
      `process cache bound ${num(e.processCacheEntries)}. Memory after forced garbage collections${e.gc ? '' : ' (not available: figures include garbage)'}; ` +
      '"whose" says whether an increase is the sensor\'s state or the benchmark\'s scaffolding.',
    '',
    table(['after', 'RSS', 'Δ RSS', 'heap used', 'Δ heap', 'whose'], rows),
    '',
    `Building: ${num(b.serverMs / 1000, 1)} s to add the pods to the fake server; the PodCache synced in ${num(b.syncMs / 1000, 1)} s ` +
      `(list of ${num(e.pod.pods)} pods, ${num(e.pod.containers)} containers` +
      (Number.isFinite(b.podIndexHeap) ? `; a PodIndex of the same pods alone holds ${mb(b.podIndexHeap)} of heap` : '') +
      `); ${num(b.treeMs / 1000, 1)} s to make the cgroup tree, ${num(b.rescanMs)} ms for the resolver to walk its ${num(b.rescanDirs)} directories; ` +
      `enrich() took ${num(b.fillNsPerEvent)} ns per fork or exec event while learning the processes (${num(b.fillEvents)} events, decoding excluded). ` +
      `The whole stage, both scales, building and tearing down included, took ${num(e.elapsedS)} s.`,
    '',
    'ns per open event; enrich = (decode + enrich) − decode, enrich + contextFields = (decode + toFields + enrich + contextFields) − (decode + toFields); ' +
      'whole path = decode + toFields + enrich + contextFields. The warm-up round has half the events.',
    '',
    table(
      ['scale', 'round', 'decode', 'toFields', 'enrich', 'enrich + contextFields', 'whole path'],
      [e.large, e.small].flatMap((c) => [
        costRow(c, 'warm-up', c.warmup),
        ...c.rounds.map((r, i) => costRow(c, String(i + 1), r)),
        [`**${scaleLabel(c)}**`, '**median**', num(c.decodeNs), num(c.toFieldsNs), `**${num(c.enrichNs)}**`, `**${num(c.fieldsNs)}**`, num(c.allNs)],
      ]),
    ),
    '',
    'Counted rounds:',
    '',
    table(
      ['scale', 'events enriched', 'in a container', 'ancestors per event', 'process misses', 'pod hits / misses', '/proc reads for cgroups', 'process cache size / evictions', 'errors'],
      [checks(e.large), checks(e.small)],
    ),
    '',
  ];
}

export function summary(d: BenchData): string {
  const rows = figures(d);
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  const out = rows.map((r) => `${r[0].padEnd(w0)}  ${r[1].padEnd(w1)}  ${r[2]}`);
  return [`kestrel-sensor benchmark, ${d.machine.date}, ${d.machine.cpu} × ${d.machine.nproc}, kernel ${d.machine.kernel}`, '', ...out, ''].join('\n');
}
