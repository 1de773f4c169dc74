// Stage 2: the sensor reading as it does in production (epoll wake-ups,
// default ring) against open-loop generators. A run counts what arrived, how
// long until the last generator event was delivered, and the kernel's drops.
// When a run drops, rate-limited runs step down to the highest rate without.
import { FILEOPS, finished, Finished, loopNsPerOp, OPENRATE, rateResult, start } from './children';
import { Sensor } from './tap';
import { cpuSecs, progress, secs, sleep } from './util';

export interface LoadRun {
  label: string;
  generators: number;
  opsEach: number;
  /** Aimed total rate of rate-limited generators; undefined = full speed. */
  targetRate?: number;
  /** Rate the generators achieved (total opens / their own elapsed time). */
  offeredRate: number;
  /** Worst lag behind schedule of a rate-limited generator, ms. */
  maxLagMs?: number;
  /** Generator ns per open+close (full speed only; mean of the generators). */
  genNsPerOp?: number;
  expected: number;
  /** Every event of the generator processes (their startup opens too). */
  delivered: number;
  loop: number;
  other: number;
  /** From spawn to delivery of the last generator event. */
  elapsedS: number;
  rate: number;
  /** Delivery of the last generator event after the last generator exited, ms. */
  tailMs: number;
  drops: number;
  decodeErrors: number;
  readerCpuS: number;
  wakeups: number;
  records: number;
}

/** Run K generators (full speed, or sharing `totalRate`) and account for their events. */
export async function runLoad(
  s: Sensor,
  target: string,
  label: string,
  generators: number,
  opsEach: number,
  totalRate?: number,
): Promise<LoadRun> {
  const { source, tap } = s;
  while (source.drain() > 0);
  tap.reset();
  tap.stamp = true;
  const drops0 = s.drops();
  const st0 = s.stats();
  const err0 = source.decodeErrors;
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const kids = Array.from({ length: generators }, () => {
    const args = totalRate === undefined ? ['loop', String(opsEach), target] : [String(totalRate / generators), String(opsEach), target];
    const k = start(totalRate === undefined ? FILEOPS : OPENRATE, args);
    tap.watch(k.pid);
    return k;
  });
  const done: Finished[] = await Promise.all(kids.map((k) => finished(k, 'generator')));
  const lastExit = done.reduce((m, f) => (f.endedAt > m ? f.endedAt : m), 0n);
  const expected = generators * opsEach;
  // Let the reader catch up: until every loop event is in, or nothing moves.
  let seen = -1;
  let still = 0;
  while (tap.loop < expected && still < 10) {
    await sleep(50);
    const r = s.stats().rings.reduce((a, x) => a + x.records, 0);
    still = r === seen ? still + 1 : 0;
    seen = r;
  }
  const cpu = process.cpuUsage(c0);
  const st1 = s.stats();
  tap.stamp = false;
  const end = tap.lastGenAt || process.hrtime.bigint();
  let offeredRate: number;
  let maxLagMs: number | undefined;
  let genNsPerOp: number | undefined;
  if (totalRate === undefined) {
    const ns = done.map(loopNsPerOp);
    genNsPerOp = ns.reduce((a, b) => a + b, 0) / ns.length;
    offeredRate = ns.reduce((a, x) => a + 1e9 / x, 0); // generators run side by side
  } else {
    const rr = done.map(rateResult);
    offeredRate = rr.reduce((a, r) => a + (r.done * 1e9) / r.elapsedNs, 0);
    maxLagMs = Math.max(...rr.map((r) => r.maxLagNs / 1e6));
  }
  const elapsedS = secs(t0, end);
  return {
    label,
    generators,
    opsEach,
    targetRate: totalRate,
    offeredRate,
    maxLagMs,
    genNsPerOp,
    expected,
    delivered: tap.gen,
    loop: tap.loop,
    other: tap.other,
    elapsedS,
    rate: tap.gen / elapsedS,
    tailMs: Number(end - lastExit) / 1e6,
    drops: s.drops() - drops0,
    decodeErrors: source.decodeErrors - err0,
    readerCpuS: cpuSecs(cpu),
    wakeups: st1.wakeups - st0.wakeups,
    records: st1.rings.reduce((a, x) => a + x.records, 0) - st0.rings.reduce((a, x) => a + x.records, 0),
  };
}

export function describeRun(r: LoadRun): string {
  const how = r.targetRate === undefined ? 'full speed' : `at ${Math.round(r.targetRate)}/s`;
  return (
    `${r.label}: ${r.generators}x${r.opsEach} opens ${how}: offered ${Math.round(r.offeredRate)}/s, ` +
    `delivered ${r.delivered} in ${r.elapsedS.toFixed(2)} s = ${Math.round(r.rate)}/s, drops ${r.drops}`
  );
}

/**
 * Step the total rate down from `fromRate` until a run has no drops, then try
 * once between that and the lowest failing rate. Stops when `budgetS` is used.
 */
export async function zeroDropSearch(
  s: Sensor,
  target: string,
  generators: number,
  fromRate: number,
  budgetS: number,
  trialS = 3,
): Promise<LoadRun[]> {
  const runs: LoadRun[] = [];
  const t0 = process.hrtime.bigint();
  const left = (): number => budgetS - secs(t0, process.hrtime.bigint());
  let failing = fromRate;
  let passing: number | undefined;
  let rate = fromRate * 0.8;
  const trial = async (r: number): Promise<boolean> => {
    const opsEach = Math.max(20000, Math.round((r * trialS) / generators));
    const run = await runLoad(s, target, `step ${runs.length + 1}`, generators, opsEach, r);
    progress(`e2e search: ${describeRun(run)}`);
    runs.push(run);
    return run.drops === 0;
  };
  while (left() > trialS * 2 && rate >= 1000) {
    if (await trial(rate)) {
      passing = rate;
      break;
    }
    failing = rate;
    rate *= 0.7;
  }
  if (passing !== undefined && failing / passing > 1.15 && left() > trialS * 2) {
    await trial((passing + failing) / 2);
  }
  return runs;
}
