// The Kafka sink against librdkafka's 3-broker mock cluster (the real
// protocol, acks -1): what arrives is read back with a kafkajs consumer and
// compared as data. Outages are real: the mock's brokers refuse connections.
import { strict as assert } from 'node:assert';
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { Alert } from '../../sensor/alerts/types';
import type { Logger } from '../../sensor/log';
import { KafkaSink } from '../../sensor/sinks/kafka';
import { clientConfig } from '../../sensor/sinks/kafka-client';
import type { KafkaSinkOptions } from '../../sensor/sinks/options';
import type { SinkStats } from '../../sensor/sinks/types';
import { checkOrder, jsonFormatter, numberedAlert } from '../kafka/alerts';
import { consumeTopic, MockCluster, requireMock, startMockCluster } from '../kafka/mock-cluster';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function sinkOptions(mc: MockCluster, topic: string, over: Partial<KafkaSinkOptions> = {}): KafkaSinkOptions {
  return {
    brokers: mc.brokers,
    topic,
    clientId: 'kestrel-test',
    compression: 'gzip',
    acks: -1,
    idempotent: false,
    lingerMs: 5,
    batchSize: 500,
    queueSize: 2000,
    requestTimeoutMs: 5000,
    connectionTimeoutMs: 1000,
    ...over,
  };
}

const made: string[] = [];

function spoolDir(): string {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-spool-'));
  made.push(parent);
  return path.join(parent, 'spool');
}

/** A logger that keeps its JSON lines, to check what the sink says. */
function memoryLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      cb();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

async function until(what: string, cond: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

describe('kafka client settings', () => {
  const base = (over: Partial<KafkaSinkOptions> = {}): KafkaSinkOptions => ({
    brokers: ['k1:9093', 'k2:9093'],
    topic: 'alerts',
    clientId: 'kestrel',
    compression: 'gzip',
    acks: -1,
    idempotent: true,
    lingerMs: 5,
    batchSize: 500,
    queueSize: 1000,
    requestTimeoutMs: 30_000,
    connectionTimeoutMs: 3000,
    ...over,
  });
  const quiet = memoryLogger().logger;

  it('maps TLS PEM files, SASL, acks and idempotence onto kafkajs', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-tls-'));
    made.push(dir);
    for (const f of ['ca', 'cert', 'key']) fs.writeFileSync(path.join(dir, `${f}.pem`), `-----BEGIN ${f}-----\n`);
    const pem = (f: string): string => path.join(dir, `${f}.pem`);
    const c = clientConfig(
      base({
        tls: { ca: pem('ca'), cert: pem('cert'), key: pem('key'), servername: 'kafka.example' },
        sasl: { mechanism: 'scram-sha-512', username: 'sensor', password: 'pw' },
      }),
      quiet,
    );
    assert.deepEqual(c.kafka.ssl, {
      ca: ['-----BEGIN ca-----\n'],
      cert: '-----BEGIN cert-----\n',
      key: '-----BEGIN key-----\n',
      rejectUnauthorized: true,
      servername: 'kafka.example',
    });
    assert.deepEqual(c.kafka.sasl, { mechanism: 'scram-sha-512', username: 'sensor', password: 'pw' });
    assert.deepEqual([c.kafka.brokers, c.kafka.clientId, c.producer.idempotent, c.compression], [['k1:9093', 'k2:9093'], 'kestrel', true, 1]);
    assert.equal(clientConfig(base({ tls: true }), quiet).kafka.ssl, true);
    assert.equal(clientConfig(base({ tls: false, compression: 'none' }), quiet).kafka.ssl, undefined);
  });

  it('refuses settings that cannot work, saying what to change', () => {
    const bad: Array<[Partial<KafkaSinkOptions>, RegExp]> = [
      [{ tls: { ca: '/nonexistent/ca.pem' } }, /TLS ca file \/nonexistent\/ca.pem cannot be read/],
      [{ tls: { cert: '/x.pem' } }, /both cert and key/],
      [{ idempotent: true, acks: 1 }, /idempotent producer needs acks -1/],
      [{ brokers: [] }, /at least one broker/],
      [{ sasl: { mechanism: 'gssapi' as 'plain', username: 'u', password: 'p' } }, /SASL mechanism must be plain, scram-sha-256 or scram-sha-512/],
      [{ compression: 'zstd' }, /@kafkajs\/zstd/],
    ];
    for (const [over, re] of bad) assert.throws(() => clientConfig(base(over), quiet), re, JSON.stringify(over));
  });
});

