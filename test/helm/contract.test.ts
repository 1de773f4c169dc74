// The chart and the sensor agree: every KESTREL_* variable the chart sets is
// a setting the sensor has, and the sensor's own argument and configuration
// parser accepts what the chart renders (args, env, mounted files) and
// resolves it to what the values asked for.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseRunArgs, type RunOptions } from '../../sensor/cli/run';
import { SETTINGS } from '../../sensor/config/settings';
import { CI_VALUES, K8sObject, Rendered, ciValuesFiles, render } from './chart';

/** What the kubelet would give the container, with the Secrets' content
 *  made up: env with valueFrom resolved, and every mounted ConfigMap and
 *  Secret file written under root (paths in env and args rewritten). */
function podView(r: Rendered, root: string): { args: string[]; env: NodeJS.ProcessEnv } {
  const byName = new Map((r.podSpec.volumes as K8sObject[]).map((v) => [v.name as string, v]));
  const mounted: string[] = [];
  for (const m of r.container.volumeMounts as K8sObject[]) {
    const v = byName.get(m.name)!;
    const dir = path.join(root, m.mountPath);
    if (v.configMap) {
      const cm = r.one('ConfigMap', v.configMap.name);
      fs.mkdirSync(dir, { recursive: true });
      for (const [k, text] of Object.entries((cm.data ?? {}) as Record<string, string>)) fs.writeFileSync(path.join(dir, k), text);
      mounted.push(m.mountPath);
    } else if (v.secret) {
      fs.mkdirSync(dir, { recursive: true });
      for (const item of v.secret.items as K8sObject[]) fs.writeFileSync(path.join(dir, item.path), `made-up ${item.key}\n`);
      mounted.push(m.mountPath);
    }
  }
  const remap = (s: string): string => {
    const hit = mounted.find((p) => s === p || s.startsWith(`${p}/`));
    return hit ? path.join(root, s) : s;
  };
  const env: NodeJS.ProcessEnv = {};
  for (const [name, e] of r.env) {
    if (e.value !== undefined) env[name] = remap(e.value as string);
    else if (e.valueFrom?.fieldRef?.fieldPath === 'spec.nodeName') env[name] = 'node-1';
    else if (e.valueFrom?.secretKeyRef) env[name] = name.endsWith('HEADERS') ? 'authorization=Bearer%20made-up' : 'made-up';
    else assert.fail(`env ${name}: unexpected source ${JSON.stringify(e)}`);
  }
  const args = (r.args as string[]).map(remap);
  assert.equal(args[0], 'run');
  return { args: args.slice(1), env };
}

const roots: string[] = [];

function parseAsSensor(r: Rendered): { opts: RunOptions; root: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kestrel-pod-'));
  roots.push(root);
  const { args, env } = podView(r, root);
  return { opts: parseRunArgs(args, env), root };
}

