// Stage 1: the reader alone. The generator's records pile up in a large ring
// while the source is paused; then the ring is drained synchronously and only
// that drain (ring walk + decode + handler) is timed, in wall and CPU time.
import { FILEOPS, finished, loopNsPerOp, start } from './children';
import { Sensor, startSensor, Tap } from './tap';
import { cpuSecs, median, progress, secs } from './util';

export interface ReaderRound {
  label: string;
  /** Records the drain consumed (every process's, not just the generator's). */
  records: number;
  events: number;
  /** Generator opens of the target path that were delivered. */
  loop: number;
  expectedLoop: number;
  wallS: number;
  cpuS: number;
  drops: number;
  decodeErrors: number;
  /** The generator's own ns per open+close while the reader was paused. */
  genNsPerOp: number;
}

export interface ReaderResult {
  ringSize: number;
  opsPerRound: number;
  warmup: ReaderRound;
  rounds: ReaderRound[];
  wallRate: number;
  cpuRate: number;
  drops: number;
  decodeErrors: number;
  lost: number;
  genNsPerOp: number;
}

async function round(s: Sensor, target: string, ops: number, label: string): Promise<ReaderRound> {
  const { source, tap } = s;
  while (source.drain() > 0); // start from an empty ring
  tap.reset();
  source.pause();
  const drops0 = s.drops();
  const g = start(FILEOPS, ['loop', String(ops), target]);
  tap.watch(g.pid);
  const f = await finished(g, 'fileops loop');
  source.resume();
  const ev0 = source.events;
  const err0 = source.decodeErrors;
  // Synchronous from here on: no wake-up can interleave with the drain.
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let records = 0;
  let n: number;
  while ((n = source.drain()) > 0) records += n;
  const t1 = process.hrtime.bigint();
  const cpu = process.cpuUsage(c0);
  return {
    label,
    records,
    events: source.events - ev0,
    loop: tap.loop,
    expectedLoop: ops,
    wallS: secs(t0, t1),
    cpuS: cpuSecs(cpu),
    drops: s.drops() - drops0,
    decodeErrors: source.decodeErrors - err0,
    genNsPerOp: loopNsPerOp(f),
  };
}

export async function readerThroughput(target: string, ops: number, rounds: number, ringSize: number): Promise<ReaderResult> {
  const recordBytes = 8 + 136 + 2 * target.length; // header + open_event + raw + resolved path
  if (ops * Math.ceil(recordBytes / 8) * 8 > ringSize * 0.8) {
    throw new Error(`reader stage: ${ops} records of ~${recordBytes} bytes do not fit a ${ringSize}-byte ring`);
  }
  const s = startSensor(new Tap(target), ringSize);
  try {
    progress(`reader: ring ${ringSize >> 20} MiB loaded in ${s.loadMs.toFixed(0)} ms; warm-up round (${Math.round(ops / 4)} opens)`);
    const warmup = await round(s, target, Math.round(ops / 4), 'warm-up');
    const out: ReaderRound[] = [];
    for (let i = 0; i < rounds; i++) {
      const r = await round(s, target, ops, `round ${i + 1}`);
      progress(
        `reader: ${r.label}: ${r.records} records drained in ${(r.wallS * 1000).toFixed(0)} ms wall, ` +
          `${(r.cpuS * 1000).toFixed(0)} ms CPU = ${Math.round(r.records / r.wallS)}/s; drops ${r.drops}`,
      );
      out.push(r);
    }
    const wallRates = out.map((r) => r.records / r.wallS);
    const cpuRates = out.map((r) => r.records / r.cpuS);
    return {
      ringSize,
      opsPerRound: ops,
      warmup,
      rounds: out,
      wallRate: median(wallRates),
      cpuRate: median(cpuRates),
      drops: out.reduce((a, r) => a + r.drops, 0),
      decodeErrors: out.reduce((a, r) => a + r.decodeErrors, 0),
      lost: out.reduce((a, r) => a + (r.expectedLoop - r.loop), 0),
      genNsPerOp: median(out.map((r) => r.genNsPerOp)),
    };
  } finally {
    await s.source.stop();
  }
}
