// The run configuration: sinks, alert format, dedupe, Kafka, spool and OTLP
// settings from flags, environment variables and a YAML file (flag > env >
// file > default), checked at start-up. resolveRunConfig takes the values of
// a parseArgs call, so a command merges RUN_CONFIG_OPTIONS with its own flags
// and parses once; parseRunConfig does the parsing itself.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Priority } from '../alerts/types';
import type { KafkaSinkOptions, OtlpSinkOptions, SaslMechanism, SpoolOptions, TlsFiles } from '../sinks/options';
import { ConfigError } from './errors';
import { ConfigFile, loadConfigFile } from './file';
import { Origin, Resolved, resolveAll } from './resolve';
import { FORMATS, RUN_CONFIG_OPTIONS, SETTING_BY_ID, SINK_KINDS } from './settings';
import { parseHostPort, parsePriority, ValueError } from './values';

export type SinkKind = (typeof SINK_KINDS)[number];
export type AlertFormat = (typeof FORMATS)[number];

export interface DedupeConfig {
  windowMs: number;
  ratePerSec: number;
  burst?: number;
  maxKeys: number;
  /** Per rule name, the output fields that identify an alert. */
  keyFields?: Record<string, string[]>;
}

/** The sensor's own metrics and health endpoints. */
export interface MetricsConfig {
  /** Where /metrics, /healthz and /readyz are served; null: nowhere. */
  listen: { host: string; port: number } | null;
  /** The address was configured, not the default: failing to bind it is an error. */
  explicit: boolean;
  /** OTLP http/protobuf collector for the sensor's metrics. */
  otlpEndpoint?: string;
  otlpIntervalMs: number;
}

export interface RunConfig {
  configFile?: string;
  metrics: MetricsConfig;
  /** SIGTERM: time the sinks get to deliver what is queued. */
  shutdownTimeoutMs: number;
  /** Keep opens no rule can match in the kernel (the interest set). */
  kernelFilter: boolean;
  /** The host's cgroup v2 mount, when not the one in /proc/self/mountinfo. */
  cgroupRoot?: string;
  sinks: SinkKind[];
  format: AlertFormat;
  minPriority: Priority;
  clusterName?: string;
  stdout: { queueSize: number };
  dedupe: DedupeConfig;
  /** Present when the kafka sink is on. */
  kafka?: KafkaSinkOptions;
  /** Present when the otlp sink is on; resource gets host.name and
   *  k8s.node.name from buildSinks. */
  otlp?: OtlpSinkOptions;
  /** The caller's own top-level YAML keys (ResolveOptions.callerKeys). */
  extra: Record<string, unknown>;
  /** Things worth a log line at start-up that are not errors. */
  warnings: string[];
  /** Where each setting that was given came from (secrets included by name only). */
  origins: Record<string, Exclude<Origin, 'default'>>;
}

export interface ResolveOptions {
  /** Top-level YAML keys the caller reads itself (e.g. rules, nodeName):
   *  not errors, returned in RunConfig.extra. */
  callerKeys?: readonly string[];
}

/** "--x (env KESTREL_X, YAML a.x)": every way to set a setting. */
export function settingNames(id: string): string {
  const s = SETTING_BY_ID.get(id)!;
  const ways = [s.env ? `env ${s.env}` : '', s.yaml ? `YAML ${s.yaml}` : ''].filter(Boolean).join(', ');
  return s.flag ? `--${s.flag} (${ways})` : ways;
}

function readSecretFile(path: string, where: string, problems: string[]): string | undefined {
  try {
    const text = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
    if (!text) problems.push(`${where}: ${path} is empty; put the password in it`);
    return text || undefined;
  } catch (err) {
    problems.push(`${where}: cannot read ${path} (${(err as NodeJS.ErrnoException).code})`);
    return undefined;
  }
}

class Settings {
  constructor(
    readonly r: Map<string, Resolved>,
    readonly problems: string[],
  ) {}
  get<T>(id: string): T {
    return this.r.get(id)?.value as T;
  }
  given(id: string): boolean {
    const o = this.r.get(id)?.origin;
    return o !== undefined && o !== 'default';
  }
  where(id: string): string {
    return this.r.get(id)?.where ?? settingNames(id);
  }
}

