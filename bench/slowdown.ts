// Stage 3: what tracing costs the traced. The same open+close loop runs with
// no sensor loaded and with the sensor attached and reading, alternately (so
// drift on a shared VM hits both alike); each side's median is compared.
import { FILEOPS, finished, loopNsPerOp, start } from './children';
import { LoadRun, runLoad } from './e2e';
import { startSensor, Tap } from './tap';
import { median, progress } from './util';

export interface SlowdownResult {
  iterations: number;
  base: number[];
  traced: number[];
  baseMedian: number;
  tracedMedian: number;
  addedNs: number;
  ratio: number;
  tracedRuns: LoadRun[];
  loadMs: number[];
}

export async function slowdown(target: string, iterations: number, repeats: number): Promise<SlowdownResult> {
  const base: number[] = [];
  const traced: number[] = [];
  const tracedRuns: LoadRun[] = [];
  const loadMs: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const f = await finished(start(FILEOPS, ['loop', String(iterations), target]), 'fileops loop');
    base.push(loopNsPerOp(f));
    const s = startSensor(new Tap(target));
    loadMs.push(s.loadMs);
    try {
      const run = await runLoad(s, target, `traced ${i + 1}`, 1, iterations);
      tracedRuns.push(run);
      traced.push(run.genNsPerOp!);
    } finally {
      await s.source.stop();
    }
    progress(`slowdown ${i + 1}/${repeats}: ${base[i].toFixed(0)} ns/op without the sensor, ${traced[i].toFixed(0)} ns/op with it`);
  }
  const baseMedian = median(base);
  const tracedMedian = median(traced);
  return {
    iterations,
    base,
    traced,
    baseMedian,
    tracedMedian,
    addedNs: tracedMedian - baseMedian,
    ratio: tracedMedian / baseMedian,
    tracedRuns,
    loadMs,
  };
}
