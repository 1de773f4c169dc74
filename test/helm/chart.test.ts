// The Helm chart (helm/kestrel), through the real helm: lint, package, and
// the rendered objects: least privilege, RBAC, probes, host mounts, rules,
// sinks and secrets, and the optional objects.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import {
  CHART,
  CI_VALUES,
  K8sObject,
  NAMESPACE,
  RELEASE,
  RULES,
  Rendered,
  ciValuesFiles,
  errorText,
  helm,
  render,
  renderFails,
  repoRuleFiles,
} from './chart';

const FULLNAME = `${RELEASE}-kestrel`;
const CAPS = ['BPF', 'PERFMON', 'SYS_RESOURCE', 'SYS_PTRACE', 'DAC_READ_SEARCH'];
const ci = (name: string): string => path.join(CI_VALUES, name);

/** Every hostPath volume as path -> {type, mountPath, readOnly}. */
function hostPaths(r: Rendered): Map<string, { type: string | undefined; mountPath: string; readOnly: boolean }> {
  const out = new Map<string, { type: string | undefined; mountPath: string; readOnly: boolean }>();
  for (const v of r.podSpec.volumes as K8sObject[]) {
    if (!v.hostPath) continue;
    const mounts = (r.container.volumeMounts as K8sObject[]).filter((m) => m.name === v.name);
    assert.equal(mounts.length, 1, `hostPath volume ${v.name} is mounted ${mounts.length} times`);
    out.set(v.hostPath.path, { type: v.hostPath.type, mountPath: mounts[0]!.mountPath, readOnly: mounts[0]!.readOnly === true });
  }
  return out;
}

function secretRef(r: Rendered, env: string): { name: string; key: string } {
  const e = r.env.get(env);
  assert.ok(e, `env ${env} is not set`);
  assert.equal(e.value, undefined, `env ${env} has a literal value`);
  const ref = e.valueFrom?.secretKeyRef;
  assert.ok(ref, `env ${env} is not from a Secret: ${JSON.stringify(e)}`);
  return { name: ref.name, key: ref.key };
}

/** The Secret volume mounted at dir, as key -> file path in the container. */
function secretFiles(r: Rendered, dir: string, secretName: string): Map<string, string> {
  const { mount, volume } = r.mountAt(dir);
  assert.equal(mount.readOnly, true, `${dir} is writable`);
  assert.equal(volume.secret?.secretName, secretName, `${dir} is not Secret ${secretName}: ${JSON.stringify(volume)}`);
  assert.equal(volume.secret.defaultMode, 0o400);
  return new Map((volume.secret.items as K8sObject[]).map((i) => [i.key as string, `${dir}/${i.path}`]));
}

