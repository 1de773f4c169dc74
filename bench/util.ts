// Small helpers shared by the benchmark stages: progress lines, statistics,
// number formatting, sleeping.

export function progress(msg: string): void {
  process.stderr.write(`bench: ${msg}\n`);
}

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Seconds between two process.hrtime.bigint() readings. */
export function secs(from: bigint, to: bigint): number {
  return Number(to - from) / 1e9;
}

/** CPU seconds (user + system) of a process.cpuUsage() delta. */
export function cpuSecs(u: NodeJS.CpuUsage): number {
  return (u.user + u.system) / 1e6;
}

/** 1234567 -> "1,234,567"; fractions to `digits` places. */
export function num(n: number, digits = 0): string {
  if (!Number.isFinite(n)) return 'n/a';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Events per second, rounded to thousands: "412k/s". */
export function rate(n: number): string {
  if (!Number.isFinite(n)) return 'n/a';
  return n >= 10000 ? `${num(n / 1000)}k/s` : `${num(n)}/s`;
}

export function pct(ratio: number): string {
  if (!Number.isFinite(ratio)) return 'n/a';
  const p = (ratio - 1) * 100;
  return `${p >= 0 ? '+' : ''}${num(p)}%`;
}

/** A whole-number count scaled by $BENCH_SCALE (for quick trial runs). */
export function scaled(n: number): number {
  const s = Number(process.env.BENCH_SCALE ?? '1');
  return Math.max(1000, Math.round(n * (Number.isFinite(s) && s > 0 ? s : 1)));
}