describe('helm chart: the sensor accepts what the chart renders', function () {
  this.timeout(60_000);
  after(function () {
    for (const d of roots) fs.rmSync(d, { recursive: true, force: true });
  });

  it('sets only KESTREL_* variables the sensor has, in every ci/ configuration', function () {
    const known = new Set(SETTINGS.map((s) => s.env).filter(Boolean));
    const seen = new Set<string>();
    for (const f of [undefined, ...ciValuesFiles()]) {
      const r = render({ files: f ? [f] : [] });
      for (const name of r.env.keys()) if (name.startsWith('KESTREL_')) seen.add(name);
    }
    const unknown = [...seen].filter((n) => !known.has(n));
    assert.deepEqual(unknown, [], 'variables the sensor does not read');
    // The ci/ files exercise the settings the chart maps.
    for (const n of ['KESTREL_KAFKA_SASL_PASSWORD', 'KESTREL_KAFKA_SASL_PASSWORD_FILE', 'KESTREL_OTLP_HEADERS', 'KESTREL_KAFKA_TLS_CA', 'KESTREL_OTLP_TLS_CA', 'KESTREL_CONFIG', 'KESTREL_METRICS_ADDR', 'KESTREL_SHUTDOWN_TIMEOUT_MS', 'KESTREL_CGROUP_ROOT', 'KESTREL_SPOOL_DIR']) {
      assert.ok(seen.has(n), `no ci/ values file renders ${n}`);
    }
  });

  it('defaults: metrics on all addresses, the host cgroup root, rules from both ConfigMaps', function () {
    const { opts, root } = parseAsSensor(render());
    assert.deepEqual(opts.rulePaths, [path.join(root, '/etc/kestrel/rules/default'), path.join(root, '/etc/kestrel/rules/custom')]);
    assert.equal(opts.logLevel, 'info');
    assert.equal(opts.noK8s, false);
    assert.deepEqual(opts.config.sinks, ['stdout']);
    assert.equal(opts.config.format, 'falco');
    assert.deepEqual(opts.config.metrics.listen, { host: '0.0.0.0', port: 9464 });
    assert.equal(opts.config.shutdownTimeoutMs, 25_000);
    assert.equal(opts.config.cgroupRoot, '/host/sys/fs/cgroup');
    assert.deepEqual(opts.config.warnings, []);
  });

  it('Kafka with SASL and TLS from Secrets', function () {
    const { opts, root } = parseAsSensor(render({ files: [path.join(CI_VALUES, 'kafka-sasl-values.yaml')] }));
    const k = opts.config.kafka!;
    assert.ok(k, 'the kafka sink is on');
    assert.deepEqual(k.brokers, ['kafka-0.kafka:9093', 'kafka-1.kafka:9093']);
    assert.deepEqual(k.topicByPriority, { Critical: 'kestrel-critical', Emergency: 'kestrel-critical' });
    assert.equal(k.compression, 'zstd');
    assert.equal(k.acks, -1);
    assert.deepEqual(k.sasl, { mechanism: 'scram-sha-512', username: 'kestrel', password: 'made-up' });
    const tls = k.tls as Exclude<typeof k.tls, boolean | undefined>;
    assert.equal(tls.ca, path.join(root, '/etc/kestrel/kafka-tls/ca.crt'));
    assert.equal(tls.cert, path.join(root, '/etc/kestrel/kafka-tls/tls.crt'));
    assert.equal(tls.key, path.join(root, '/etc/kestrel/kafka-tls/tls.key'));
    assert.equal(tls.servername, 'kafka.internal');
    assert.equal(k.spool?.dir, '/var/lib/kestrel/spool');
    assert.equal(k.spool?.maxBytes, 512 * 1024 * 1024);
    assert.equal(opts.config.clusterName, 'prod-eu-1');
  });

  it('Kafka SASL password from a mounted file', function () {
    const { opts } = parseAsSensor(render({ files: [path.join(CI_VALUES, 'kafka-sasl-file-values.yaml')] }));
    assert.deepEqual(opts.config.sinks, ['kafka']);
    assert.equal(opts.config.format, 'ocsf');
    // The file's content, trailing newline dropped: the file was read.
    assert.deepEqual(opts.config.kafka!.sasl, { mechanism: 'plain', username: 'kestrel', password: 'made-up sasl-password' });
    assert.equal(opts.config.kafka!.acks, 1);
    assert.equal(opts.config.kafka!.idempotent, false);
  });

  it('OTLP with headers from a Secret and from values, TLS CA from a Secret', function () {
    const { opts, root } = parseAsSensor(render({ files: [path.join(CI_VALUES, 'otlp-values.yaml')] }));
    const o = opts.config.otlp!;
    assert.equal(o.endpoint, 'https://otel-collector.observability:4317');
    assert.equal(o.protocol, 'grpc');
    assert.deepEqual(o.headers, { authorization: 'Bearer made-up', 'x-scope-orgid': 'security' });
    assert.equal(o.tls?.ca, path.join(root, '/etc/kestrel/otlp-tls/ca.pem'));
    assert.equal(opts.config.metrics.otlpEndpoint, 'http://otel-collector.observability:4318');
  });

  it('everything else (ci/full-values.yaml), the config file included', function () {
    const { opts, root } = parseAsSensor(render({ files: [path.join(CI_VALUES, 'full-values.yaml')] }));
    assert.equal(opts.logLevel, 'debug');
    assert.equal(opts.ringSize, 8388608);
    assert.equal(opts.config.minPriority, 'Notice');
    assert.deepEqual(opts.config.metrics.listen, { host: '::', port: 9500 });
    assert.equal(opts.config.shutdownTimeoutMs, 55_000);
    assert.equal(opts.config.cgroupRoot, '/host/sys/fs/cgroup/unified');
    // From the mounted sensorConfig file.
    assert.equal(opts.config.configFile, path.join(root, '/etc/kestrel/config/config.yaml'));
    assert.equal(opts.config.dedupe.windowMs, 30_000);
    assert.deepEqual(opts.config.dedupe.keyFields, { 'Outbound connection to C2 port': ['fd.dip', 'fd.dport'] });
  });

  it('every ci/ configuration and the privileged and no-k8s variants parse without warnings', function () {
    const cases = [...ciValuesFiles().map((f) => ({ files: [f] })), { values: { kubernetes: { enabled: false } } }, { values: { metrics: { enabled: false } } }];
    for (const c of cases) {
      const { opts } = parseAsSensor(render(c));
        assert.deepEqual(opts.config.warnings, [], JSON.stringify(c));
    }
    const { opts } = parseAsSensor(render({ values: { kubernetes: { enabled: false }, metrics: { enabled: false } } }));
    assert.equal(opts.noK8s, true);
    assert.equal(opts.config.metrics.listen, null);
  });
});
