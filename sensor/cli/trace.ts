// `sensor trace GADGET... [-o columns|json] [--comm NAME] [--pid N] [--timeout S]`
// Live events from this host and its containers, for investigations.
import { parseArgs } from 'node:util';
import { toFields } from '../decode/fields';
import { contextFields } from '../enrich/context-fields';
import { createEnrichStage } from '../enrich/setup';
import { EVENT_TYPES, EventType, SensorEvent } from '../decode/types';
import { BootClock } from '../kernel/clock';
import { DEFAULT_RING_SIZE, ObjectName } from '../kernel/gadgets';
import { KernelSource, stopSummary } from '../kernel/source';
import { createLogger } from '../log';
import { ColumnFormatter } from '../trace/columns';
import { matches, TraceFilter } from '../trace/filter';
import { UsageError } from './usage';

export const TRACE_USAGE = `usage: sensor trace GADGET... [options]

Gadgets: ${EVENT_TYPES.join(', ')} (several may be given, or "all")

Options:
  -o, --output columns|json   output format (default columns); json prints one
                              object per line with Falco-style field names
      --comm NAME             only events of processes with this name
      --pid N                 only events of this process (tgid)
      --namespace NS          only events of pods in this Kubernetes namespace
      --pod NAME              only events of this pod
      --container NAME|ID     only events of this container (name, or 12+
                              characters of its ID)
      --kubeconfig FILE       pod metadata from this cluster (in a pod: its
                              service account, without this option)
      --node-name NAME        this node's name (default $NODE_NAME, else the
                              hostname)
      --no-k8s                no pod lookups, even in a cluster
      --timeout S             stop after S seconds
      --ring-size BYTES       ring buffer size for every gadget (power of two)
      --dns-timeout MS        a DNS query with no response after MS is
                              reported as unanswered (default 5000)
      --trace-self            also trace the sensor's own process
      --log-level LEVEL       stderr log level (default info)
`;

interface TraceOptions {
  types: EventType[];
  output: 'columns' | 'json';
  filter: TraceFilter;
  timeoutS?: number;
  ringSize?: number;
  dnsTimeoutMs?: number;
  traceSelf: boolean;
  kubeconfig?: string;
  nodeName?: string;
  noK8s: boolean;
  logLevel: string;
}

function positiveInt(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new UsageError(`${name} takes a whole number, not "${v}"`);
  return Number(v);
}

export function parseTraceArgs(argv: string[]): TraceOptions {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      output: { type: 'string', short: 'o', default: 'columns' },
      comm: { type: 'string' },
      pid: { type: 'string' },
      timeout: { type: 'string' },
      'ring-size': { type: 'string' },
      'dns-timeout': { type: 'string' },
      namespace: { type: 'string' },
      pod: { type: 'string' },
      container: { type: 'string' },
      kubeconfig: { type: 'string' },
      'node-name': { type: 'string' },
      'no-k8s': { type: 'boolean', default: false },
      'trace-self': { type: 'boolean', default: false },
      'log-level': { type: 'string', default: process.env.SENSOR_LOG_LEVEL ?? 'info' },
    },
  });
  const names = positionals.flatMap((p) => p.split(',')).filter(Boolean);
  if (names.length === 0) throw new UsageError('trace needs at least one gadget');
  const types: EventType[] = [];
  for (const n of names) {
    if (n === 'all') types.push(...EVENT_TYPES);
    else if ((EVENT_TYPES as readonly string[]).includes(n)) types.push(n as EventType);
    else throw new UsageError(`unknown gadget "${n}"; choose from ${EVENT_TYPES.join(', ')}, all`);
  }
  if (values.output !== 'columns' && values.output !== 'json') {
    throw new UsageError(`--output must be columns or json, not "${values.output}"`);
  }
  const timeoutS = values.timeout === undefined ? undefined : Number(values.timeout);
  if (timeoutS !== undefined && !(timeoutS > 0)) throw new UsageError(`--timeout takes a positive number of seconds`);
  return {
    types: [...new Set(types)],
    output: values.output,
    filter: {
      comm: values.comm,
      pid: positiveInt('--pid', values.pid),
      namespace: values.namespace,
      pod: values.pod,
      container: values.container,
    },
    kubeconfig: values.kubeconfig,
    nodeName: values['node-name'],
    noK8s: values['no-k8s'] ?? false,
    timeoutS,
    ringSize: positiveInt('--ring-size', values['ring-size']),
    dnsTimeoutMs: positiveInt('--dns-timeout', values['dns-timeout']),
    traceSelf: values['trace-self'] ?? false,
    logLevel: values['log-level'] ?? 'info',
  };
}

