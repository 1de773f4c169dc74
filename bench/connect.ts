// Stage 5: what tracing connections costs the traced. A loopback loop of
// socket+connect+accept+close (dist/helpers/netops connloop) runs with no
// sensor and with the sensor tracing connect and accept, alternately; each
// side's median is compared, and every connect and accept must arrive.
import type { SensorEvent } from '../sensor/decode/types';
import { KernelSource } from '../sensor/kernel/source';
import { createLogger } from '../sensor/log';
import { finished, HELPER_DIR, loopNsPerOp, start } from './children';
import { median, progress, sleep } from './util';
import * as path from 'node:path';

export const NETOPS = path.join(HELPER_DIR, 'netops');

export interface ConnectRun {
  nsPerOp: number;
  connects: number;
  accepts: number;
  drops: number;
}

export interface ConnectResult {
  iterations: number;
  base: number[];
  traced: ConnectRun[];
  baseMedian: number;
  tracedMedian: number;
  addedNs: number;
  ratio: number;
}

async function tracedRun(iterations: number): Promise<ConnectRun> {
  let pid = -1;
  const seen = { connects: 0, accepts: 0 };
  const source = KernelSource.start({
    types: ['connect', 'accept'],
    log: createLogger(process.env.BENCH_LOG_LEVEL ?? 'error'),
    onEvent: (ev: SensorEvent) => {
      if (ev.pid !== pid) return;
      if (ev.type === 'connect') seen.connects++;
      else if (ev.type === 'accept') seen.accepts++;
    },
  });
  try {
    const s = start(NETOPS, ['connloop', String(iterations)]);
    pid = s.pid;
    const f = await finished(s, 'netops connloop');
    // Let the reader catch up (timer poll) before counting.
    for (let i = 0; i < 50 && (seen.connects < iterations || seen.accepts < iterations); i++) await sleep(20);
    const stats = await source.stop();
    const drops = stats.rings.reduce((n, r) => n + Object.values(r.drops).reduce((a, b) => a + b, 0), 0);
    return { nsPerOp: loopNsPerOp(f), ...seen, drops };
  } catch (err) {
    await source.stop();
    throw err;
  }
}

export async function connectLoop(iterations: number, repeats: number): Promise<ConnectResult> {
  const base: number[] = [];
  const traced: ConnectRun[] = [];
  for (let i = 0; i < repeats; i++) {
    base.push(loopNsPerOp(await finished(start(NETOPS, ['connloop', String(iterations)]), 'netops connloop')));
    traced.push(await tracedRun(iterations));
    progress(`connect loop ${i + 1}/${repeats}: ${base[i].toFixed(0)} ns/op without the sensor, ${traced[i].nsPerOp.toFixed(0)} ns/op with it`);
  }
  const baseMedian = median(base);
  const tracedMedian = median(traced.map((t) => t.nsPerOp));
  return { iterations, base, traced, baseMedian, tracedMedian, addedNs: tracedMedian - baseMedian, ratio: tracedMedian / baseMedian };
}
