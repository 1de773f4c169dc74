// The sensor's own metrics pushed over OTLP http/protobuf: a real HTTP
// receiver decodes the exporter's requests with the OTLP metrics schema and
// finds the named metrics, with data points, under the sensor's resource.
import { strict as assert } from 'node:assert';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { keyValues } from '../otlp/receiver';
import { ExportMetricsServiceRequest } from '../otlp/metrics-proto';
import { requireBpf } from '../support';
import { startSensor, type RunningSensor } from '../sensor-run';

interface DecodedMetric {
  name: string;
  points: { attributes: Record<string, unknown>; value: number }[];
}

describe('sensor run: metrics over OTLP', function () {
  this.timeout(90_000);
  let server: http.Server;
  let sensor: RunningSensor | undefined;
  const requests: { path: string; contentType: string; resource: Record<string, unknown>; metrics: DecodedMetric[] }[] = [];

  before(async function () {
    requireBpf(this);
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        let body = Buffer.concat(chunks);
        if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
        const msg = ExportMetricsServiceRequest.toObject(ExportMetricsServiceRequest.decode(body), { longs: String, defaults: false }) as {
          resource_metrics?: { resource?: { attributes?: Record<string, unknown>[] }; scope_metrics?: { metrics?: Record<string, any>[] }[] }[];
        };
        for (const rm of msg.resource_metrics ?? []) {
          const metrics: DecodedMetric[] = [];
          for (const sm of rm.scope_metrics ?? []) {
            for (const m of sm.metrics ?? []) {
              const dps = (m.sum ?? m.gauge)?.data_points ?? [];
              metrics.push({
                name: m.name,
                points: dps.map((p: Record<string, unknown>) => ({
                  attributes: keyValues(p.attributes as Record<string, unknown>[]),
                  value: p.as_double !== undefined ? Number(p.as_double) : Number(p.as_int),
                })),
              });
            }
          }
          requests.push({ path: req.url ?? '', contentType: String(req.headers['content-type']), resource: keyValues(rm.resource?.attributes), metrics });
        }
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  });

  after(async function () {
    if (sensor && sensor.child.exitCode === null) await sensor.stop('SIGTERM', 0);
    server?.closeAllConnections();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  });

  it('pushes the named metrics with the sensor resource to {endpoint}/v1/metrics', async function () {
    const port = (server.address() as AddressInfo).port;
    sensor = await startSensor([
      '--no-k8s', '--node-name', 'kt-otlp-metrics', '--cluster-name', 'lab', '--metrics-addr', 'off',
      '--metrics-otlp-endpoint', `http://127.0.0.1:${port}`, '--metrics-otlp-interval-ms', '500',
    ]);
    const req = await sensor.waitFor(
      () => requests.find((r) => r.metrics.some((m) => m.name === 'kestrel_events' && m.points.length > 0)),
      20_000,
      'an OTLP metrics request with kestrel_events',
    );
    assert.equal(req.path, '/v1/metrics');
    assert.match(req.contentType, /application\/x-protobuf/);
    assert.equal(req.resource['service.name'], 'kestrel-sensor');
    assert.equal(req.resource['k8s.node.name'], 'kt-otlp-metrics');
    assert.equal(req.resource['k8s.cluster.name'], 'lab');
    const names = new Set(req.metrics.map((m) => m.name));
    for (const n of ['kestrel_events', 'kestrel_kernel_drops', 'kestrel_rules_loaded', 'kestrel_process_cache_processes', 'kestrel_event_loop_lag_seconds', 'kestrel_sink_queue_depth']) {
      assert.ok(names.has(n), `${n} in ${[...names].join(', ')}`);
    }
    const rules = req.metrics.find((m) => m.name === 'kestrel_rules_loaded')!;
    assert.ok(rules.points[0].value > 10);
    const drops = req.metrics.find((m) => m.name === 'kestrel_kernel_drops')!;
    assert.ok(drops.points.some((p) => p.attributes.ring === 'file' && p.attributes.reason === 'ring_full'));
    const r = await sensor.stop('SIGTERM', 0);
    assert.equal(r.code, 0);
  });
});
