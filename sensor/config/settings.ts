// Every run setting in one table: its flag, environment variable, YAML key,
// kind, default and meaning. The flags, the YAML schema, the validation and
// docs/configuration.md all follow from it (a test checks the doc lists every
// row). Precedence: flag > environment > file > default.

export type Kind =
  | 'string'
  | 'int'
  | 'bool'
  | 'duration'
  | 'bytes'
  | 'list'
  | 'map'
  | 'enum'
  | 'url'
  | 'file'
  | 'priority'
  | 'keyfields'
  | 'secret';

export interface Setting {
  /** Identifies the setting; equal to the flag name where there is a flag. */
  id: string;
  /** Absent: no flag (the Kafka password never is one). */
  flag?: string;
  /** Absent: no environment variable. */
  env?: string;
  /** Dotted path in the YAML file; absent: not settable there. */
  yaml?: string;
  kind: Kind;
  values?: readonly string[];
  min?: number;
  max?: number;
  /** The flag may be given more than once. */
  multiple?: boolean;
  /** map: split a single flag or env value on commas. */
  split?: boolean;
  /** The default, as the documentation shows it. */
  def: string;
  doc: string;
}

export const SINK_KINDS = ['stdout', 'kafka', 'otlp'] as const;
export const FORMATS = ['falco', 'ocsf'] as const;

/** KESTREL_ + the flag in upper snake case. */
export function envName(flag: string): string {
  return `KESTREL_${flag.toUpperCase().replace(/-/g, '_')}`;
}

type Extra = Partial<Omit<Setting, 'id' | 'kind' | 'def' | 'doc' | 'yaml'>>;

function s(flag: string, yaml: string | undefined, kind: Kind, def: string, doc: string, extra: Extra = {}): Setting {
  return { id: flag, flag, env: envName(flag), yaml, kind, def, doc, ...extra };
}

const MS = { min: 0, max: 24 * 3_600_000 };

