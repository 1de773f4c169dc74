// `sensor run`: the continuous sensor. Kernel events get their process,
// container and pod, are judged against the rules, and alerts go out (JSON
// lines on stdout by default). Logs go to stderr; one "ready" line once the
// programs are attached and the rules loaded.
import * as os from 'node:os';
import { parseArgs } from 'node:util';
import { RUN_CONFIG_OPTIONS, buildSinks, resolveRunConfig, type RunConfig } from '../config';
import type { EventType } from '../decode/types';
import { createEnrichStage } from '../enrich/setup';
import { BootClock } from '../kernel/clock';
import { DEFAULT_RING_SIZE, type ObjectName } from '../kernel/gadgets';
import { KernelSource, stopSummary } from '../kernel/source';
import { createLogger } from '../log';
import { DEFAULT_RULES_DIR } from '../rules/files';
import { RuleLoadError, RuleReloader, compileRulePaths } from '../rules/reload';
import { Pipeline } from '../run/pipeline';
import { UsageError } from './usage';

export const RUN_USAGE = `usage: sensor run [options]

Runs the sensor on this host: kernel events from the host and its containers,
judged against the rules; alerts as JSON lines on stdout (or to Kafka and
OTLP: see the alert options below and docs/configuration.md).

Options:
      --rules PATH          a rule file or a directory of them (repeatable);
                            loaded after the default rules
      --no-default-rules    do not load the default ruleset (${DEFAULT_RULES_DIR})
      --kubeconfig FILE     pod metadata from this cluster (in a pod: its
                            service account, without this option)
      --node-name NAME      this node's name (default $NODE_NAME, else the hostname)
      --no-k8s              no pod lookups, even in a cluster
      --k8s-api-ip IP       the API server's address (repeatable; default
                            $KUBERNETES_SERVICE_HOST), for the API-access rule
      --ring-size BYTES     ring buffer size for every gadget (power of two)
      --no-reload           do not watch the rule files (SIGHUP still reloads)
      --log-level LEVEL     stderr log level (default info)

Alert options (each also as env KESTREL_<NAME> and in the --config YAML file):
      --config FILE         settings from a YAML file (flags and env win)
      --sink stdout|kafka|otlp   where alerts go (repeatable; default stdout)
      --format falco|ocsf   alert format (default falco)
      --min-priority P      drop alerts less severe than P
      --dedupe-window MS    merge repeats of one alert within MS (0: off)
      --rate-limit N        distinct alerts per second per rule (0: no limit)
      --kafka-brokers LIST --kafka-topic T ...  see docs/configuration.md
      --otlp-endpoint URL --otlp-protocol ... see docs/configuration.md

Rules reload when their files change and on SIGHUP; a ruleset with an error
is refused and the previous one stays in force. SIGINT or SIGTERM: detach,
flush the alerts, exit 0.
`;

export interface RunOptions {
  config: RunConfig;
  rulePaths: string[];
  kubeconfig?: string;
  nodeName?: string;
  noK8s: boolean;
  apiServerIps: string[];
  ringSize?: number;
  reload: boolean;
  logLevel: string;
}

export function parseRunArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): RunOptions {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      ...RUN_CONFIG_OPTIONS,
      rules: { type: 'string', multiple: true, default: [] },
      'no-default-rules': { type: 'boolean', default: false },
      kubeconfig: { type: 'string' },
      'node-name': { type: 'string' },
      'no-k8s': { type: 'boolean', default: false },
      'k8s-api-ip': { type: 'string', multiple: true, default: [] },
      'ring-size': { type: 'string' },
      'no-reload': { type: 'boolean', default: false },
      'log-level': { type: 'string', default: env.SENSOR_LOG_LEVEL ?? 'info' },
    },
  });
  if (positionals.length) throw new UsageError(`run takes no arguments (got "${positionals[0]}")`);
  const settings: Record<string, unknown> = {};
  for (const k of Object.keys(RUN_CONFIG_OPTIONS)) if ((values as Record<string, unknown>)[k] !== undefined) settings[k] = (values as Record<string, unknown>)[k];
  const config = resolveRunConfig(settings, env, { callerKeys: ['rules'] });
  const fileRules = config.extra.rules;
  if (fileRules !== undefined && (!Array.isArray(fileRules) || fileRules.some((r) => typeof r !== 'string'))) {
    throw new UsageError(`${config.configFile}: "rules" takes a list of rule file or directory paths`);
  }
  const extraRules = values.rules?.length ? values.rules : ((fileRules as string[] | undefined) ?? []);
  const rulePaths = [...(values['no-default-rules'] ? [] : [DEFAULT_RULES_DIR]), ...extraRules];
  if (!rulePaths.length) throw new UsageError('--no-default-rules needs at least one --rules PATH');
  const ring = values['ring-size'];
  if (ring !== undefined && !/^\d+$/.test(ring)) throw new UsageError(`--ring-size takes a whole number, not "${ring}"`);
  const apiIps = values['k8s-api-ip'] ?? [];
  if (!apiIps.length && env.KUBERNETES_SERVICE_HOST) apiIps.push(env.KUBERNETES_SERVICE_HOST);
  return {
    config,
    rulePaths,
    kubeconfig: values.kubeconfig,
    nodeName: values['node-name'],
    noK8s: values['no-k8s'] ?? false,
    apiServerIps: apiIps,
    ringSize: ring === undefined ? undefined : Number(ring),
    reload: !values['no-reload'],
    logLevel: values['log-level'] ?? 'info',
  };
}