function matches(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

function kafkaEnv(r: Rendered): string[] {
  return [...r.env.keys()].filter((k) => /^KESTREL_(KAFKA|SPOOL)_/.test(k));
}

describe('helm chart: lint and package', function () {
  this.timeout(120_000);

  it('passes helm lint --strict with the defaults and with every ci/ values file', function () {
    const files = ciValuesFiles();
    assert.ok(files.length >= 5, `ci/ has ${files.length} values files`);
    for (const extra of [[], ...files.map((f) => ['-f', f])]) {
      for (const strict of [[], ['--strict']]) {
        const r = helm(['lint', CHART, ...strict, ...extra]);
        assert.equal(r.status, 0, `helm lint ${[...strict, ...extra].join(' ')}:\n${r.stdout}\n${errorText(r)}`);
        assert.match(r.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
        assert.doesNotMatch(r.stdout, /\[(ERROR|WARNING)\]/);
      }
    }
  });

  it('installs (helm install --dry-run=client) with its NOTES, in every ci/ configuration', function () {
    for (const f of [undefined, ...ciValuesFiles()]) {
      const r = helm(['install', RELEASE, CHART, '--namespace', NAMESPACE, '--dry-run=client', ...(f ? ['-f', f] : [])]);
      const what = f ? path.basename(f) : 'defaults';
      assert.equal(r.status, 0, `${what}:\n${errorText(r)}`);
      const notes = r.stdout.slice(r.stdout.indexOf('\nNOTES:\n'));
      assert.ok(notes.length > 8, `${what}: no NOTES`);
      const ds = f?.endsWith('full-values.yaml') ? 'kestrel-sensor' : FULLNAME;
      assert.ok(notes.includes(`rollout status daemonset/${ds}`), `${what}: ${notes}`);
      assert.equal(/WARNING: securityContext\.privileged is true/.test(notes), what === 'privileged-values.yaml', `${what}: ${notes}`);
    }
  });

  it('has the sensor version as appVersion (the default image tag)', function () {
    const chart = parse(fs.readFileSync(path.join(CHART, 'Chart.yaml'), 'utf8')) as K8sObject;
    const pkg = JSON.parse(fs.readFileSync(path.join(CHART, '../../package.json'), 'utf8')) as { version: string };
    assert.equal(chart.appVersion, pkg.version);
    assert.equal(chart.apiVersion, 'v2');
    assert.equal(render().container.image, `ghcr.io/kestrel-sensor/kestrel:${pkg.version}`);
  });

  it('links rules/ to the repository rules, and packages their content without fixtures or ci/', function () {
    assert.equal(fs.readlinkSync(path.join(CHART, 'rules')), '../../rules');
    assert.equal(fs.realpathSync(path.join(CHART, 'rules')), fs.realpathSync(RULES));
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'kestrel-helm-pkg-'));
    try {
      const p = helm(['package', CHART, '--destination', out]);
      assert.equal(p.status, 0, errorText(p));
      const tgz = path.join(out, fs.readdirSync(out).find((f) => f.endsWith('.tgz'))!);
      const list = spawnSync('tar', ['tzf', tgz], { encoding: 'utf8' });
      assert.equal(list.status, 0, list.stderr);
      const entries = list.stdout.split('\n').filter(Boolean);
      const rules = entries.filter((e) => e.startsWith('kestrel/rules/')).map((e) => path.basename(e)).sort();
      assert.deepEqual(rules, repoRuleFiles(), 'the package holds exactly the rule files');
      assert.ok(!entries.some((e) => e.startsWith('kestrel/ci/')), 'ci/ values files are not packaged');
      for (const f of ['Chart.yaml', 'values.yaml', 'values.schema.json', 'README.md', 'templates/NOTES.txt', 'templates/daemonset.yaml']) {
        assert.ok(entries.includes(`kestrel/${f}`), `kestrel/${f} is not in the package`);
      }
      // The packaged chart renders the same rules as the chart directory
      // (the symlink was resolved into real files).
      const fromPkg = render({ chart: tgz }).one('ConfigMap', `${FULLNAME}-rules-default`).data;
      assert.deepEqual(fromPkg, render().one('ConfigMap', `${FULLNAME}-rules-default`).data);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});

describe('helm chart: defaults', function () {
  this.timeout(60_000);
  let r: Rendered;
  before(function () {
    r = render();
  });

  it('renders exactly the expected objects, namespaced and labelled', function () {
    const kinds = r.objects.map((o) => `${o.kind}/${o.metadata.name}`).sort();
    assert.deepEqual(kinds, [
      `ClusterRole/${FULLNAME}`,
      `ClusterRoleBinding/${FULLNAME}`,
      `ConfigMap/${FULLNAME}-rules-custom`,
      `ConfigMap/${FULLNAME}-rules-default`,
      `DaemonSet/${FULLNAME}`,
      `ServiceAccount/${FULLNAME}`,
    ]);
    for (const o of r.objects) {
      const clusterScoped = o.kind === 'ClusterRole' || o.kind === 'ClusterRoleBinding';
      assert.equal(o.metadata.namespace, clusterScoped ? undefined : NAMESPACE, `${o.kind} namespace`);
      assert.equal(o.metadata.labels['app.kubernetes.io/instance'], RELEASE);
      assert.equal(o.metadata.labels['app.kubernetes.io/name'], 'kestrel');
    }
    assert.equal(r.all('Secret').length, 0);
  });

  it('is a DaemonSet with hostPID that runs `sensor run` with the ConfigMap rules', function () {
    const ds = r.daemonSet;
    assert.equal(ds.apiVersion, 'apps/v1');
    assert.ok(matches(ds.spec.selector.matchLabels, ds.spec.template.metadata.labels), 'the selector selects the pods');
    assert.equal(r.podSpec.hostPID, true);
    assert.notEqual(r.podSpec.hostNetwork, true);
    assert.notEqual(r.podSpec.hostIPC, true);
    assert.equal(r.podSpec.initContainers, undefined);
    assert.equal(r.container.command, undefined, 'the image entrypoint (node .../main.js) is kept');
    assert.deepEqual(r.args, [
      'run',
      '--log-level',
      'info',
      '--no-default-rules',
      '--rules',
      '/etc/kestrel/rules/default',
      '--rules',
      '/etc/kestrel/rules/custom',
    ]);
    assert.equal(r.podSpec.serviceAccountName, FULLNAME);
    assert.equal(r.podSpec.automountServiceAccountToken, true);
  });

  it('is not privileged: drops ALL, adds exactly the five capabilities, read-only root', function () {
    const sc = r.container.securityContext as K8sObject;
    assert.equal(sc.privileged, false);
    assert.equal(sc.allowPrivilegeEscalation, false);
    assert.equal(sc.readOnlyRootFilesystem, true);
    assert.equal(sc.runAsUser, 0);
    assert.deepEqual(sc.capabilities.drop, ['ALL']);
    assert.deepEqual([...sc.capabilities.add].sort(), [...CAPS].sort());
    assert.equal(sc.capabilities.add.length, CAPS.length);
    assert.deepEqual(sc.seccompProfile, { type: 'Unconfined' });
    assert.equal(r.podSpec.securityContext?.privileged, undefined);
    // Nothing else in the output grants privilege.
    assert.doesNotMatch(r.text, /privileged: true|SYS_ADMIN|allowPrivilegeEscalation: true/);
    assert.equal(r.daemonSet.spec.template.metadata.annotations, undefined, 'no AppArmor override by default');
  });

  it('grants RBAC get, list and watch on pods only', function () {
    const role = r.one('ClusterRole', FULLNAME);
    assert.deepEqual(role.rules, [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }]);
    assert.equal(role.aggregationRule, undefined);
    assert.equal(r.all('Role').length + r.all('RoleBinding').length, 0);
    const binding = r.one('ClusterRoleBinding', FULLNAME);
    assert.deepEqual(binding.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: FULLNAME });
    assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: FULLNAME, namespace: NAMESPACE }]);
    assert.equal(r.one('ServiceAccount').metadata.name, r.podSpec.serviceAccountName);
    for (const rule of r.all('ClusterRole').flatMap((x) => x.rules as K8sObject[])) {
      for (const k of ['apiGroups', 'resources', 'verbs']) assert.ok(!(rule[k] as string[]).includes('*'), `wildcard in ${k}`);
    }
  });

  it('probes /healthz and /readyz on the named metrics port, with time to load BPF', function () {
    const ports = r.container.ports as K8sObject[];
    assert.deepEqual(ports, [{ name: 'metrics', containerPort: 9464, protocol: 'TCP' }]);
    assert.equal(r.envValue('KESTREL_METRICS_ADDR'), '0.0.0.0:9464');
    const c = r.container;
    for (const [probe, p] of [
      ['startupProbe', '/healthz'],
      ['livenessProbe', '/healthz'],
      ['readinessProbe', '/readyz'],
    ] as const) {
      assert.deepEqual(c[probe]?.httpGet, { path: p, port: 'metrics' }, probe);
      assert.ok(c[probe].periodSeconds >= 1 && c[probe].failureThreshold >= 1, probe);
    }
    // The startup probe gives BPF loading and the pod list well over 20 s
    // before liveness can restart the sensor.
    assert.ok(c.startupProbe.periodSeconds * c.startupProbe.failureThreshold >= 60);
    assert.ok(c.livenessProbe.periodSeconds * c.livenessProbe.failureThreshold >= 20);
  });

  it('mounts the host paths the sensor reads, read-only, and nothing else of the host', function () {
    const hp = hostPaths(r);
    assert.deepEqual(Object.fromEntries(hp), {
      '/sys/fs/cgroup': { type: 'Directory', mountPath: '/host/sys/fs/cgroup', readOnly: true },
      '/sys/kernel/btf': { type: 'Directory', mountPath: '/sys/kernel/btf', readOnly: true },
      '/sys/kernel/tracing': { type: 'Directory', mountPath: '/sys/kernel/tracing', readOnly: true },
      '/sys/fs/bpf': { type: 'Directory', mountPath: '/sys/fs/bpf', readOnly: true },
    });
    assert.equal(r.envValue('KESTREL_CGROUP_ROOT'), '/host/sys/fs/cgroup');
    assert.deepEqual(r.mountAt('/tmp').volume.emptyDir, { sizeLimit: '64Mi' });
    assert.equal(r.mountAt('/etc/kestrel/rules/default').volume.configMap.name, `${FULLNAME}-rules-default`);
    assert.equal(r.mountAt('/etc/kestrel/rules/custom').volume.configMap.name, `${FULLNAME}-rules-custom`);
    for (const m of r.container.volumeMounts as K8sObject[]) {
      assert.ok(m.readOnly === true || m.mountPath === '/tmp', `${m.mountPath} is writable`);
    }
    assert.ok(!r.hasMountAt('/var/lib/kestrel/spool'), 'no spool without the kafka sink');
    // Every volume is mounted and every mount has its volume.
    const vols = (r.podSpec.volumes as K8sObject[]).map((v) => v.name).sort();
    const mounts = (r.container.volumeMounts as K8sObject[]).map((m) => m.name).sort();
    assert.deepEqual(mounts, vols);
  });

  it('sets NODE_NAME from the downward API and the sensor settings as KESTREL_* env', function () {
    assert.deepEqual(r.env.get('NODE_NAME'), { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } });
    assert.equal(r.envValue('KESTREL_SINK'), 'stdout');
    assert.equal(r.envValue('KESTREL_FORMAT'), 'falco');
    assert.equal(r.envValue('KESTREL_SHUTDOWN_TIMEOUT_MS'), '25000');
    assert.equal(r.env.has('KESTREL_CLUSTER_NAME'), false);
    assert.deepEqual(kafkaEnv(r), []);
    assert.equal([...r.env.keys()].some((k) => k.startsWith('KESTREL_OTLP')), false);
  });

  it('tolerates every taint, is node-critical, rolls one node at a time without surge', function () {
    assert.deepEqual(r.podSpec.tolerations, [{ operator: 'Exists' }]);
    assert.equal(r.podSpec.priorityClassName, 'system-node-critical');
    assert.equal(r.podSpec.terminationGracePeriodSeconds, 30);
    assert.deepEqual(r.podSpec.nodeSelector, { 'kubernetes.io/os': 'linux' });
    assert.deepEqual(r.daemonSet.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
    assert.deepEqual(r.container.resources, { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1Gi' } });
  });
});

describe('helm chart: rules', function () {
  this.timeout(60_000);

  it('puts every rules/*.yaml (no fixtures) into the default ConfigMap, byte for byte', function () {
    const data = render().one('ConfigMap', `${FULLNAME}-rules-default`).data as Record<string, string>;
    const files = repoRuleFiles();
    assert.ok(files.length >= 7, `rules/ has ${files.length} rule files`);
    assert.deepEqual(Object.keys(data).sort(), files);
    for (const f of files) {
      assert.ok(data[f] === fs.readFileSync(path.join(RULES, f), 'utf8'), `${f} differs from rules/${f}`);
      assert.ok(Array.isArray(parse(data[f]!)), `${f} is not a rule list`);
    }
    assert.ok(!Object.keys(data).some((k) => k.includes('.tests.')));
  });

  it('renders customRules into the custom ConfigMap, loaded after the default rules', function () {
    const text = '- list: user_known_package_managers\n  items: [site-updater]\n  override: {items: append}\n';
    const r = render({ values: { customRules: { '90-site.yaml': text, '91-b.yml': '- list: x\n  items: ["a: b", "#c"]' } } });
    const cm = r.one('ConfigMap', `${FULLNAME}-rules-custom`);
    assert.deepEqual(cm.data, { '90-site.yaml': text, '91-b.yml': '- list: x\n  items: ["a: b", "#c"]' });
    assert.equal(r.mountAt('/etc/kestrel/rules/custom').volume.configMap.name, cm.metadata.name);
    const a = r.args;
    assert.ok(a.indexOf('/etc/kestrel/rules/default') < a.indexOf('/etc/kestrel/rules/custom'));
    // Rules reload in place: a change of customRules does not restart pods.
    assert.equal(r.daemonSet.spec.template.metadata.annotations, undefined);
    // Without customRules the custom ConfigMap still exists, empty, so that
    // rules added later reach running pods.
    const empty = render().one('ConfigMap', `${FULLNAME}-rules-custom`);
    assert.ok(empty.data === undefined || empty.data === null || Object.keys(empty.data).length === 0);
  });

  it('can go without the default rules, but not without any rules', function () {
    const r = render({ values: { defaultRules: { enabled: false }, customRules: { 'mine.yaml': '- list: a\n  items: [b]\n' } } });
    assert.equal(r.maybe('ConfigMap', `${FULLNAME}-rules-default`), undefined);
    assert.ok(!r.hasMountAt('/etc/kestrel/rules/default'));
    assert.deepEqual(r.args.slice(3), ['--no-default-rules', '--rules', '/etc/kestrel/rules/custom']);
    const f = renderFails({ values: { defaultRules: { enabled: false } } });
    assert.match(errorText(f), /customRules: defaultRules\.enabled is false/);
  });
});

describe('helm chart: sinks and secrets', function () {
  this.timeout(60_000);

  it('Kafka with SASL and TLS: settings as env, password and PEM files from Secrets', function () {
    const r = render({ files: [ci('kafka-sasl-values.yaml')] });
    assert.equal(r.envValue('KESTREL_SINK'), 'stdout,kafka');
    assert.equal(r.envValue('KESTREL_CLUSTER_NAME'), 'prod-eu-1');
    assert.equal(r.envValue('KESTREL_KAFKA_BROKERS'), 'kafka-0.kafka:9093,kafka-1.kafka:9093');
    assert.equal(r.envValue('KESTREL_KAFKA_TOPIC'), 'kestrel-alerts');
    assert.equal(r.envValue('KESTREL_KAFKA_TOPIC_PRIORITY'), 'Critical=kestrel-critical,Emergency=kestrel-critical');
    assert.equal(r.envValue('KESTREL_KAFKA_COMPRESSION'), 'zstd');
    assert.equal(r.envValue('KESTREL_KAFKA_ACKS'), 'all');
    assert.equal(r.envValue('KESTREL_KAFKA_IDEMPOTENT'), 'true');
    assert.equal(r.envValue('KESTREL_KAFKA_TLS'), 'true');
    assert.equal(r.envValue('KESTREL_KAFKA_TLS_SERVER_NAME'), 'kafka.internal');
    assert.equal(r.envValue('KESTREL_KAFKA_SASL_MECHANISM'), 'scram-sha-512');
    assert.equal(r.envValue('KESTREL_KAFKA_SASL_USERNAME'), 'kestrel');
    assert.deepEqual(secretRef(r, 'KESTREL_KAFKA_SASL_PASSWORD'), { name: 'kestrel-kafka-sasl', key: 'password' });
    assert.equal(r.env.has('KESTREL_KAFKA_SASL_PASSWORD_FILE'), false);
    const files = secretFiles(r, '/etc/kestrel/kafka-tls', 'kestrel-kafka-tls');
    assert.equal(r.envValue('KESTREL_KAFKA_TLS_CA'), files.get('ca.crt'));
    assert.equal(r.envValue('KESTREL_KAFKA_TLS_CERT'), files.get('tls.crt'));
    assert.equal(r.envValue('KESTREL_KAFKA_TLS_KEY'), files.get('tls.key'));
    assert.equal(files.size, 3);
    // The spool: a writable hostPath directory the sensor is told about.
    assert.equal(r.envValue('KESTREL_SPOOL_DIR'), '/var/lib/kestrel/spool');
    assert.equal(r.envValue('KESTREL_SPOOL_MAX_BYTES'), '512MiB');
    const spool = r.mountAt('/var/lib/kestrel/spool');
    assert.deepEqual(spool.volume.hostPath, { path: '/var/lib/kestrel/spool', type: 'DirectoryOrCreate' });
    assert.notEqual(spool.mount.readOnly, true);
    assert.equal(r.all('Secret').length, 0, 'the chart never creates a Secret');
  });

  it('Kafka SASL password as a mounted file, never in the environment', function () {
    const r = render({ files: [ci('kafka-sasl-file-values.yaml')] });
    assert.equal(r.envValue('KESTREL_SINK'), 'kafka');
    assert.equal(r.envValue('KESTREL_FORMAT'), 'ocsf');
    assert.equal(r.env.has('KESTREL_KAFKA_SASL_PASSWORD'), false);
    const files = secretFiles(r, '/etc/kestrel/kafka-sasl', 'kafka-credentials');
    assert.deepEqual([...files], [['sasl-password', '/etc/kestrel/kafka-sasl/password']]);
    assert.equal(r.envValue('KESTREL_KAFKA_SASL_PASSWORD_FILE'), '/etc/kestrel/kafka-sasl/password');
    // TLS with the system CAs: no PEM files, no Secret mount.
    assert.equal(r.envValue('KESTREL_KAFKA_TLS'), 'true');
    assert.equal(r.env.has('KESTREL_KAFKA_TLS_CA'), false);
    assert.ok(!r.hasMountAt('/etc/kestrel/kafka-tls'));
    assert.equal(r.envValue('KESTREL_KAFKA_ACKS'), '1');
    assert.equal(r.envValue('KESTREL_KAFKA_IDEMPOTENT'), 'false');
    assert.deepEqual(r.mountAt('/var/lib/kestrel/spool').volume.hostPath, { path: '/var/lib/kestrel/spool-kafka', type: 'DirectoryOrCreate' });
  });

  it('OTLP: endpoint and protocol as env, headers and TLS from Secrets, plain headers as flags', function () {
    const r = render({ files: [ci('otlp-values.yaml')] });
    assert.equal(r.envValue('KESTREL_SINK'), 'otlp');
    assert.equal(r.envValue('KESTREL_OTLP_ENDPOINT'), 'https://otel-collector.observability:4317');
    assert.equal(r.envValue('KESTREL_OTLP_PROTOCOL'), 'grpc');
    assert.deepEqual(secretRef(r, 'KESTREL_OTLP_HEADERS'), { name: 'kestrel-otlp', key: 'headers' });
    const files = secretFiles(r, '/etc/kestrel/otlp-tls', 'kestrel-otlp-tls');
    assert.deepEqual([...files], [['ca.pem', '/etc/kestrel/otlp-tls/ca.pem']]);
    assert.equal(r.envValue('KESTREL_OTLP_TLS_CA'), '/etc/kestrel/otlp-tls/ca.pem');
    assert.equal(r.envValue('KESTREL_OTLP_TLS_SERVER_NAME'), 'otel-collector.observability');
    assert.equal(r.env.has('KESTREL_OTLP_TLS_CERT'), false);
    assert.ok(r.args.includes('--otlp-header=x-scope-orgid=security'));
    assert.equal(r.envValue('KESTREL_METRICS_OTLP_ENDPOINT'), 'http://otel-collector.observability:4318');
    assert.deepEqual(kafkaEnv(r), []);
    assert.ok(!r.hasMountAt('/var/lib/kestrel/spool'));
  });

  it('passes credentials only by reference, in every ci/ configuration', function () {
    for (const f of ciValuesFiles()) {
      const r = render({ files: [f] });
      for (const [name, e] of r.env) {
        if (/PASSWORD$|HEADERS$/.test(name)) {
          assert.equal(e.value, undefined, `${path.basename(f)}: ${name} has a literal value`);
          assert.ok(e.valueFrom?.secretKeyRef, `${path.basename(f)}: ${name} is not from a Secret`);
        }
      }
      assert.equal(r.all('Secret').length, 0, path.basename(f));
    }
  });

  it('configures a sink only when it is on', function () {
    const r = render({
      values: {
        sinks: ['stdout'],
        kafka: { brokers: ['k:9092'], tls: { existingSecret: 'tls' }, sasl: { mechanism: 'plain', username: 'u', passwordSecret: { name: 'pw' } } },
        otlp: { endpoint: 'http://c:4318', headers: { a: 'b' }, headersSecret: { name: 'h' }, tls: { existingSecret: 'otls' } },
      },
    });
    assert.deepEqual(
      [...r.env.keys()].filter((k) => /^KESTREL_(KAFKA|SPOOL|OTLP)_/.test(k)),
      [],
    );
    assert.deepEqual(
      (r.container.volumeMounts as K8sObject[]).map((m) => m.mountPath).filter((p) => /kafka|otlp|spool/.test(p)),
      [],
    );
    assert.ok(!r.args.some((a) => a.startsWith('--otlp-header')));
  });

  it('refuses sink settings that cannot work, naming the value to change', function () {
    const cases: [unknown, RegExp][] = [
      [{ sinks: ['kafka'] }, /kafka\.brokers: sinks has kafka/],
      [{ sinks: ['kafka'], kafka: { brokers: ['k:9092'], sasl: { mechanism: 'plain', username: 'u' } } }, /kafka\.sasl\.passwordSecret\.name/],
      [{ sinks: ['kafka'], kafka: { brokers: ['k:9092'], sasl: { mechanism: 'plain', passwordSecret: { name: 's' } } } }, /kafka\.sasl\.username/],
      [{ sinks: ['otlp'] }, /otlp\.endpoint: sinks has otlp/],
      [{ sinks: ['kafka'], kafka: { brokers: ['k:9092'], tls: { existingSecret: 's', certKey: 'tls.crt' } } }, /kafka\.tls: a client certificate needs both certKey and keyKey/],
      [{ sinks: ['otlp'], otlp: { endpoint: 'http://c:4318', tls: { existingSecret: 's', keyKey: 'tls.key' } } }, /otlp\.tls: a client certificate needs both/],
      [{ terminationGracePeriodSeconds: 10, shutdownTimeoutMs: 10_000 }, /shutdownTimeoutMs/],
      [{ serviceMonitor: { enabled: true }, metrics: { enabled: false } }, /serviceMonitor\.enabled: needs metrics\.enabled/],
    ];
    for (const [values, re] of cases) assert.match(errorText(renderFails({ values })), re, JSON.stringify(values));
  });
});

describe('helm chart: options', function () {
  this.timeout(60_000);

  it('privileged is an opt-in that replaces the capability list', function () {
    const r = render({ files: [ci('privileged-values.yaml')] });
    const sc = r.container.securityContext as K8sObject;
    assert.equal(sc.privileged, true);
    assert.notEqual(sc.allowPrivilegeEscalation, false, 'Kubernetes refuses privileged with allowPrivilegeEscalation false');
    assert.equal(sc.capabilities, undefined);
    assert.equal(sc.readOnlyRootFilesystem, true);
  });

  it('serviceMonitor: a ServiceMonitor on a headless Service that selects the sensor pods', function () {
    const r = render({ values: { serviceMonitor: { enabled: true, labels: { release: 'prom' }, interval: '15s' } } });
    const podLabels = r.daemonSet.spec.template.metadata.labels as Record<string, string>;
    const svc = r.one('Service', `${FULLNAME}-metrics`);
    assert.equal(svc.spec.clusterIP, 'None');
    assert.equal(svc.spec.publishNotReadyAddresses, true);
    assert.ok(matches(svc.spec.selector, podLabels), 'the Service selects the sensor pods');
    assert.deepEqual(svc.spec.ports, [{ name: 'metrics', port: 9464, targetPort: 'metrics', protocol: 'TCP' }]);
    const sm = r.one('ServiceMonitor', FULLNAME);
    assert.equal(sm.apiVersion, 'monitoring.coreos.com/v1');
    assert.equal(sm.metadata.labels.release, 'prom');
    assert.ok(matches(sm.spec.selector.matchLabels, svc.metadata.labels), 'the ServiceMonitor selects the Service');
    assert.deepEqual(sm.spec.namespaceSelector, { matchNames: [NAMESPACE] });
    assert.equal(sm.spec.endpoints.length, 1);
    const ep = sm.spec.endpoints[0];
    assert.equal(ep.port, 'metrics');
    assert.equal(ep.path, '/metrics');
    assert.equal(ep.interval, '15s');
    // The Service alone, without the operator's CRD.
    const alone = render({ values: { metrics: { service: { enabled: true } } } });
    assert.ok(alone.maybe('Service', `${FULLNAME}-metrics`));
    assert.equal(alone.all('ServiceMonitor').length, 0);
  });

  it('networkPolicy: ingress only to the metrics port from the given peers; egress open unless given', function () {
    const from = [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'obs' } }, podSelector: { matchLabels: { app: 'prometheus' } } }];
    const r = render({ values: { networkPolicy: { enabled: true, metricsFrom: from } } });
    const np = r.one('NetworkPolicy', FULLNAME);
    assert.ok(matches(np.spec.podSelector.matchLabels, r.daemonSet.spec.template.metadata.labels), 'selects the sensor pods');
    assert.deepEqual(np.spec.policyTypes, ['Ingress']);
    assert.deepEqual(np.spec.ingress, [{ ports: [{ port: 'metrics', protocol: 'TCP' }], from }]);
    assert.equal(np.spec.egress, undefined);
    // The default peers: the monitoring namespace.
    const def = render({ values: { networkPolicy: { enabled: true } } }).one('NetworkPolicy');
    assert.deepEqual(def.spec.ingress[0].from, [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }]);
    const egress = [{ to: [{ ipBlock: { cidr: '10.0.0.0/8' } }] }];
    const withEgress = render({ values: { networkPolicy: { enabled: true, metricsFrom: [], egress } } }).one('NetworkPolicy');
    assert.deepEqual(withEgress.spec.policyTypes, ['Ingress', 'Egress']);
    assert.deepEqual(withEgress.spec.egress, egress);
    assert.deepEqual(withEgress.spec.ingress, [{ ports: [{ port: 'metrics', protocol: 'TCP' }] }]);
    assert.equal(render().all('NetworkPolicy').length, 0);
  });

  it('applies the other switches (ci/full-values.yaml)', function () {
    const r = render({ files: [ci('full-values.yaml')] });
    const ds = r.daemonSet;
    const name = 'kestrel-sensor';
    assert.equal(ds.metadata.name, name);
    assert.equal(r.container.image, 'ghcr.io/kestrel-sensor/kestrel:0.1.0-rc1');
    assert.equal(r.container.imagePullPolicy, 'Always');
    assert.deepEqual(r.podSpec.imagePullSecrets, [{ name: 'regcred' }]);
    assert.deepEqual(r.args.slice(0, 3), ['run', '--log-level', 'debug']);
    assert.deepEqual(r.args.slice(-2), ['--ring-size', '8388608']);
    assert.equal(r.envValue('SENSOR_EXTRA'), '1');
    assert.equal(r.envValue('KESTREL_MIN_PRIORITY'), 'Notice');
    assert.equal(r.envValue('KESTREL_METRICS_ADDR'), '[::]:9500');
    assert.equal(r.container.ports[0].containerPort, 9500);
    assert.equal(r.envValue('KESTREL_CGROUP_ROOT'), '/host/sys/fs/cgroup/unified');
    assert.equal(r.envValue('KESTREL_SHUTDOWN_TIMEOUT_MS'), '55000');
    assert.equal(r.podSpec.terminationGracePeriodSeconds, 60);
    assert.equal(r.podSpec.priorityClassName, undefined);
    assert.deepEqual(r.podSpec.tolerations, [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }]);
    assert.equal(ds.spec.updateStrategy.rollingUpdate.maxUnavailable, '10%');
    assert.equal(ds.spec.minReadySeconds, 5);
    assert.equal(r.podSpec.serviceAccountName, 'kestrel-sa');
    assert.equal(r.one('ServiceAccount').metadata.annotations['example.com/owner'], 'security');
    assert.equal(r.one('ClusterRoleBinding').subjects[0].name, 'kestrel-sa');
    const meta = ds.spec.template.metadata;
    assert.equal(meta.labels.team, 'security');
    assert.equal(meta.annotations['example.com/team'], 'security');
    assert.equal(meta.annotations['container.apparmor.security.beta.kubernetes.io/sensor'], 'unconfined');
    assert.match(meta.annotations['checksum/config'], /^[0-9a-f]{64}$/);
    assert.deepEqual(r.container.securityContext.seccompProfile, { type: 'RuntimeDefault' });
    assert.equal(r.mountAt('/sys/kernel/debug').volume.hostPath.path, '/sys/kernel/debug');
    assert.ok(!r.hasMountAt('/sys/fs/bpf'));
    // sensorConfig: a ConfigMap mounted where KESTREL_CONFIG points.
    const cfgPath = r.envValue('KESTREL_CONFIG');
    const { volume } = r.mountAt(path.dirname(cfgPath));
    const cm = r.one('ConfigMap', volume.configMap.name);
    assert.deepEqual(parse(cm.data[path.basename(cfgPath)]), {
      dedupe: { window: '30s', keyFields: { 'Outbound connection to C2 port': ['fd.dip', 'fd.dport'] } },
    });
    assert.deepEqual(Object.keys(r.one('ConfigMap', `${name}-rules-custom`).data).sort(), ['90-site.yaml', '91-more.yml']);
    // A different config file gives a different checksum: pods restart.
    const other = render({ files: [ci('full-values.yaml')], values: { sensorConfig: { dedupe: { window: '5s' } } } });
    assert.notEqual(other.daemonSet.spec.template.metadata.annotations['checksum/config'], meta.annotations['checksum/config']);
  });

  it('derives the shutdown timeout from the grace period, with a margin', function () {
    const timeout = (values: unknown): number => Number(render({ values }).envValue('KESTREL_SHUTDOWN_TIMEOUT_MS'));
    assert.equal(timeout({ terminationGracePeriodSeconds: 30 }), 25_000);
    assert.equal(timeout({ terminationGracePeriodSeconds: 11 }), 6_000);
    assert.equal(timeout({ terminationGracePeriodSeconds: 8 }), 4_000);
    assert.equal(timeout({ terminationGracePeriodSeconds: 1 }), 500);
    assert.equal(timeout({ terminationGracePeriodSeconds: 30, shutdownTimeoutMs: 12_345 }), 12_345);
  });

  it('kubernetes.enabled=false: --no-k8s, no RBAC, no token', function () {
    const r = render({ values: { kubernetes: { enabled: false } } });
    assert.ok(r.args.includes('--no-k8s'));
    assert.equal(r.all('ClusterRole').length + r.all('ClusterRoleBinding').length, 0);
    assert.equal(r.podSpec.automountServiceAccountToken, false);
    assert.equal(r.one('ServiceAccount').automountServiceAccountToken, false);
    assert.ok(!render().args.includes('--no-k8s'));
  });

  it('metrics.enabled=false: no port, no probes, the endpoint off', function () {
    const r = render({ values: { metrics: { enabled: false } } });
    assert.equal(r.envValue('KESTREL_METRICS_ADDR'), 'off');
    for (const k of ['ports', 'startupProbe', 'livenessProbe', 'readinessProbe']) assert.equal(r.container[k], undefined, k);
  });
});
