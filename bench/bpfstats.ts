// Stage 4 (diagnostic): time spent inside the BPF programs per open, from the
// kernel's own accounting (kernel.bpf_stats_enabled: run_time_ns and run_cnt
// in each program fd's fdinfo). The sysctl is switched on only for this
// stage, because the accounting itself costs a little on every run, and is
// put back as it was afterwards.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { createLogger } from '../sensor/log';
import { DEFAULT_RULES_DIR } from '../sensor/rules/files';
import { deriveInterest } from '../sensor/rules/interest';
import { compileRulePaths } from '../sensor/rules/reload';
import { finished, FILEOPS, loopNsPerOp, start } from './children';
import { runLoad, LoadRun } from './e2e';
import { startSensor, Tap } from './tap';
import { progress } from './util';

const SYSCTL = '/proc/sys/kernel/bpf_stats_enabled';

interface ProgCounters {
  id: number;
  runTimeNs: number;
  runCnt: number;
}

export interface ProgCost {
  name: string;
  runs: number;
  avgNs: number;
}

export interface BpfCostResult {
  iterations: number;
  programs: ProgCost[];
  /** Sum of the average run time of the programs the generator's opens hit. */
  perOpenNs: number;
  run: LoadRun;
}

let restoreValue: string | null = null;

/** Put kernel.bpf_stats_enabled back (also called on interruption). */
export function restoreBpfStats(): void {
  if (restoreValue === null) return;
  try {
    writeFileSync(SYSCTL, restoreValue);
  } catch {
    // nothing more to do; reported by the caller's own error path
  }
  restoreValue = null;
}

/** run_time_ns and run_cnt of every BPF program this process holds. */
function ownPrograms(): Map<number, ProgCounters> {
  const out = new Map<number, ProgCounters>();
  for (const fd of readdirSync('/proc/self/fd')) {
    let link: string;
    try {
      link = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue;
    }
    if (link !== 'anon_inode:bpf-prog') continue;
    let info: string;
    try {
      info = readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8');
    } catch {
      continue;
    }
    const field = (k: string): number => Number(new RegExp(`^${k}:\\s*(\\d+)`, 'm').exec(info)?.[1] ?? NaN);
    const id = field('prog_id');
    if (!Number.isFinite(id)) continue;
    out.set(id, { id, runTimeNs: field('run_time_ns'), runCnt: field('run_cnt') });
  }
  return out;
}

