// The OTLP sink against a real receiver (test/otlp/receiver.ts) over
// HTTP/protobuf, HTTPS and gRPC: every output field arrives as an attribute
// with its value and type, severities and resource are right, hostile
// strings arrive as valid UTF-8, and failures are bounded in time and
// counted.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PRODUCT } from '../../sensor/alerts/product';
import { PRIORITIES } from '../../sensor/alerts/types';
import type { Alert } from '../../sensor/alerts/types';
import type { OtlpSinkOptions } from '../../sensor/sinks/options';
import { OtlpSink } from '../../sensor/sinks/otlp';
import { httpLogsUrl } from '../../sensor/sinks/otlp-exporter';
import { OTLP_SEVERITY } from '../../sensor/sinks/otlp-record';
import { HOSTILE, makeAlert, wellFormedExpected } from '../alerts/fixture';
import { deadEndpoint, invalidUtf8Strings, OtlpReceiver, ReceivedLog } from '../otlp/receiver';

function options(endpoint: string, over: Partial<OtlpSinkOptions> = {}): OtlpSinkOptions {
  return {
    endpoint,
    protocol: 'http/protobuf',
    headers: { authorization: 'Bearer t0ken', 'x-tenant': 'blue' },
    timeoutMs: 2000,
    queueSize: 2048,
    maxExportBatchSize: 512,
    scheduledDelayMs: 50,
    maxAttempts: 3,
    resource: { 'host.name': 'node-1', 'k8s.node.name': 'node-1', 'k8s.cluster.name': 'prod-eu' },
    ...over,
  };
}

const FAST = { backoffMs: 20, maxBackoffMs: 50 };

/** The alert's output fields as the receiver should decode them. */
function expectedAttributes(a: Alert): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(a.output_fields)) {
    const key = wellFormedExpected(k);
    if (typeof v === 'string') out[key] = wellFormedExpected(v);
    else if (Array.isArray(v)) out[key] = v.map(wellFormedExpected);
    else if (v !== null && typeof v === 'object') out[key] = Object.fromEntries(Object.entries(v).map(([x, y]) => [wellFormedExpected(x), wellFormedExpected(y)]));
    else if (typeof v === 'number' && Number.isInteger(v) && !Number.isSafeInteger(v)) out[key] = BigInt(v);
    else out[key] = v;
  }
  out.rule = wellFormedExpected(a.rule);
  out.priority = a.priority;
  out.source = a.source;
  out.hostname = wellFormedExpected(a.hostname);
  out.tags = a.tags.map(wellFormedExpected);
  out.uuid = a.uuid;
  if (a.count !== undefined) out.count = a.count;
  if (a.first_time !== undefined) out.first_time = a.first_time;
  if (a.last_time !== undefined) out.last_time = a.last_time;
  return out;
}

function checkRecord(r: ReceivedLog, a: Alert): void {
  assert.equal(r.body, wellFormedExpected(a.output));
  assert.deepEqual(r.attributes, expectedAttributes(a));
  assert.equal(r.severityNumber, OTLP_SEVERITY[a.priority][0]);
  assert.equal(r.severityText, OTLP_SEVERITY[a.priority][1]);
  assert.equal(r.droppedAttributesCount, 0);
  // 2026-11-22T10:00:00.123456789Z with every nanosecond
  assert.equal(r.timeUnixNano, BigInt(Date.parse('2026-11-22T10:00:00Z')) * 1_000_000n + 123_456_789n);
  assert.ok(r.observedTimeUnixNano > 0n);
}

function byUuid(recs: ReceivedLog[]): Map<unknown, ReceivedLog> {
  return new Map(recs.map((r) => [r.attributes.uuid, r]));
}

/** A few ordinary alerts and one per hostile string, with every value type. */
function alerts(): Alert[] {
  const out = [
    makeAlert(),
    makeAlert({ count: 1000, first_time: '2026-11-22T10:00:00Z', last_time: '2026-11-22T10:00:09Z', priority: 'Critical' }),
    makeAlert({}, { 'evt.ktime': 2 ** 62, 'fd.sport': 43512, 'evt.res': -2, 'dns.latency_ms': 1.25, 'proc.args': [], 'k8s.pod.labels': {}, 'fd.name': '' }),
  ];
  for (const [name, s] of Object.entries(HOSTILE)) {
    out.push(makeAlert({ rule: `r ${name}`, output: s, tags: [s] }, { 'proc.cmdline': s, 'proc.args': [s], 'k8s.pod.labels': { [s]: s }, [`x.${name}`]: s }));
  }
  return out;
}

