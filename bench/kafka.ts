// The Kafka sink against librdkafka's 3-broker mock cluster (acks -1):
//  - throughput: alerts written as fast as the sink takes them (memory queue
//    large enough to hold them all), until Kafka acknowledged every one;
//  - latency: write() to broker acknowledgement at a steady rate, per alert;
//  - replay: a spool filled during an outage, delivered once brokers return.
// Needs dist/helpers/kafkamock (built when librdkafka-dev is installed).
// Run alone: node dist/bench/kafka.js
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import pino from 'pino';
import { KafkaSink } from '../sensor/sinks/kafka';
import type { KafkaCompression, KafkaSinkOptions } from '../sensor/sinks/options';
import { jsonFormatter, numberedAlert } from '../test/kafka/alerts';
import { MockCluster, mockUnavailable, startMockCluster } from '../test/kafka/mock-cluster';
import { progress, scaled, sleep } from './util';

export interface KafkaBench {
  /** Alerts acknowledged per second, writing as fast as possible (compression none). */
  alertsPerSec: number;
  /** The same with gzip. */
  gzipAlertsPerSec: number;
  /** write() → ack latency at `steadyRate` alerts/s. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  steadyRate: number;
  /** Alerts per second replayed from the spool after an outage. */
  replayAlertsPerSec: number;
  alerts: number;
  batchSize: number;
  lingerMs: number;
  brokers: number;
  valueBytes: number;
}

const BATCH = 500;
const LINGER = 5;
const quiet = pino({ level: 'error' }, pino.destination({ fd: 2, sync: true }));

function options(mc: MockCluster, topic: string, over: Partial<KafkaSinkOptions>): KafkaSinkOptions {
  return {
    brokers: mc.brokers,
    topic,
    clientId: 'kestrel-bench',
    compression: 'none',
    acks: -1,
    idempotent: false,
    lingerMs: LINGER,
    batchSize: BATCH,
    queueSize: 10_000,
    requestTimeoutMs: 10_000,
    connectionTimeoutMs: 2000,
    ...over,
  };
}

async function waitDelivered(sink: KafkaSink, n: number, timeoutMs = 300_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (sink.stats().delivered < n) {
    if (Date.now() > end) throw new Error(`kafka bench: only ${sink.stats().delivered} of ${n} delivered in ${timeoutMs} ms`);
    await sleep(2);
  }
}

/** Writes n alerts as fast as the sink takes them; alerts acknowledged per second. */
async function throughput(mc: MockCluster, compression: KafkaCompression, n: number): Promise<number> {
  const topic = `bench-${compression}`;
  await mc.createTopic(topic, 6, 3);
  const sink = new KafkaSink(options(mc, topic, { compression, queueSize: n + 1 }), jsonFormatter, { logger: quiet });
  sink.write(numberedAlert(0));
  await waitDelivered(sink, 1);
  // The alerts exist before the clock starts (rules make them upstream);
  // formatting is the sink's work and is measured.
  const alerts = Array.from({ length: n }, (_, i) => numberedAlert(i + 1));
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    sink.write(alerts[i]);
    if (i % 1000 === 999) await new Promise((r) => setImmediate(r));
  }
  await waitDelivered(sink, n + 1);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  await sink.close();
  return n / s;
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
}

/** write() → ack latency at a steady rate. */
async function latency(mc: MockCluster, rate: number, seconds: number): Promise<{ p50: number; p99: number; max: number }> {
  await mc.createTopic('bench-latency', 6, 3);
  const lat: number[] = [];
  const sink = new KafkaSink(options(mc, 'bench-latency', {}), jsonFormatter, {
    logger: quiet,
    onDelivered: (written, acked) => {
      for (const w of written) lat.push(acked - w);
    },
  });
  sink.write(numberedAlert(0));
  await waitDelivered(sink, 1);
  lat.length = 0;
  const tickMs = 10;
  const perTick = Math.max(1, Math.round((rate * tickMs) / 1000));
  const total = Math.round(rate * seconds);
  const t0 = Date.now();
  for (let i = 0; i < total; ) {
    for (let j = 0; j < perTick && i < total; j++, i++) sink.write(numberedAlert(i + 1));
    const next = t0 + ((i / perTick) * tickMs);
    await sleep(Math.max(0, next - Date.now()));
  }
  await waitDelivered(sink, total + 1);
  await sink.close();
  lat.sort((a, b) => a - b);
  return { p50: percentile(lat, 50), p99: percentile(lat, 99), max: lat[lat.length - 1] };
}

/** Fills the spool while the brokers are down; alerts per second replayed once they are back. */
async function replay(mc: MockCluster, n: number): Promise<number> {
  await mc.createTopic('bench-replay', 6, 3);
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bench-kafka-')), 'spool');
  const sink = new KafkaSink(
    options(mc, 'bench-replay', { queueSize: 1000, spool: { dir, maxBytes: 1 << 30, fsync: 'interval', fsyncIntervalMs: 1000 } }),
    jsonFormatter,
    { logger: quiet, backoffMs: { initial: 100, max: 200 } },
  );
  sink.write(numberedAlert(0));
  await waitDelivered(sink, 1);
  await mc.down('all');
  try {
    for (let i = 1; i <= n; i++) {
      sink.write(numberedAlert(i));
      if (i % 1000 === 0) await new Promise((r) => setImmediate(r));
    }
    await sink.flush(Date.now() + 30_000);
  } finally {
    await mc.up('all');
  }
  const t0 = process.hrtime.bigint();
  await waitDelivered(sink, n + 1);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  await sink.close();
  fs.rmSync(path.dirname(dir), { recursive: true, force: true });
  return n / s;
}

export async function benchKafka(): Promise<KafkaBench> {
  const why = mockUnavailable();
  if (why) throw new Error(`kafka bench: ${why}`);
  const mc = await startMockCluster(3);
  try {
    const n = scaled(50_000);
    progress(`kafka: throughput, ${n} alerts, acks -1, 3 brokers`);
    const alertsPerSec = await throughput(mc, 'none', n);
    const gzipAlertsPerSec = await throughput(mc, 'gzip', n);
    const steadyRate = 2000;
    progress(`kafka: latency at ${steadyRate} alerts/s`);
    const l = await latency(mc, steadyRate, 5);
    progress('kafka: spool replay after an outage');
    const replayAlertsPerSec = await replay(mc, n);
    return {
      alertsPerSec,
      gzipAlertsPerSec,
      p50Ms: l.p50,
      p99Ms: l.p99,
      maxMs: l.max,
      steadyRate,
      replayAlertsPerSec,
      alerts: n,
      batchSize: BATCH,
      lingerMs: LINGER,
      brokers: 3,
      valueBytes: Buffer.byteLength(jsonFormatter(numberedAlert(100))),
    };
  } finally {
    await mc.stop();
  }
}

if (require.main === module) {
  benchKafka().then(
    (r) => process.stdout.write(`${JSON.stringify(r, null, 2)}\n`),
    (e: Error) => {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    },
  );
}