export const SETTINGS: readonly Setting[] = Object.freeze([
  // general
  s('config', undefined, 'file', '(none)', 'YAML file with these settings; flags and environment variables override it.'),
  s('sink', 'sinks', 'list', 'stdout', 'Where alerts go: stdout, kafka, otlp. Repeat the flag or separate with commas.', { values: SINK_KINDS, multiple: true }),
  s('format', 'format', 'enum', 'falco', 'Alert format for stdout and Kafka: falco (Falco JSON) or ocsf (OCSF Detection Finding).', { values: FORMATS }),
  s('min-priority', 'minPriority', 'priority', 'Debug', 'Drop alerts less severe than this (Emergency, Alert, Critical, Error, Warning, Notice, Informational, Debug).'),
  s('cluster-name', 'clusterName', 'string', '(none)', 'Cluster name, sent as the OTLP resource attribute k8s.cluster.name.'),
  s('stdout-queue-size', 'stdout.queueSize', 'int', '10000', 'Alerts held while stdout is backed up; beyond it they are dropped and counted.', { min: 1 }),
  // the sensor process
  s('metrics-addr', 'metrics.addr', 'string', '127.0.0.1:9464', 'HOST:PORT serving /metrics (Prometheus), /healthz and /readyz; "off" serves nothing. In a pod use 0.0.0.0:9464.'),
  s('metrics-otlp-endpoint', 'metrics.otlpEndpoint', 'url', '(none)', 'Also push the sensor\'s own metrics over OTLP http/protobuf to this collector URL ({endpoint}/v1/metrics).'),
  s('metrics-otlp-interval-ms', 'metrics.otlpIntervalMs', 'int', '30000', 'Period of the OTLP metric export.', { min: 100, max: MS.max }),
  s('shutdown-timeout-ms', 'shutdownTimeoutMs', 'int', '10000', 'On SIGTERM, how long the sinks get to deliver what is queued before the sensor exits; keep it below the pod\'s terminationGracePeriodSeconds.', { min: 0, max: MS.max }),
  s('kernel-filter', 'kernelFilter', 'bool', 'true', 'Keep read-only opens that no loaded rule can match in the kernel (the interest set; `sensor rules interest` shows it). false: every open reaches the rules, at a higher CPU cost (to compare, or to debug a rule). Write --kernel-filter=false.'),
  s('cgroup-root', 'cgroupRoot', 'string', '(the cgroup v2 mount in /proc/self/mountinfo)', 'The host\'s cgroup v2 mount. A pod with a private cgroup namespace sees only its own subtree: mount the host\'s /sys/fs/cgroup and name it here.'),
  // dedupe and rate limit
  s('dedupe-window', 'dedupe.window', 'duration', '10s', 'Repeats of an alert within this window are merged into one summary with a count; 0 turns merging off.', { min: 0 }),
  s('rate-limit', 'dedupe.rateLimit', 'int', '100', 'Distinct alerts per second each rule may send; the excess is dropped, counted and reported in a summary. 0: no limit.'),
  s('rate-limit-burst', 'dedupe.burst', 'int', '(= rate-limit)', 'Alerts a quiet rule may send at once before the rate limit applies.', { min: 1 }),
  s('dedupe-max-keys', 'dedupe.maxKeys', 'int', '10000', 'Dedupe windows held at most; when full the oldest closes early (its summary is sent).', { min: 1 }),
  {
    id: 'dedupe-key-fields', yaml: 'dedupe.keyFields', kind: 'keyfields', def: '(every non-volatile field)',
    doc: 'Per rule, the output fields that make two alerts the same: {"Rule name": [field, ...]}. YAML only.',
  },
  // Kafka
  s('kafka-brokers', 'kafka.brokers', 'list', '(required for the kafka sink)', 'Bootstrap brokers, host:port, comma-separated or a YAML list.'),
  s('kafka-topic', 'kafka.topic', 'string', 'kestrel-alerts', 'Topic for alerts.'),
  s('kafka-topic-priority', 'kafka.topicByPriority', 'map', '(none)', 'Topics by priority, e.g. Critical=alerts-critical,Emergency=alerts-critical; others go to kafka-topic.', { split: true }),
  s('kafka-client-id', 'kafka.clientId', 'string', 'kestrel-sensor', 'Kafka client id.'),
  s('kafka-compression', 'kafka.compression', 'enum', 'gzip', 'Compression: none, gzip, snappy, lz4, zstd (the last three need their kafkajs codec package; without it the sensor refuses to start).', { values: ['none', 'gzip', 'snappy', 'lz4', 'zstd'] }),
  s('kafka-acks', 'kafka.acks', 'enum', '-1', 'Acknowledgements: -1 (all in-sync replicas; also "all"), 1 (leader), 0 (none).', { values: ['-1', '1', '0', 'all'] }),
  s('kafka-idempotent', 'kafka.idempotent', 'bool', 'true', 'Idempotent producer (no duplicates on retry). Write --kafka-idempotent=false to turn off.'),
  s('kafka-linger-ms', 'kafka.lingerMs', 'int', '10', 'How long to gather alerts into one produce request.', MS),
  s('kafka-batch-size', 'kafka.batchSize', 'int', '500', 'Alerts per produce request at most.', { min: 1 }),
  s('kafka-queue-size', 'kafka.queueSize', 'int', '10000', 'Alerts held in memory before the spool takes over (or they are dropped).', { min: 1 }),
  s('kafka-request-timeout-ms', 'kafka.requestTimeoutMs', 'int', '30000', 'Produce request timeout.', { min: 1, max: MS.max }),
  s('kafka-connection-timeout-ms', 'kafka.connectionTimeoutMs', 'int', '10000', 'Broker connection timeout.', { min: 1, max: MS.max }),
  s('kafka-tls', 'kafka.tls.enabled', 'bool', 'false', 'TLS to the brokers (implied by any kafka-tls-* file). Write --kafka-tls=true.'),
  s('kafka-tls-ca', 'kafka.tls.ca', 'file', '(system CAs)', 'PEM file of CAs that sign the brokers\' certificates.'),
  s('kafka-tls-cert', 'kafka.tls.cert', 'file', '(none)', 'PEM client certificate (mutual TLS); needs kafka-tls-key.'),
  s('kafka-tls-key', 'kafka.tls.key', 'file', '(none)', 'PEM client key (mutual TLS); needs kafka-tls-cert.'),
  s('kafka-tls-server-name', 'kafka.tls.serverName', 'string', '(broker host)', 'Server name to verify the brokers\' certificates against.'),
  s('kafka-tls-insecure-skip-verify', 'kafka.tls.insecureSkipVerify', 'bool', 'false', 'Do not verify the brokers\' certificates (testing only).'),
  s('kafka-sasl-mechanism', 'kafka.sasl.mechanism', 'enum', '(no SASL)', 'SASL mechanism: plain, scram-sha-256, scram-sha-512.', { values: ['plain', 'scram-sha-256', 'scram-sha-512'] }),
  s('kafka-sasl-username', 'kafka.sasl.username', 'string', '(none)', 'SASL user name.'),
  s('kafka-sasl-password-file', 'kafka.sasl.passwordFile', 'file', '(none)', 'File holding the SASL password (e.g. a mounted Secret); a trailing newline is ignored.'),
  {
    id: 'kafka-sasl-password', env: 'KESTREL_KAFKA_SASL_PASSWORD', kind: 'secret', def: '(none)',
    doc: 'SASL password, from the environment only (never a flag or the YAML file); or use kafka-sasl-password-file.',
  },
  // spool
  s('spool-dir', 'spool.dir', 'string', '(no spool)', 'Directory for the on-disk Kafka spool; alerts wait there while the brokers are unreachable.'),
  s('spool-max-bytes', 'spool.maxBytes', 'bytes', '256MiB', 'Spool size cap; beyond it alerts are dropped and counted.', { min: 1 }),
  s('spool-fsync', 'spool.fsync', 'enum', 'interval', 'When the spool is fsynced: always, interval, never.', { values: ['always', 'interval', 'never'] }),
  s('spool-fsync-interval-ms', 'spool.fsyncIntervalMs', 'int', '1000', 'fsync period with spool-fsync=interval.', { min: 1, max: MS.max }),
  // OTLP
  s('otlp-endpoint', 'otlp.endpoint', 'url', '(http://localhost:4318; grpc: http://localhost:4317)', 'Collector URL. http/protobuf posts to {endpoint}/v1/logs; grpc takes scheme://host:port (https:// for TLS).'),
  s('otlp-protocol', 'otlp.protocol', 'enum', 'http/protobuf', 'OTLP transport: http/protobuf or grpc.', { values: ['http/protobuf', 'grpc'] }),
  s('otlp-header', 'otlp.headers', 'map', '(none)', 'Header (gRPC: metadata) k=v; repeat the flag. The environment form, KESTREL_OTLP_HEADERS, takes k=v,k2=v2 with %-encoded values. Sources merge by key.', { multiple: true, env: 'KESTREL_OTLP_HEADERS' }),
  s('otlp-tls-ca', 'otlp.tls.ca', 'file', '(system CAs)', 'PEM file of CAs that sign the collector\'s certificate (https:// endpoints).'),
  s('otlp-tls-cert', 'otlp.tls.cert', 'file', '(none)', 'PEM client certificate (mutual TLS); needs otlp-tls-key.'),
  s('otlp-tls-key', 'otlp.tls.key', 'file', '(none)', 'PEM client key (mutual TLS); needs otlp-tls-cert.'),
  s('otlp-tls-server-name', 'otlp.tls.serverName', 'string', '(endpoint host)', 'Server name to verify the collector\'s certificate against (http/protobuf only).'),
  s('otlp-tls-insecure-skip-verify', 'otlp.tls.insecureSkipVerify', 'bool', 'false', 'Do not verify the collector\'s certificate (testing only).'),
  s('otlp-timeout-ms', 'otlp.timeoutMs', 'int', '10000', 'Time for one export attempt, the HTTP exporter\'s own retries included.', { min: 1, max: MS.max }),
  s('otlp-max-attempts', 'otlp.maxAttempts', 'int', '3', 'Attempts per batch before its alerts are counted as lost.', { min: 1, max: 100 }),
  s('otlp-queue-size', 'otlp.queueSize', 'int', '2048', 'Alerts waiting for export at most; beyond it they are dropped and counted.', { min: 1 }),
  s('otlp-batch-size', 'otlp.batchSize', 'int', '512', 'Alerts per export request at most.', { min: 1 }),
  s('otlp-batch-delay-ms', 'otlp.batchDelayMs', 'int', '1000', 'Longest wait before a partial batch is sent.', { min: 1, max: MS.max }),
]);

export const SETTING_BY_ID: ReadonlyMap<string, Setting> = new Map(SETTINGS.map((x) => [x.id, x]));

/** YAML keys that must never be used, and what to do instead. */
export const FORBIDDEN_YAML: Readonly<Record<string, string>> = Object.freeze({
  'kafka.sasl.password':
    'passwords do not belong in the config file; set KESTREL_KAFKA_SASL_PASSWORD or kafka.sasl.passwordFile (--kafka-sasl-password-file)',
});

export interface FlagOption {
  type: 'string';
  multiple?: boolean;
}

/** The settings' flags in node:util parseArgs form, to merge with a command's
 *  own options. Every value is a string ("--kafka-tls=true"). */
export const RUN_CONFIG_OPTIONS: Readonly<Record<string, FlagOption>> = Object.freeze(
  Object.fromEntries(
    SETTINGS.filter((x) => x.flag).map((x): [string, FlagOption] => [
      x.flag!,
      x.multiple ? { type: 'string', multiple: true } : { type: 'string' },
    ]),
  ),
);