/** Runs until SIGINT, SIGTERM, --timeout or a closed stdout; returns the exit code. */
export async function runTrace(argv: string[]): Promise<number> {
  const opts = parseTraceArgs(argv);
  const log = createLogger(opts.logLevel);
  const clock = new BootClock();
  const out = process.stdout;
  const stage = await createEnrichStage({ log, kubeconfig: opts.kubeconfig, nodeName: opts.nodeName, noK8s: opts.noK8s, eventClockNs: BootClock.nowNs });
  const nodeName = stage.enricher.nodeName;
  const columns = opts.output === 'columns' ? new ColumnFormatter(opts.types, clock, stage.pods !== null) : null;
  const printed = new Set<EventType>(opts.types);
  let source: KernelSource | null = null;
  let outClosed = false;

  const write = (line: string): void => {
    if (outClosed) return;
    if (!out.write(line + '\n') && source) {
      // Let the kernel hold (and, when full, drop and count) while stdout drains.
      source.pause();
      out.once('drain', () => source?.resume());
    }
  };
  const onEvent = (ev: SensorEvent): void => {
    // Every process event feeds the cache, printed or not.
    const ctx = stage.enricher.enrich(ev);
    if (!printed.has(ev.type) || !matches(opts.filter, ev, ctx)) return;
    write(columns ? columns.row(ev, ctx) : JSON.stringify(contextFields(ctx, nodeName, toFields(ev, clock))));
  };

  const ringSizes: Partial<Record<ObjectName, number>> | undefined = opts.ringSize
    ? Object.fromEntries(Object.keys(DEFAULT_RING_SIZE).map((k) => [k, opts.ringSize]))
    : undefined;
  source = KernelSource.start({
    // The process events are always read: they build the process tree.
    types: [...new Set<EventType>([...opts.types, 'exec', 'fork', 'exit'])],
    onEvent,
    log,
    ringSizes,
    traceSelf: opts.traceSelf,
    dns: opts.dnsTimeoutMs ? { timeoutMs: opts.dnsTimeoutMs } : undefined,
  });
  // Handlers first, then "tracing": a signal sent the moment a supervisor
  // reads that line must find them installed, not the default action.
  const exited = new Promise<number>((resolve) => {
    let done = false;
    const finish = async (why: string): Promise<void> => {
      if (done) return;
      done = true;
      const stats = await source!.stop();
      stage.stop();
      const summary = {
        ...stopSummary(why, stats),
        rings: stats.rings,
        enrich: stage.enricher.stats(),
        pods: stage.pods?.stats() ?? null,
      };
      if (summary.drops > 0 || stats.decodeErrors > 0) log.warn(summary, 'stopped; events were lost');
      else log.info(summary, 'stopped');
      const code = 0;
      if (outClosed) return resolve(code);
      out.write('', () => resolve(code));
    };
    out.on('error', () => {
      outClosed = true; // e.g. piped into head(1)
      void finish('stdout closed');
    });
    process.once('SIGINT', () => void finish('SIGINT'));
    process.once('SIGTERM', () => void finish('SIGTERM'));
    if (opts.timeoutS) setTimeout(() => void finish('timeout'), opts.timeoutS * 1000);
  });
  stage.seed();
  if (columns) write(columns.header());
  log.info({ gadgets: opts.types, output: opts.output }, 'tracing');
  return await exited;
}
