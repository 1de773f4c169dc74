// BENCHMARKS.md section for stage 10 (issue 8 b, c, f through the real
// `sensor run`), with the aims beside the figures.
import type { SuiteBench } from './suite';

const n = (x: number, d = 0): string => (Number.isFinite(x) ? x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }) : 'n/a');
const pct = (r: number): string => `${r >= 1 ? '+' : ''}${n(100 * (r - 1), 1)}%`;
const mib = (b: number): string => `${n(b / 2 ** 20)} MiB`;

function table(head: string[], rows: string[][]): string[] {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

export function suiteRows(s: SuiteBench | { skipped: string }): [string, string, string][] {
  if ('skipped' in s) return [['Workload slowdown, CPU and RSS, 1M-open burst (sensor run)', 'not measured', s.skipped]];
  const ok = s.throughput.filter((x) => x.drops === 0);
  const top = ok[ok.length - 1];
  const rows: [string, string, string][] = [
    [
      'Highest rate judged by the rules with zero drops (`sensor run`, watched opens)',
      top ? `${n(top.offered)} offered, ${n(top.achieved)}/s judged, ${n(100 * top.cpuShare)}% of a core` : 'none without drops',
      `issue 8 aim ≥ 300,000/s: ${top && top.achieved >= 300_000 ? 'met' : '**missed**'}`,
    ],
  ];
  rows.push(...s.slowdown.map((x): [string, string, string] => [
    `Slowdown under \`sensor run\`: ${x.label}`,
    `${pct(x.ratio)} (${n(x.baseMedian)} → ${n(x.tracedMedian)} ns per iteration)`,
    x.aim !== undefined ? `issue 8 aim ≤ ${n(100 * x.aim)}%: ${x.ratio - 1 <= x.aim ? 'met' : '**missed**'}` : 'no aim; reported',
  ]));
  const [idle, busy] = s.resources;
  rows.push([
    '`sensor run` at idle: CPU, RSS',
    `${n(100 * idle.cpuShare, 1)}% of a core, ${mib(idle.rssBytes)}`,
    `issue 8 aim < 1% and < 150 MB: ${idle.cpuShare < 0.01 && idle.rssBytes < 150e6 ? 'met' : '**missed**'}`,
  ]);
  rows.push(['`sensor run` at 10k watched opens/s (read, enriched, judged): CPU, RSS', `${n(100 * busy.cpuShare, 1)}% of a core, ${mib(busy.rssBytes)}`, `${n(busy.events)} events read in ${n(busy.seconds, 1)} s`]);
  const d = s.burst.dropsByRing;
  const zero = (d.process ?? 0) === 0 && (d.syscalls ?? 0) === 0;
  rows.push([
    `Burst of ${n(s.burst.opens)} opens: kernel drops per ring`,
    Object.entries(d).map(([k, v]) => `${k} ${n(v)}`).join(', '),
    `issue 8 aim: zero exec and security drops: ${zero ? 'met' : '**missed**'}`,
  ]);
  return rows;
}

export function suiteMarkdown(s: SuiteBench | { skipped: string }): string[] {
  const head = ['### 10. Workload slowdown, resources and a burst, through the real `sensor run`', ''];
  if ('skipped' in s) return [...head, `Not measured: ${s.skipped}.`, ''];
  return [
    ...head,
    '`sensor run --no-k8s` with the default rules and every gadget as a child process (alerts to stdout, read and counted by the benchmark).',
    '',
    'Throughput: one more rule looks at every open below a benchmark directory and fires for no process, so each event is enriched and judged but raises nothing. `dist/helpers/openrate` (one generator up to 100k/s, two above) opens a file there at each offered rate for 3 s; the rate steps up until the kernel drops. Judged events per second come from the sensor\'s `kestrel_rule_evaluated_events_total`, drops from `kestrel_kernel_drops_total`.',
    '',
    ...table(
      ['offered opens/s', 'judged/s', 'kernel drops', 'sensor CPU'],
      s.throughput.map((x) => [n(x.offered), n(x.achieved), n(x.drops), `${n(100 * x.cpuShare)}%`]),
    ),
    '',
    'Slowdown: each loop runs without the sensor, then with a freshly started sensor, three times alternately; medians compared. The helpers time themselves (test/helpers/fileops.c, procops.c, netops.c).',
    '',
    ...table(
      ['load', 'command', 'without (ns/iteration)', 'with (ns/iteration)', 'slowdown'],
      s.slowdown.map((x) => [x.label, `\`${x.command}\``, x.base.map((v) => n(v)).join(' / '), x.traced.map((v) => n(v)).join(' / '), pct(x.ratio)]),
    ),
    '',
    ...table(
      ['state', 'seconds', 'CPU (share of one core)', 'RSS', 'of it: anonymous / file / shared', 'events read'],
      s.resources.map((r) => [
        r.label, n(r.seconds, 1), `${n(100 * r.cpuShare, 2)}%`, mib(r.rssBytes),
        r.rssParts ? `${mib(r.rssParts.anon)} / ${mib(r.rssParts.file)} / ${mib(r.rssParts.shmem)}` : 'n/a',
        n(r.events),
      ]),
    ),
    '',
    `Burst: two \`fileops loop\` generators opened a watched file (a never-firing rule looks at it, so every open goes to the file ring) ${n(s.burst.opens)} times in ${n(s.burst.seconds, 1)} s while \`procops execloop ${s.burst.execs}\` and 50 \`secops ptrace-traceme\` ran. Per ring, from the sensor's own \`/metrics\`:`,
    '',
    ...table(
      ['ring', 'records read', 'kernel drops'],
      Object.keys(s.burst.recordsByRing).map((k) => [k, n(s.burst.recordsByRing[k]), n(s.burst.dropsByRing[k] ?? 0)]),
    ),
    '',
  ];
}