/** Program names from bpftool when it is installed; ids otherwise. */
function programNames(ids: number[]): Map<number, string> {
  const names = new Map<number, string>();
  for (const id of ids) {
    try {
      const j = JSON.parse(execFileSync('bpftool', ['prog', 'show', 'id', String(id), '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
      if (typeof j.name === 'string') names.set(id, j.name);
    } catch {
      // bpftool missing or too old: fall back to the id
    }
  }
  return names;
}

export interface FilteredCostResult {
  iterations: number;
  programs: ProgCost[];
  /** Sum of the average run time of the programs the generator's opens hit. */
  perOpenNs: number;
  /** Opens the kernel kept back (filtered.open_read) during the loop. */
  filtered: number;
  /** Records the file ring carried during the loop (other processes' too). */
  records: number;
  loopNsPerOp: number;
}

/** The sum of run time over runs for programs that ran at least `min` times between a and b. */
function costs(a: Map<number, ProgCounters>, b: Map<number, ProgCounters>, min: number): { programs: ProgCost[]; perOpenNs: number } {
  const names = programNames([...b.keys()]);
  const programs: ProgCost[] = [];
  let perOpenNs = 0;
  for (const [id, p] of b) {
    const runs = p.runCnt - (a.get(id)?.runCnt ?? 0);
    if (!(runs > 0)) continue;
    const avgNs = (p.runTimeNs - (a.get(id)?.runTimeNs ?? 0)) / runs;
    programs.push({ name: names.get(id) ?? `prog id ${id}`, runs, avgNs });
    if (runs >= min) perOpenNs += avgNs;
  }
  programs.sort((x, y) => y.runs - x.runs || x.name.localeCompare(y.name));
  return { programs, perOpenNs };
}

/**
 * The same accounting with the default rules' interest set in force and a
 * loop on a file no rule watches: what an unwatched open costs in the kernel
 * when it is kept back before any path walk or ring reservation.
 */
export async function bpfCostFiltered(target: string, iterations: number): Promise<FilteredCostResult | { skipped: string }> {
  let before: string;
  try {
    before = readFileSync(SYSCTL, 'utf8').trim();
  } catch (err) {
    return { skipped: `${SYSCTL} is not readable (${(err as Error).message})` };
  }
  const interest = deriveInterest(compileRulePaths([DEFAULT_RULES_DIR], createLogger('error')));
  const s = startSensor(new Tap(target), undefined, interest);
  try {
    const ringOf = () => s.stats().rings.find((r) => r.ring === 'file');
    s.source.checkDrops();
    const r0 = ringOf();
    if (!r0 || r0.filtered.open_read === undefined) return { skipped: 'this kernel cannot filter opens in the kernel (needs bpf_rdonly_cast, Linux 6.2+)' };
    restoreValue = before;
    writeFileSync(SYSCTL, '1');
    const a = ownPrograms();
    const f = await finished(start(FILEOPS, ['loop', String(iterations), target]), 'filtered open loop');
    const b = ownPrograms();
    restoreBpfStats();
    // Let the reader take what did pass before the ring's count is read.
    await new Promise((r) => setTimeout(r, 300));
    s.source.checkDrops();
    const r1 = ringOf()!;
    const { programs, perOpenNs } = costs(a, b, iterations / 2);
    progress(`bpf cost, filtered: ${programs.map((p) => `${p.name} ${p.avgNs.toFixed(0)} ns x ${p.runs}`).join(', ')}`);
    return {
      iterations,
      programs,
      perOpenNs,
      filtered: r1.filtered.open_read - r0.filtered.open_read,
      records: r1.records - r0.records,
      loopNsPerOp: loopNsPerOp(f),
    };
  } finally {
    restoreBpfStats();
    await s.source.stop();
  }
}

export async function bpfCost(target: string, iterations: number): Promise<BpfCostResult | { skipped: string }> {
  let before: string;
  try {
    before = readFileSync(SYSCTL, 'utf8').trim();
  } catch (err) {
    return { skipped: `${SYSCTL} is not readable (${(err as Error).message})` };
  }
  const s = startSensor(new Tap(target));
  try {
    restoreValue = before;
    writeFileSync(SYSCTL, '1');
    const a = ownPrograms();
    const run = await runLoad(s, target, 'bpf stats', 1, iterations);
    const b = ownPrograms();
    restoreBpfStats();
    if ([...b.values()].every((p) => !Number.isFinite(p.runTimeNs))) {
      return { skipped: 'this kernel does not report run_time_ns in BPF program fdinfo' };
    }
    const names = programNames([...b.keys()]);
    const programs: ProgCost[] = [];
    let perOpenNs = 0;
    for (const [id, p] of b) {
      const runs = p.runCnt - (a.get(id)?.runCnt ?? 0);
      if (!(runs > 0)) continue;
      const avgNs = (p.runTimeNs - (a.get(id)?.runTimeNs ?? 0)) / runs;
      programs.push({ name: names.get(id) ?? `prog id ${id}`, runs, avgNs });
      if (runs >= iterations / 2) perOpenNs += avgNs;
    }
    programs.sort((x, y) => y.runs - x.runs || x.name.localeCompare(y.name));
    progress(`bpf cost: ${programs.map((p) => `${p.name} ${p.avgNs.toFixed(0)} ns x ${p.runs}`).join(', ')}`);
    return { iterations, programs, perOpenNs, run };
  } finally {
    restoreBpfStats();
    await s.source.stop();
  }
}