function tlsFiles(c: Settings, prefix: 'kafka' | 'otlp'): TlsFiles | undefined {
  const ca = c.get<string | undefined>(`${prefix}-tls-ca`);
  const cert = c.get<string | undefined>(`${prefix}-tls-cert`);
  const key = c.get<string | undefined>(`${prefix}-tls-key`);
  const servername = c.get<string | undefined>(`${prefix}-tls-server-name`);
  const insecure = c.get<boolean>(`${prefix}-tls-insecure-skip-verify`);
  if (cert && !key) c.problems.push(`${c.where(`${prefix}-tls-cert`)} needs a key: set ${settingNames(`${prefix}-tls-key`)}`);
  if (key && !cert) c.problems.push(`${c.where(`${prefix}-tls-key`)} needs a certificate: set ${settingNames(`${prefix}-tls-cert`)}`);
  if (!ca && !cert && !key && !servername && !insecure) return undefined;
  const t: TlsFiles = { rejectUnauthorized: !insecure };
  if (ca) t.ca = ca;
  if (cert) t.cert = cert;
  if (key) t.key = key;
  if (servername) t.servername = servername;
  return t;
}

function kafkaOptions(c: Settings): KafkaSinkOptions | undefined {
  const p = c.problems;
  const brokers = c.get<string[] | undefined>('kafka-brokers') ?? [];
  if (brokers.length === 0) {
    p.push(`the kafka sink needs brokers: set ${settingNames('kafka-brokers')}, e.g. kafka-0.kafka:9092,kafka-1.kafka:9092`);
  }
  for (const b of brokers) {
    try {
      parseHostPort(b);
    } catch (err) {
      if (err instanceof ValueError) p.push(`${c.where('kafka-brokers')}: ${err.message}`);
      else throw err;
    }
  }
  let topicByPriority: Record<string, string> | undefined;
  const byPriority = c.get<Record<string, string> | undefined>('kafka-topic-priority');
  if (byPriority) {
    topicByPriority = {};
    for (const [k, t] of Object.entries(byPriority)) {
      try {
        const prio = parsePriority(k);
        if (!t) throw new ValueError(`no topic given for ${prio}; write ${prio}=topic-name`);
        topicByPriority[prio] = t;
      } catch (err) {
        if (err instanceof ValueError) p.push(`${c.where('kafka-topic-priority')}: ${err.message}`);
        else throw err;
      }
    }
  }
  const opts: KafkaSinkOptions = {
    brokers,
    topic: c.get('kafka-topic'),
    clientId: c.get('kafka-client-id'),
    compression: c.get('kafka-compression'),
    acks: (c.get<string>('kafka-acks') === 'all' ? -1 : Number(c.get('kafka-acks'))) as -1 | 0 | 1,
    idempotent: c.get('kafka-idempotent'),
    lingerMs: c.get('kafka-linger-ms'),
    batchSize: c.get('kafka-batch-size'),
    queueSize: c.get('kafka-queue-size'),
    requestTimeoutMs: c.get('kafka-request-timeout-ms'),
    connectionTimeoutMs: c.get('kafka-connection-timeout-ms'),
  };
  if (topicByPriority && Object.keys(topicByPriority).length) opts.topicByPriority = topicByPriority;
  if (opts.idempotent && opts.acks !== -1) {
    p.push(`${c.where('kafka-idempotent')}: an idempotent producer needs acks -1; set ${settingNames('kafka-acks')} to -1 or --kafka-idempotent=false`);
  }
  const tls = tlsFiles(c, 'kafka');
  if (tls) opts.tls = tls;
  else if (c.get<boolean>('kafka-tls')) opts.tls = true;

  const mechanism = c.get<SaslMechanism | undefined>('kafka-sasl-mechanism');
  const username = c.get<string | undefined>('kafka-sasl-username');
  const envPassword = c.get<string | undefined>('kafka-sasl-password');
  const passwordFile = c.get<string | undefined>('kafka-sasl-password-file');
  if (envPassword !== undefined && passwordFile !== undefined) {
    p.push(`the Kafka password is given twice (env KESTREL_KAFKA_SASL_PASSWORD and ${c.where('kafka-sasl-password-file')}); keep one`);
  }
  if (mechanism || username || envPassword || passwordFile) {
    const password = envPassword ?? (passwordFile ? readSecretFile(passwordFile, c.where('kafka-sasl-password-file'), p) : undefined);
    if (!mechanism) p.push(`SASL credentials are set but no mechanism: set ${settingNames('kafka-sasl-mechanism')} (plain, scram-sha-256 or scram-sha-512)`);
    if (!username) p.push(`SASL needs a user name: set ${settingNames('kafka-sasl-username')}`);
    if (password === undefined && !passwordFile) {
      p.push(`SASL needs a password: set env KESTREL_KAFKA_SASL_PASSWORD or ${settingNames('kafka-sasl-password-file')}`);
    }
    if (mechanism && username && password !== undefined) opts.sasl = { mechanism, username, password };
  }
  const dir = c.get<string | undefined>('spool-dir');
  if (dir) {
    const spool: SpoolOptions = {
      dir,
      maxBytes: c.get('spool-max-bytes'),
      fsync: c.get('spool-fsync'),
      fsyncIntervalMs: c.get('spool-fsync-interval-ms'),
    };
    opts.spool = spool;
  }
  return opts;
}

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

