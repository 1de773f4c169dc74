// `sensor run`: the continuous sensor. Kernel events get their process,
// container and pod, are judged against the rules, and alerts go out (JSON
// lines on stdout by default). Logs go to stderr; one "ready" line once the
// programs are attached and the rules loaded.
import { parseArgs } from 'node:util';
import { RUN_CONFIG_OPTIONS, resolveRunConfig, type RunConfig } from '../config';
import { createLogger } from '../log';
import { DEFAULT_RULES_DIR } from '../rules/files';
import { runSensor } from '../run/sensor';
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
      --metrics-addr HOST:PORT  serve /metrics, /healthz, /readyz (default
                            127.0.0.1:9464; off: none)
      --shutdown-timeout-ms MS  on SIGTERM, time to deliver queued alerts
      --kernel-filter=false  every open reaches the rules (default: opens no
                            rule can match stay in the kernel)
      --cgroup-root DIR     the host's cgroup v2 mount (in a pod: where the
                            host's /sys/fs/cgroup is mounted)

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

export async function runSensorCli(argv: string[]): Promise<number> {
  const opts = parseRunArgs(argv);
  const code = await runSensor({ ...opts, log: createLogger(opts.logLevel) });
  // Everything is delivered or counted and the summary logged (synchronously):
  // a client library's pending retries must not hold the exit past the pod's
  // grace period. The timer does not keep an idle process alive.
  setTimeout(() => process.exit(code), 500).unref();
  return code;
}