describe('sinks: OTLP', function () {
  this.timeout(30_000);
  const receivers: OtlpReceiver[] = [];
  const sinks: OtlpSink[] = [];
  afterEach(async function () {
    for (const s of sinks.splice(0)) await s.close(Date.now() + 1000);
    for (const r of receivers.splice(0)) await r.close();
  });
  async function receiver(kind: 'http' | 'grpc'): Promise<OtlpReceiver> {
    const r = kind === 'http' ? await OtlpReceiver.http() : await OtlpReceiver.grpc();
    receivers.push(r);
    return r;
  }
  function sink(o: OtlpSinkOptions): OtlpSink {
    const s = new OtlpSink(o, undefined, FAST);
    sinks.push(s);
    return s;
  }

  it('builds the logs URL from a base endpoint', function () {
    assert.equal(httpLogsUrl('http://c:4318'), 'http://c:4318/v1/logs');
    assert.equal(httpLogsUrl('http://c:4318/'), 'http://c:4318/v1/logs');
    assert.equal(httpLogsUrl('https://c/otlp'), 'https://c/otlp/v1/logs');
    assert.equal(httpLogsUrl('http://c:4318/v1/logs'), 'http://c:4318/v1/logs');
  });

  for (const kind of ['http', 'grpc'] as const) {
    describe(`over ${kind === 'http' ? 'HTTP/protobuf' : 'gRPC'}`, function () {
      it('delivers every output field as an attribute, with severity and resource', async function () {
        const r = await receiver(kind);
        const s = sink(options(r.endpoint, { protocol: kind === 'http' ? 'http/protobuf' : 'grpc' }));
        const sent = alerts();
        for (const a of sent) s.write(a);
        await s.flush(Date.now() + 10_000);
        const recs = await r.waitForRecords(sent.length);
        assert.equal(recs.length, sent.length);
        const got = byUuid(recs);
        for (const a of sent) checkRecord(got.get(a.uuid)!, a);
        for (const rec of recs) {
          assert.deepEqual(rec.resource, {
            'service.name': 'kestrel-sensor',
            'service.version': PRODUCT.version,
            'host.name': 'node-1',
            'k8s.node.name': 'node-1',
            'k8s.cluster.name': 'prod-eu',
          });
          assert.deepEqual(rec.scope, { name: 'kestrel-sensor', version: PRODUCT.version });
        }
        for (const req of r.requests) {
          assert.deepEqual(invalidUtf8Strings(req.raw), [], 'every string is valid UTF-8');
          assert.equal(req.headers.authorization, 'Bearer t0ken');
          assert.equal(req.headers['x-tenant'], 'blue');
        }
        const st = s.stats();
        assert.deepEqual(st, { received: sent.length, delivered: sent.length, dropped: {}, queued: 0, errors: 0 });
      });

      it('maps every priority to its severity', async function () {
        const r = await receiver(kind);
        const s = sink(options(r.endpoint, { protocol: kind === 'http' ? 'http/protobuf' : 'grpc' }));
        const sent = PRIORITIES.map((p) => makeAlert({ priority: p }));
        for (const a of sent) s.write(a);
        await s.flush(Date.now() + 10_000);
        const got = byUuid(await r.waitForRecords(sent.length));
        const numbers = sent.map((a) => got.get(a.uuid)!.severityNumber);
        assert.deepEqual(numbers, [21, 19, 18, 17, 13, 10, 9, 5]);
        assert.deepEqual(sent.map((a) => got.get(a.uuid)!.severityText), ['FATAL', 'ERROR3', 'ERROR2', 'ERROR', 'WARN', 'INFO2', 'INFO', 'DEBUG']);
      });
    });
  }

  it('receiver down: gives up within the bound and counts the loss', async function () {
    const s = sink(options(await deadEndpoint(), { timeoutMs: 300, maxAttempts: 2 }));
    for (let i = 0; i < 10; i++) s.write(makeAlert());
    const t0 = Date.now();
    await s.flush(Date.now() + 15_000);
    const took = Date.now() - t0;
    assert.ok(took < 5000, `flush took ${took} ms`);
    const st = s.stats();
    assert.equal(st.delivered, 0);
    assert.equal(st.queued, 0);
    assert.deepEqual(st.dropped, { retries_exhausted: 10 });
    assert.equal(st.errors, 2, 'two attempts');
    assert.equal(s.lostBatches, 1);
  });

  it('gRPC receiver down: same bound, same account', async function () {
    const s = sink(options(await deadEndpoint(), { protocol: 'grpc', timeoutMs: 300, maxAttempts: 3 }));
    for (let i = 0; i < 4; i++) s.write(makeAlert());
    const t0 = Date.now();
    await s.flush(Date.now() + 15_000);
    assert.ok(Date.now() - t0 < 5000);
    const st = s.stats();
    assert.deepEqual(st.dropped, { retries_exhausted: 4 });
    assert.equal(st.errors, 3);
  });

  it('retries after 503 and delivers', async function () {
    const r = await receiver('http');
    r.failNext(2, { http: 503 });
    // A short timeout leaves no room for the exporter's own 1 s retry, so each 503 is one attempt here.
    const s = sink(options(r.endpoint, { timeoutMs: 400, maxAttempts: 3 }));
    const sent = [makeAlert(), makeAlert()];
    for (const a of sent) s.write(a);
    await s.flush(Date.now() + 10_000);
    assert.equal((await r.waitForRecords(2)).length, 2);
    const st = s.stats();
    assert.equal(st.delivered, 2);
    assert.equal(st.errors, 2);
    assert.deepEqual(st.dropped, {});
  });

  it('a 400 is not retried: the batch is counted as rejected', async function () {
    const r = await receiver('http');
    r.failAlwaysWith({ http: 400 });
    const s = sink(options(r.endpoint, { maxAttempts: 5 }));
    for (let i = 0; i < 3; i++) s.write(makeAlert());
    await s.flush(Date.now() + 10_000);
    assert.equal(r.requests.length, 1);
    assert.deepEqual(s.stats().dropped, { rejected: 3 });
  });

  it('gRPC: UNAVAILABLE is retried, INVALID_ARGUMENT is not', async function () {
    const r = await receiver('grpc');
    r.failNext(1, { grpc: 14 });
    const s = sink(options(r.endpoint, { protocol: 'grpc' }));
    s.write(makeAlert());
    await s.flush(Date.now() + 10_000);
    assert.equal(s.stats().delivered, 1);
    r.failAlwaysWith({ grpc: 3 });
    s.write(makeAlert());
    await s.flush(Date.now() + 10_000);
    assert.deepEqual(s.stats().dropped, { rejected: 1 });
    assert.equal(r.requests.length, 3);
  });

  it('a full queue drops and counts; what was kept is delivered', async function () {
    const r = await receiver('http');
    const s = sink(options(r.endpoint, { queueSize: 10, maxExportBatchSize: 10 }));
    for (let i = 0; i < 100; i++) s.write(makeAlert());
    assert.equal(s.stats().dropped.queue_full, 90);
    await s.flush(Date.now() + 10_000);
    assert.equal((await r.waitForRecords(10)).length, 10);
    const st = s.stats();
    assert.equal(st.received, 100);
    assert.equal(st.delivered, 10);
  });

  it('close gives up at its deadline and counts what was still in flight', async function () {
    const r = await receiver('http');
    r.failAlwaysWith({ hang: true });
    const s = sink(options(r.endpoint, { timeoutMs: 10_000 }));
    for (let i = 0; i < 5; i++) s.write(makeAlert());
    await s.flush(Date.now() + 200);
    const t0 = Date.now();
    await s.close(Date.now() + 300);
    const took = Date.now() - t0;
    assert.ok(took < 1500, `close took ${took} ms`);
    assert.deepEqual(s.stats().dropped, { shutdown: 5 });
    assert.equal(s.stats().queued, 0);
    s.write(makeAlert());
    assert.equal(s.stats().dropped.closed, 1);
  });

  describe('over HTTPS', function () {
    let dir: string;
    before(function () {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kestrel-tls-'));
      execFileSync('openssl', [
        'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
        '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
      ], { stdio: 'ignore' });
    });
    after(function () {
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('verifies the collector with the CA file, and fails without it', async function () {
      const r = await OtlpReceiver.http({ key: fs.readFileSync(path.join(dir, 'key.pem')), cert: fs.readFileSync(path.join(dir, 'cert.pem')) });
      receivers.push(r);
      const ok = sink(options(r.endpoint, { tls: { ca: path.join(dir, 'cert.pem') } }));
      const a = makeAlert();
      ok.write(a);
      await ok.flush(Date.now() + 10_000);
      checkRecord((await r.waitForRecords(1))[0]!, a);

      const bad = sink(options(r.endpoint, { maxAttempts: 1 }));
      bad.write(makeAlert());
      await bad.flush(Date.now() + 10_000);
      assert.equal(bad.stats().delivered, 0);
      assert.equal(bad.stats().errors, 1);
      assert.equal(r.records().length, 1, 'nothing got through unverified');
    });
  });
});