function otlpOptions(c: Settings): OtlpSinkOptions {
  const p = c.problems;
  const protocol = c.get<OtlpSinkOptions['protocol']>('otlp-protocol');
  const endpoint = c.get<string | undefined>('otlp-endpoint') ?? (protocol === 'grpc' ? 'http://localhost:4317' : 'http://localhost:4318');
  const url = new URL(endpoint);
  if (protocol === 'grpc' && url.pathname !== '/' && url.pathname !== '') {
    p.push(`${c.where('otlp-endpoint')}: a gRPC endpoint takes no path ("${url.pathname}"); write ${url.protocol}//${url.host}`);
  }
  const tls = tlsFiles(c, 'otlp');
  if (tls && url.protocol === 'http:') {
    p.push(`${c.where('otlp-endpoint')}: TLS settings are given but the endpoint is plain http://; write https://${url.host}${url.pathname === '/' ? '' : url.pathname}`);
  }
  const headers = c.get<Record<string, string> | undefined>('otlp-header') ?? {};
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(headers)) {
    if (!HEADER_NAME.test(k)) p.push(`${c.where('otlp-header')}: "${k}" is not a valid header name; use letters, digits and - only`);
    else if (protocol === 'grpc' && k.toLowerCase().endsWith('-bin')) p.push(`${c.where('otlp-header')}: binary metadata ("${k}") is not supported; drop the -bin suffix`);
    else if (/[\r\n\0]/.test(val)) p.push(`${c.where('otlp-header')}: the value of "${k}" contains a line break or NUL; remove it`);
    else out[protocol === 'grpc' ? k.toLowerCase() : k] = val;
  }
  const opts: OtlpSinkOptions = {
    endpoint,
    protocol,
    headers: out,
    timeoutMs: c.get('otlp-timeout-ms'),
    queueSize: c.get('otlp-queue-size'),
    maxExportBatchSize: c.get('otlp-batch-size'),
    scheduledDelayMs: c.get('otlp-batch-delay-ms'),
    maxAttempts: c.get('otlp-max-attempts'),
    resource: {},
  };
  if (opts.maxExportBatchSize > opts.queueSize) {
    p.push(`${c.where('otlp-batch-size')}: a batch (${opts.maxExportBatchSize}) cannot be larger than the queue (${opts.queueSize}); lower it or raise ${settingNames('otlp-queue-size')}`);
  }
  if (tls) opts.tls = tls;
  const cluster = c.get<string | undefined>('cluster-name');
  if (cluster) opts.resource['k8s.cluster.name'] = cluster;
  return opts;
}