describe('kafka sink (3-broker mock cluster)', function () {
  this.timeout(180_000);
  let mc: MockCluster;

  before(async function () {
    requireMock(this);
    mc = await startMockCluster(3);
  });

  after(async () => {
    await mc?.stop();
    for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  it('delivers alerts with key, headers and the formatter output; topic per priority', async () => {
    await mc.createTopic('alerts-basic', 3, 3);
    await mc.createTopic('alerts-critical', 3, 3);
    const sink = new KafkaSink(sinkOptions(mc, 'alerts-basic', { topicByPriority: { Critical: 'alerts-critical' } }), jsonFormatter, {
      logger: memoryLogger().logger,
    });
    const pod = numberedAlert(1); // Warning, ns-1/pod-1
    const host = numberedAlert(7); // a host event: the node name is the key
    const critical = numberedAlert(3);
    for (const a of [pod, host, critical]) sink.write(a);
    await sink.flush(Date.now() + 20_000);
    await until('delivery', () => sink.stats().delivered === 3, 20_000);
    await sink.close();

    const got = await consumeTopic(mc.brokers, 'alerts-basic', (m) => m.length >= 2);
    const byKey = new Map(got.map((m) => [m.key, m]));
    assert.deepEqual([...byKey.keys()].sort(), ['node-7', 'ns-1/pod-1']);
    const m = byKey.get('ns-1/pod-1')!;
    assert.deepEqual(JSON.parse(m.value), pod);
    assert.deepEqual(m.headers, { rule: pod.rule, priority: 'Warning', node: 'node-a' });
    assert.deepEqual(byKey.get('node-7')!.headers, { rule: host.rule, priority: host.priority, node: 'node-7' });
    assert.ok(Math.abs(m.timestamp - Date.now()) < 60_000, 'message timestamp is the write time');
    const crit = await consumeTopic(mc.brokers, 'alerts-critical', (x) => x.length >= 1);
    assert.equal(crit.length, 1);
    assert.deepEqual(JSON.parse(crit[0].value), critical);
    const st = sink.stats();
    assert.equal(st.received, 3);
    assert.deepEqual(st.dropped, {});
    assert.equal(st.queued, 0);
  });

  it('carries hostile strings intact and as valid JSON, and never into log messages', async () => {
    await mc.createTopic('alerts-hostile', 3, 3);
    const { logger, lines } = memoryLogger();
    const sink = new KafkaSink(sinkOptions(mc, 'alerts-hostile'), jsonFormatter, { logger });
    const nasty = [
      'line one\nline two\r\n{"injected":true}',
      'quotes " \' ` and \\ backslashes \\"',
      '\u001b[31mred\u001b[0m \u001b]0;title\u0007 \u0000nul',
      'bad utf-8 replaced: \\xff\\xfe\\xc3',
      'unicode: caf\u00e9 \u{1f600} \u2028 \u2029',
      'x'.repeat(64 * 1024),
    ];
    const alerts: Alert[] = nasty.map((s, i) => {
      const a = numberedAlert(i * 50 + 1);
      return {
        ...a,
        rule: `rule ${s.slice(0, 200)}`,
        output: `Shell spawned | cmdline=${s}`,
        output_fields: { ...a.output_fields, 'proc.cmdline': s, 'fd.name': `/tmp/${s}`, 'k8s.pod.name': `pod\n${i}` },
      };
    });
    for (const a of alerts) sink.write(a);
    await until('delivery', () => sink.stats().delivered === alerts.length, 20_000);
    await sink.close();
    const got = await consumeTopic(mc.brokers, 'alerts-hostile', (m) => m.length >= alerts.length);
    assert.equal(got.length, alerts.length);
    const bySeq = new Map(got.map((m) => [(JSON.parse(m.value) as Alert).output_fields.seq, m]));
    for (const a of alerts) {
      const m = bySeq.get(a.output_fields.seq)!;
      assert.ok(m, `alert ${a.output_fields.seq} arrived`);
      assert.deepEqual(JSON.parse(m.value), a);
      assert.equal(m.key, `${a.output_fields['k8s.ns.name']}/${a.output_fields['k8s.pod.name']}`);
      assert.equal(m.headers.rule, a.rule);
    }
    for (const l of lines) {
      const rec = JSON.parse(l) as { msg?: string };
      assert.ok(!/injected|\u001b|xxxxxxxx|\\xff/.test(l), `log line carries alert content: ${l.slice(0, 200)}`);
      assert.ok(rec.msg === undefined || !rec.msg.includes('\n'));
    }
  });

  it('refuses compression codecs that are not installed, naming them; gzip and none work', async () => {
    for (const [c, pkg] of [
      ['snappy', 'kafkajs-snappy'],
      ['lz4', 'kafkajs-lz4'],
      ['zstd', '@kafkajs/zstd'],
    ] as const) {
      assert.throws(() => new KafkaSink(sinkOptions(mc, 't', { compression: c }), jsonFormatter), (e: Error) => e.message.includes(pkg), c);
    }
    await mc.createTopic('alerts-nocompress', 1, 3);
    const sink = new KafkaSink(sinkOptions(mc, 'alerts-nocompress', { compression: 'none' }), jsonFormatter, { logger: memoryLogger().logger });
    sink.write(numberedAlert(2));
    await until('delivery', () => sink.stats().delivered === 1, 20_000);
    await sink.close();
    assert.equal((await consumeTopic(mc.brokers, 'alerts-nocompress', (m) => m.length >= 1)).length, 1);
  });

  it('drops and counts only a message the broker calls too large; the rest arrive in order', async () => {
    await mc.createTopic('alerts-toolarge', 1, 3);
    const sink = new KafkaSink(sinkOptions(mc, 'alerts-toolarge', { lingerMs: 100 }), jsonFormatter, { logger: memoryLogger().logger });
    sink.write(numberedAlert(0));
    await until('the first alert', () => sink.stats().delivered === 1, 20_000);
    // Kafka error 10, MESSAGE_TOO_LARGE: for the batch, then for its first alert sent alone.
    await mc.failRequests(0, [10, 10]);
    for (let i = 1; i <= 20; i++) sink.write(numberedAlert(i));
    await until('the batch dealt with', () => sink.stats().delivered + (sink.stats().dropped.too_large ?? 0) === 21, 20_000);
    await sink.close();
    const st = sink.stats();
    assert.deepEqual({ delivered: st.delivered, dropped: st.dropped }, { delivered: 20, dropped: { too_large: 1 } });
    const got = await consumeTopic(mc.brokers, 'alerts-toolarge', (m) => m.length >= 20, { lingerMs: 500 });
    assert.deepEqual(
      got.sort((a, b) => a.offset - b.offset).map((m) => (JSON.parse(m.value) as Alert).output_fields.seq),
      [0, ...Array.from({ length: 19 }, (_, i) => i + 2)],
    );
  });

  it('without a spool, counts what the memory queue cannot hold during an outage', async () => {
    await mc.createTopic('alerts-nospool', 3, 3);
    const sink = new KafkaSink(sinkOptions(mc, 'alerts-nospool', { queueSize: 100, batchSize: 50 }), jsonFormatter, {
      logger: memoryLogger().logger,
    });
    await sink.flush(Date.now() + 10_000);
    await mc.down('all');
    try {
      for (let i = 0; i < 300; i++) sink.write(numberedAlert(i));
      const st = sink.stats();
      assert.equal(st.queued + (st.dropped.queue_full ?? 0), 300);
      assert.ok((st.dropped.queue_full ?? 0) >= 150, JSON.stringify(st));
    } finally {
      await mc.up('all');
    }
    await until('delivery of what was queued', () => sink.stats().queued === 0, 30_000);
    await sink.close();
    const st = sink.stats();
    assert.equal(st.delivered + (st.dropped.queue_full ?? 0), 300);
    assert.equal(st.spooled, undefined);
  });

  it('counts what does not fit in a full spool; everything else arrives, in order per key', async () => {
    await mc.createTopic('alerts-spoolfull', 3, 3);
    const sink = new KafkaSink(
      sinkOptions(mc, 'alerts-spoolfull', { queueSize: 100, spool: { dir: spoolDir(), maxBytes: 400_000, fsync: 'never', fsyncIntervalMs: 0 } }),
      jsonFormatter,
      { logger: memoryLogger().logger },
    );
    sink.write(numberedAlert(0));
    await until('the first alert', () => sink.stats().delivered === 1, 20_000);
    await mc.down('all');
    try {
      for (let i = 1; i < 2000; i++) sink.write(numberedAlert(i));
      await sink.flush(Date.now() + 10_000);
    } finally {
      await mc.up('all');
    }
    const full = sink.stats().dropped.spool_full ?? 0;
    assert.ok(full > 500 && full < 1900, `spool_full ${full}`);
    await until('the rest delivered', () => sink.stats().delivered === 2000 - full, 30_000);
    await sink.close();
    const st = sink.stats();
    assert.equal(st.received, st.delivered + full);
    assert.deepEqual(st.dropped, { spool_full: full });
    const got = await consumeTopic(mc.brokers, 'alerts-spoolfull', (m) => m.length >= st.delivered, { lingerMs: 1000 });
    const report = checkOrder(got, 2000);
    assert.equal(report.distinct, st.delivered);
    assert.equal(report.duplicates, 0);
    assert.deepEqual(report.disorder, []);
  });

  it('close() during an outage keeps everything in the spool; the next sink delivers it exactly once', async () => {
    await mc.createTopic('alerts-restart', 3, 3);
    const dir = spoolDir();
    const opts = sinkOptions(mc, 'alerts-restart', { spool: { dir, maxBytes: 64 << 20, fsync: 'always', fsyncIntervalMs: 0 } });
    await mc.down('all');
    let first: SinkStats;
    try {
      const sink = new KafkaSink(opts, jsonFormatter, { logger: memoryLogger().logger });
      for (let i = 0; i < 300; i++) sink.write(numberedAlert(i));
      await sink.close(Date.now() + 5000);
      first = sink.stats();
    } finally {
      await mc.up('all');
    }
    assert.deepEqual({ delivered: first.delivered, spooled: first.spooled, queued: first.queued, dropped: first.dropped }, {
      delivered: 0,
      spooled: 300,
      queued: 0,
      dropped: {},
    });
    const second = new KafkaSink(opts, jsonFormatter, { logger: memoryLogger().logger });
    assert.equal(second.stats().spooled, 300);
    await until('replay', () => second.stats().delivered === 300, 30_000);
    await second.close();
    const third = new KafkaSink(opts, jsonFormatter, { logger: memoryLogger().logger });
    assert.equal(third.stats().spooled, 0, 'nothing acknowledged is replayed after a clean shutdown');
    await third.close();
    const got = await consumeTopic(mc.brokers, 'alerts-restart', (m) => m.length >= 300, { lingerMs: 1000 });
    assert.deepEqual(checkOrder(got, 300), { distinct: 300, duplicates: 0, missing: [], disorder: [] });
  });

  // The outage: every broker down for 30 s while 10,000 alerts are raised.
  const OUTAGE_MS = 30_000;

  it('spools 10,000 alerts while every broker is down for 30 s, then delivers all, in order per key', async function () {
    await mc.createTopic('alerts-outage', 6, 3);
    const started = Date.now();
    const { logger } = memoryLogger();
    const sink = new KafkaSink(
      sinkOptions(mc, 'alerts-outage', { queueSize: 1000, spool: { dir: spoolDir(), maxBytes: 256 << 20, fsync: 'interval', fsyncIntervalMs: 200 } }),
      jsonFormatter,
      { logger },
    );
    // Alert 0 before the outage: the producer is connected when it starts.
    sink.write(numberedAlert(0));
    await until('the first alert', () => sink.stats().delivered === 1, 20_000);
    await mc.down('all');
    const downAt = Date.now();
    let stats: SinkStats;
    try {
      for (let i = 1; i <= 10_000; i += 250) {
        for (let j = i; j < i + 250; j++) sink.write(numberedAlert(j));
        await sleep(600);
      }
      await sleep(Math.max(0, OUTAGE_MS - (Date.now() - downAt)));
      stats = sink.stats();
      assert.equal(stats.delivered, 1, 'nothing is delivered while the brokers are down');
      assert.equal(stats.spooled, 10_000, JSON.stringify(stats));
      assert.ok(stats.errors > 0);
    } finally {
      await mc.up('all');
    }
    await until('all delivered', () => sink.stats().delivered >= 10_001, 90_000);
    await sink.close();
    stats = sink.stats();
    assert.deepEqual(stats.dropped, {});
    assert.equal(stats.spooled, 0);
    const got = await consumeTopic(mc.brokers, 'alerts-outage', (m) => m.length >= 10_001, { lingerMs: 1000 });
    const report = checkOrder(got, 10_001);
    assert.deepEqual(report, { distinct: 10_001, duplicates: 0, missing: [], disorder: [] });
    process.stderr.write(`      (10k outage test: ${((Date.now() - started) / 1000).toFixed(1)} s, ${Date.now() - downAt} ms from outage to all read back)\n`);
  });

  it('survives SIGKILL during a 30 s outage: a new process on the same spool delivers everything', async function () {
    await mc.createTopic('alerts-kill', 6, 3);
    const started = Date.now();
    const opts = sinkOptions(mc, 'alerts-kill', { queueSize: 1000, spool: { dir: spoolDir(), maxBytes: 256 << 20, fsync: 'interval', fsyncIntervalMs: 200 } });
    const first = await SinkProcess.start(opts);
    await first.command('write 0 1');
    await until('the first alert', () => first.last?.delivered === 1, 20_000);
    await mc.down('all');
    const downAt = Date.now();
    let killed: SinkStats;
    try {
      for (let i = 1; i <= 10_000; i += 2500) await first.command(`write ${i} 2500`);
      await until('everything spooled', () => (first.last?.spooled ?? 0) >= 10_000, 30_000).catch(async (e) => {
        throw new Error(`${(e as Error).message}: ${JSON.stringify(first.last)}`);
      });
      killed = first.last!;
      first.kill();
      await first.exited;
      await sleep(Math.max(2000, OUTAGE_MS - (Date.now() - downAt)));
    } finally {
      await mc.up('all');
    }
    assert.equal(killed.delivered, 1);
    const second = await SinkProcess.start(opts);
    let final: SinkStats;
    try {
      assert.equal(second.last?.spooled, 10_000, 'the new process finds the spool');
      await until('all delivered', () => (second.last?.delivered ?? 0) >= 10_000, 90_000);
      final = await second.close();
    } finally {
      second.kill();
    }
    assert.deepEqual(final.dropped, {});
    assert.equal(final.spooled, 0);
    const got = await consumeTopic(mc.brokers, 'alerts-kill', (m) => m.length >= 10_001, { lingerMs: 1000 });
    const report = checkOrder(got, 10_001);
    assert.deepEqual(report, { distinct: 10_001, duplicates: 0, missing: [], disorder: [] });
    process.stderr.write(`      (SIGKILL test: ${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  });
});

/** test/kafka/sink-child.ts, driven over stdin/stdout; `last` is the latest stats it printed. */
class SinkProcess {
  last: SinkStats | null = null;
  readonly exited: Promise<number | null>;
  private readonly replies = new Map<string, Array<(o: Reply) => void>>();
  private readonly poll: NodeJS.Timeout;

  private constructor(private readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    createInterface({ input: child.stdout! }).on('line', (l) => {
      const o = JSON.parse(l) as Reply;
      this.last = o.stats;
      this.replies.get(o.reply)?.shift()?.(o);
    });
    this.poll = setInterval(() => child.stdin!.writable && child.stdin!.write('stats\n'), 100);
    void this.exited.then(() => clearInterval(this.poll));
  }

  static async start(opts: KafkaSinkOptions): Promise<SinkProcess> {
    const child = spawn(process.execPath, [path.join(__dirname, '../kafka/sink-child.js'), JSON.stringify(opts)], {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: { ...process.env, SINK_LOG_LEVEL: process.env.SINK_LOG_LEVEL ?? 'error' },
    });
    const p = new SinkProcess(child);
    await p.reply('ready');
    return p;
  }

  private reply(name: string): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const q = this.replies.get(name) ?? [];
      this.replies.set(name, q);
      q.push(resolve);
      void this.exited.then((code) => reject(new Error(`sink process exited (${code}) before answering ${name}`)));
    });
  }

  /** Sends a command and waits for its answer. */
  command(cmd: string): Promise<Reply> {
    const r = this.reply(cmd.split(' ')[0]);
    this.child.stdin!.write(`${cmd}\n`);
    return r;
  }

  async close(): Promise<SinkStats> {
    const o = await this.command('close');
    await this.exited;
    return o.stats;
  }

  kill(): void {
    clearInterval(this.poll);
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

interface Reply {
  reply: string;
  stats: SinkStats;
}
