// KafkaSinkOptions → kafkajs configuration: brokers, client id, TLS from PEM
// files, SASL, compression, producer settings. Everything that can be wrong
// in the configuration throws here, at start-up, with what to change.
import { readFileSync } from 'node:fs';
import type * as tls from 'node:tls';
import {
  CompressionCodecs,
  CompressionTypes,
  KafkaConfig,
  logCreator,
  logLevel,
  Partitioners,
  ProducerConfig,
  SASLOptions,
} from 'kafkajs';
import type { Logger } from '../log';
import type { KafkaCompression, KafkaSinkOptions, TlsFiles } from './options';

const COMPRESSION: Record<KafkaCompression, CompressionTypes> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
};

/** The npm packages that register kafkajs's optional codecs. */
const CODEC_PACKAGES: Partial<Record<KafkaCompression, string>> = {
  snappy: 'kafkajs-snappy',
  lz4: 'kafkajs-lz4',
  zstd: '@kafkajs/zstd',
};

/** The kafkajs compression type; throws when its codec is not registered. */
export function compressionType(c: KafkaCompression): CompressionTypes {
  const type = COMPRESSION[c];
  if (type === undefined) throw new Error(`kafka compression must be one of ${Object.keys(COMPRESSION).join(', ')}, not ${c}`);
  if (type === CompressionTypes.None || type === CompressionTypes.GZIP) return type;
  const lookup = (CompressionCodecs as Record<number, () => unknown>)[type];
  try {
    lookup();
  } catch {
    throw new Error(
      `kafka compression "${c}" needs the ${c} codec for kafkajs (npm package ${CODEC_PACKAGES[c]}), which is not installed; ` +
        'use "gzip" or "none", or install and register the codec',
    );
  }
  return type;
}

function readPem(what: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`kafka TLS ${what} file ${file} cannot be read: ${(e as Error).message}`);
  }
}

export function tlsOptions(t: TlsFiles | boolean | undefined): tls.ConnectionOptions | boolean | undefined {
  if (t === undefined || t === false) return undefined;
  if (t === true) return true;
  if ((t.cert === undefined) !== (t.key === undefined)) {
    throw new Error('kafka TLS needs both cert and key for a client certificate, or neither');
  }
  return {
    ...(t.ca ? { ca: [readPem('ca', t.ca)] } : {}),
    ...(t.cert ? { cert: readPem('cert', t.cert) } : {}),
    ...(t.key ? { key: readPem('key', t.key) } : {}),
    rejectUnauthorized: t.rejectUnauthorized ?? true,
    ...(t.servername ? { servername: t.servername } : {}),
  };
}

export function saslOptions(s: KafkaSinkOptions['sasl']): SASLOptions | undefined {
  if (!s) return undefined;
  if (!s.username) throw new Error('kafka SASL needs a username');
  switch (s.mechanism) {
    case 'plain':
      return { mechanism: 'plain', username: s.username, password: s.password };
    case 'scram-sha-256':
      return { mechanism: 'scram-sha-256', username: s.username, password: s.password };
    case 'scram-sha-512':
      return { mechanism: 'scram-sha-512', username: s.username, password: s.password };
    default:
      throw new Error(`kafka SASL mechanism must be plain, scram-sha-256 or scram-sha-512, not ${String((s as { mechanism: unknown }).mechanism)}`);
  }
}

/**
 * kafkajs logs through our logger. Its errors during an outage repeat with
 * every retry; the sink reports outages itself, so they are debug here.
 */
function logTo(logger: Logger): logCreator {
  const log = logger.child({ component: 'kafkajs' });
  return () =>
    ({ namespace, level, log: entry }) => {
      const { message, timestamp: _t, ...extra } = entry;
      const rec = { namespace, kafkajs: { message, ...extra } };
      if (level === logLevel.INFO) log.debug(rec, 'kafkajs info');
      else if (level === logLevel.DEBUG) log.trace(rec, 'kafkajs debug');
      else log.debug(rec, level === logLevel.ERROR ? 'kafkajs error' : 'kafkajs warning');
    };
}

export interface ClientConfig {
  kafka: KafkaConfig;
  producer: ProducerConfig;
  compression: CompressionTypes;
}

export function clientConfig(o: KafkaSinkOptions, logger: Logger): ClientConfig {
  if (!o.brokers.length) throw new Error('kafka needs at least one broker (host:port)');
  if (!o.topic) throw new Error('kafka needs a topic');
  if (![-1, 0, 1].includes(o.acks)) throw new Error(`kafka acks must be -1, 0 or 1, not ${o.acks}`);
  if (o.idempotent && o.acks !== -1) throw new Error('a kafka idempotent producer needs acks -1');
  if (!(o.batchSize >= 1) || !(o.queueSize >= 1)) throw new Error('kafka batchSize and queueSize must be at least 1');
  const ssl = tlsOptions(o.tls);
  const sasl = saslOptions(o.sasl);
  return {
    kafka: {
      brokers: o.brokers,
      clientId: o.clientId,
      connectionTimeout: o.connectionTimeoutMs,
      requestTimeout: o.requestTimeoutMs,
      ...(ssl !== undefined ? { ssl } : {}),
      ...(sasl ? { sasl } : {}),
      // Few, short retries inside kafkajs: the sink retries for as long as
      // it takes and moves alerts to the spool meanwhile.
      retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 },
      logLevel: logLevel.INFO,
      logCreator: logTo(logger),
    },
    producer: {
      createPartitioner: Partitioners.DefaultPartitioner,
      idempotent: o.idempotent,
      // One request at a time keeps retried batches in order.
      maxInFlightRequests: 1,
      allowAutoTopicCreation: true,
      retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 },
    },
    compression: compressionType(o.compression),
  };
}