function metricsConfig(c: Settings): MetricsConfig {
  const addr = c.get<string>('metrics-addr');
  let listen: MetricsConfig['listen'] = null;
  if (addr !== 'off') {
    try {
      parseHostPort(addr);
      const i = addr.lastIndexOf(':');
      listen = { host: addr.slice(0, i).replace(/^\[(.*)\]$/, '$1'), port: Number(addr.slice(i + 1)) };
    } catch {
      c.problems.push(`${c.where('metrics-addr')}: "${addr}" is not HOST:PORT; write e.g. 127.0.0.1:9464, 0.0.0.0:9464 in a pod, or off`);
    }
  }
  const m: MetricsConfig = { listen, explicit: c.given('metrics-addr'), otlpIntervalMs: c.get('metrics-otlp-interval-ms') };
  const ep = c.get<string | undefined>('metrics-otlp-endpoint');
  if (ep) m.otlpEndpoint = ep;
  return m;
}

/** Builds the run configuration; throws ConfigError listing every problem. */
export function resolveRunConfig(
  values: Readonly<Record<string, unknown>>,
  env: NodeJS.ProcessEnv,
  opts: ResolveOptions = {},
): RunConfig {
  const problems: string[] = [];
  if (values.config === true) problems.push('--config needs a value: the path of a YAML file, e.g. --config /etc/kestrel/config.yaml');
  const configPath = typeof values.config === 'string' ? values.config : env.KESTREL_CONFIG || undefined;
  let file: ConfigFile | undefined;
  if (configPath) file = loadConfigFile(configPath, new Set(opts.callerKeys ?? []), problems);
  const c = new Settings(resolveAll({ flags: values, env, file }, problems), problems);

  const sinks = c.get<SinkKind[] | undefined>('sink') ?? [];
  if (c.r.has('sink') && sinks.length === 0) problems.push(`${c.where('sink')}: no sink given; use one or more of ${SINK_KINDS.join(', ')}`);
  const cfg: RunConfig = {
    metrics: metricsConfig(c),
    shutdownTimeoutMs: c.get('shutdown-timeout-ms'),
    kernelFilter: c.get('kernel-filter'),
    sinks,
    format: c.get('format'),
    minPriority: c.get('min-priority'),
    stdout: { queueSize: c.get('stdout-queue-size') },
    dedupe: {
      windowMs: c.get('dedupe-window'),
      ratePerSec: c.get('rate-limit'),
      maxKeys: c.get('dedupe-max-keys'),
    },
    extra: file?.extra ?? {},
    warnings: [],
    origins: {},
  };
  if (configPath) cfg.configFile = configPath;
  const cgroupRoot = c.get<string | undefined>('cgroup-root');
  if (cgroupRoot) cfg.cgroupRoot = cgroupRoot;
  const cluster = c.get<string | undefined>('cluster-name');
  if (cluster) cfg.clusterName = cluster;
  const burst = c.get<number | undefined>('rate-limit-burst');
  if (burst !== undefined) cfg.dedupe.burst = burst;
  const keyFields = c.get<Record<string, string[]> | undefined>('dedupe-key-fields');
  if (keyFields) cfg.dedupe.keyFields = keyFields;
  for (const [id, r] of c.r) if (r.origin !== 'default') cfg.origins[id] = r.origin;

  if (sinks.includes('kafka')) cfg.kafka = kafkaOptions(c);
  else if ([...c.r.keys()].some((id) => (id.startsWith('kafka-') || id.startsWith('spool-')) && c.given(id))) {
    cfg.warnings.push('Kafka or spool settings are given but the kafka sink is off; add --sink kafka to use them');
  }
  if (sinks.includes('otlp')) cfg.otlp = otlpOptions(c);
  else if ([...c.r.keys()].some((id) => id.startsWith('otlp-') && c.given(id))) {
    cfg.warnings.push('OTLP settings are given but the otlp sink is off; add --sink otlp to use them');
  }
  if (problems.length) throw new ConfigError(problems);
  return cfg;
}

/** Parses argv for the run settings only; other flags and positionals are
 *  left to the caller. */
export function parseRunConfig(argv: string[], env: NodeJS.ProcessEnv, opts: ResolveOptions = {}): RunConfig {
  const { values } = parseArgs({ args: argv, options: { ...RUN_CONFIG_OPTIONS }, strict: false, allowPositionals: true });
  const ours: Record<string, unknown> = {};
  for (const k of Object.keys(RUN_CONFIG_OPTIONS)) if (values[k] !== undefined) ours[k] = values[k];
  return resolveRunConfig(ours, env, opts);
}
