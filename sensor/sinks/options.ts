// What each sink is configured with. The configuration loader (sensor/config)
// produces these from a YAML file, flags and environment variables; the sinks
// take them as they are and assume they were validated.

export type SaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';
export type KafkaCompression = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

export interface TlsFiles {
  /** PEM file paths. */
  ca?: string;
  cert?: string;
  key?: string;
  /** Verify the server certificate (default true). */
  rejectUnauthorized?: boolean;
  servername?: string;
}

export interface SpoolOptions {
  /** Directory for the append-only spool files; created 0700 if missing. */
  dir: string;
  /** Size cap in bytes; alerts beyond it are dropped and counted. */
  maxBytes: number;
  /** 'always': fsync every append; 'interval': every fsyncIntervalMs; 'never'. */
  fsync: 'always' | 'interval' | 'never';
  fsyncIntervalMs: number;
}

export interface KafkaSinkOptions {
  brokers: string[];
  /** Topic for every alert, unless topicByPriority names one for its priority. */
  topic: string;
  /** e.g. { Critical: 'alerts-critical' }; keys are Priority values. */
  topicByPriority?: Record<string, string>;
  clientId: string;
  compression: KafkaCompression;
  /** -1 (all in-sync replicas, the default), 1 or 0. */
  acks: -1 | 0 | 1;
  idempotent: boolean;
  /** Our own batching: kafkajs sends one request per send() call. */
  lingerMs: number;
  batchSize: number;
  /** Alerts held in memory before the spool takes over. */
  queueSize: number;
  requestTimeoutMs: number;
  connectionTimeoutMs: number;
  tls?: TlsFiles | boolean;
  sasl?: { mechanism: SaslMechanism; username: string; password: string };
  /** Without a spool, alerts that cannot be delivered are dropped and counted. */
  spool?: SpoolOptions;
}

export type OtlpProtocol = 'http/protobuf' | 'grpc';

export interface OtlpSinkOptions {
  /** Base URL (http://host:4318) for http/protobuf, host:port URL for grpc. */
  endpoint: string;
  protocol: OtlpProtocol;
  headers: Record<string, string>;
  tls?: TlsFiles;
  timeoutMs: number;
  /** Records held in memory; beyond it, dropped and counted. */
  queueSize: number;
  maxExportBatchSize: number;
  scheduledDelayMs: number;
  /** Attempts per batch before its records are counted as lost. */
  maxAttempts: number;
  /** Resource attributes (service.name, host.name, k8s.node.name, k8s.cluster.name). */
  resource: Record<string, string>;
}