/** Every gadget: the process events build the tree, the rest feed rules. */
const RUN_TYPES: EventType[] = ['exec', 'fork', 'exit', 'open', 'connect', 'accept', 'dns', 'syscall'];

export async function runSensor(argv: string[]): Promise<number> {
  const opts = parseRunArgs(argv);
  const log = createLogger(opts.logLevel);
  for (const w of opts.config.warnings) log.warn({ config: opts.config.configFile ?? null }, w);
  const loadOpts = { extraListItems: { k8s_apiserver_ips: opts.apiServerIps } };
  let rules;
  try {
    rules = compileRulePaths(opts.rulePaths, log, loadOpts);
  } catch (err) {
    if (err instanceof RuleLoadError) {
      process.stderr.write(err.message + '\n');
      return 1;
    }
    throw err;
  }
  const clock = new BootClock();
  const stage = await createEnrichStage({ log, kubeconfig: opts.kubeconfig, nodeName: opts.nodeName, noK8s: opts.noK8s });
  const { sink, dedupe } = await buildSinks(opts.config, log, { nodeName: stage.enricher.nodeName, hostname: os.hostname() });
  const pipeline = new Pipeline({
    enricher: stage.enricher,
    clock,
    hostname: os.hostname(),
    rules,
    emit: (a) => dedupe.push(a),
    onError: (err, ev) => log.error({ err: (err as Error).message, type: ev.type }, 'event evaluation failed'),
  });
  const reloader = new RuleReloader({ paths: opts.rulePaths, log, load: loadOpts, onSwap: (r) => pipeline.setRules(r) });
  const ringSizes: Partial<Record<ObjectName, number>> | undefined = opts.ringSize
    ? Object.fromEntries(Object.keys(DEFAULT_RING_SIZE).map((k) => [k, opts.ringSize]))
    : undefined;
  const source = KernelSource.start({ types: RUN_TYPES, onEvent: pipeline.onEvent, log, ringSizes });

  const exited = new Promise<number>((resolve) => {
    let done = false;
    const finish = async (why: string): Promise<void> => {
      if (done) return;
      done = true;
      reloader.close();
      const stats = await source.stop();
      stage.stop();
      dedupe.close();
      await sink.close(Date.now() + 10_000);
      const summary = {
        ...stopSummary(why, stats),
        pipeline: pipeline.stats(),
        dedupe: dedupe.stats(),
        sink: sink.stats(),
        rules: reloader.stats(),
        enrich: stage.enricher.stats(),
      };
      if (summary.drops > 0 || stats.decodeErrors > 0) log.warn(summary, 'stopped; events were lost');
      else log.info(summary, 'stopped');
      resolve(0);
    };
    process.once('SIGINT', () => void finish('SIGINT'));
    process.once('SIGTERM', () => void finish('SIGTERM'));
    process.on('SIGHUP', () => reloader.reload('SIGHUP'));
  });
  stage.seed();
  reloader.setBaseline();
  if (opts.reload) reloader.watch();
  log.info(
    { rules: rules.rules.length, eventTypes: rules.eventTypes().length, files: rules.spec.files.length, k8s: stage.pods !== null, sinks: opts.config.sinks, format: opts.config.format },
    'ready',
  );
  return await exited;
}
