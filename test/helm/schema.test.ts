// values.schema.json: helm refuses bad values, naming the bad key, before
// anything reaches a cluster; and the schema, values.yaml and the chart's
// README agree on which values exist.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { CHART, K8sObject, errorText, helm, render, renderFails, valuesFile } from './chart';

const schema = JSON.parse(fs.readFileSync(path.join(CHART, 'values.schema.json'), 'utf8')) as K8sObject;
const defaults = parse(fs.readFileSync(path.join(CHART, 'values.yaml'), 'utf8')) as K8sObject;

/** Bad values, and what the error must name. */
const BAD: [string, unknown, RegExp][] = [
  ['unknown top-level key (typo)', { imagePullSecret: [{ name: 'x' }] }, /'imagePullSecret' not allowed/],
  ['unknown nested key', { kafka: { broker: ['k:9092'] } }, /\/kafka.*'broker' not allowed/],
  ['a password as a value', { kafka: { sasl: { password: 'hunter2' } } }, /\/kafka\/sasl.*'password' not allowed/],
  ['a password in the sensor config file', { sensorConfig: { kafka: { sasl: { password: 'hunter2' } } } }, /\/sensorConfig\/kafka\/sasl/],
  ['an authorization header in plain values', { otlp: { headers: { Authorization: 'Bearer x' } } }, /'Authorization'/],
  ['unknown sink', { sinks: ['splunk'] }, /\/sinks\/0.*'stdout', 'kafka', 'otlp'/],
  ['no sink', { sinks: [] }, /\/sinks/],
  ['sinks not a list', { sinks: 'stdout' }, /\/sinks.*want array/],
  ['unknown format', { format: 'cef' }, /\/format/],
  ['invalid priority', { minPriority: 'Urgent' }, /\/minPriority/],
  ['invalid priority in topicByPriority', { kafka: { topicByPriority: { Urgent: 't' } } }, /'Urgent'/],
  ['broker without a port', { kafka: { brokers: ['kafka-0'] } }, /\/kafka\/brokers\/0/],
  ['unknown compression', { kafka: { compression: 'brotli' } }, /\/kafka\/compression/],
  ['invalid acks', { kafka: { acks: '2' } }, /\/kafka\/acks/],
  ['unknown SASL mechanism', { kafka: { sasl: { mechanism: 'gssapi' } } }, /\/kafka\/sasl\/mechanism/],
  ['idempotent not a boolean', { kafka: { idempotent: 'yes' } }, /\/kafka\/idempotent.*want boolean/],
  ['OTLP endpoint without scheme', { otlp: { endpoint: 'collector:4318' } }, /\/otlp\/endpoint/],
  ['unknown OTLP protocol', { otlp: { protocol: 'http/json' } }, /\/otlp\/protocol/],
  ['negative port', { metrics: { port: -1 } }, /\/metrics\/port.*minimum/],
  ['port too large', { metrics: { port: 70000 } }, /\/metrics\/port.*maximum/],
  ['port as text', { metrics: { port: 'http' } }, /\/metrics\/port.*want integer/],
  ['capabilities not a list', { securityContext: { capabilities: 'BPF' } }, /\/securityContext\/capabilities.*want array/],
  ['capability with CAP_ prefix or lower case', { securityContext: { capabilities: ['bpf'] } }, /\/securityContext\/capabilities\/0/],
  ['privileged not a boolean', { securityContext: { privileged: 'true' } }, /\/securityContext\/privileged/],
  ['unknown seccomp type', { securityContext: { seccompProfile: { type: 'Off' } } }, /\/securityContext\/seccompProfile\/type/],
  ['Localhost seccomp without a profile', { securityContext: { seccompProfile: { type: 'Localhost' } } }, /\/securityContext\/seccompProfile.*localhostProfile/],
  ['bad AppArmor profile', { securityContext: { appArmorProfile: 'off' } }, /\/securityContext\/appArmorProfile/],
  ['cgroup root outside the host mount', { cgroupRoot: '/sys/fs/cgroup' }, /\/cgroupRoot/],
  ['tolerations not a list', { tolerations: 'all' }, /\/tolerations.*want array/],
  ['bad toleration operator', { tolerations: [{ operator: 'Any' }] }, /\/tolerations\/0\/operator/],
  ['invalid priority class name', { priorityClassName: 'System_Node_Critical' }, /\/priorityClassName/],
  ['maxUnavailable 0', { updateStrategy: { rollingUpdate: { maxUnavailable: 0 } } }, /\/updateStrategy\/rollingUpdate\/maxUnavailable/],
  ['unknown update strategy', { updateStrategy: { type: 'Recreate' } }, /\/updateStrategy\/type/],
  ['grace period as text', { terminationGracePeriodSeconds: '30' }, /\/terminationGracePeriodSeconds.*want integer/],
  ['grace period 0', { terminationGracePeriodSeconds: 0 }, /\/terminationGracePeriodSeconds/],
  ['negative shutdown timeout', { shutdownTimeoutMs: -1 }, /\/shutdownTimeoutMs/],
  ['resources with a bad quantity', { resources: { limits: { memory: 'lots' } } }, /\/resources\/limits\/memory/],
  ['unknown resources key', { resources: { limit: { memory: '1Gi' } } }, /\/resources.*'limit' not allowed/],
  ['a rule file that is not YAML', { customRules: { 'rules.json': '[]' } }, /'rules\.json'/],
  ['a rule fixture file as a custom rule', { customRules: { 'x.tests.yaml': '[]' } }, /'x\.tests\.yaml'/],
  ['a custom rule that is not text', { customRules: { 'x.yaml': [{ list: 'a' }] } }, /\/customRules\/x\.yaml.*want string/],
  ['serviceMonitor interval without unit', { serviceMonitor: { interval: '30' } }, /\/serviceMonitor\/interval/],
  ['networkPolicy peers not a list', { networkPolicy: { metricsFrom: { namespaceSelector: {} } } }, /\/networkPolicy\/metricsFrom.*want array/],
  ['probe threshold 0', { probes: { liveness: { failureThreshold: 0 } } }, /\/probes\/liveness\/failureThreshold/],
  ['probe path is not a value', { probes: { readiness: { httpGet: { path: '/' } } } }, /\/probes\/readiness.*'httpGet' not allowed/],
  ['extraEnv without a name', { extraEnv: [{ value: 'x' }] }, /\/extraEnv\/0.*name/],
  ['extraArgs not strings', { extraArgs: [1] }, /\/extraArgs\/0.*want string/],
  ['image digest malformed', { image: { digest: 'sha256:abc' } }, /\/image\/digest/],
  ['secret name with capitals', { kafka: { sasl: { passwordSecret: { name: 'Kafka_Secret' } } } }, /\/kafka\/sasl\/passwordSecret\/name/],
];

describe('helm chart: values.schema.json', function () {
  this.timeout(120_000);

  it('is JSON Schema draft-07 and closed at the top level and in every object value', function () {
    assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
    assert.equal(schema.additionalProperties, false);
    const open: string[] = [];
    // Objects the chart reads key by key must be closed; free-form maps
    // (labels, selectors, the sensor's config file) are open on purpose.
    const FREE = new Set(['global', 'sensorConfig', 'affinity', 'nodeSelector', 'podAnnotations', 'podLabels', 'customRules', 'labels', 'annotations', 'topicByPriority', 'headers', 'requests', 'limits']);
    const walk = (node: K8sObject, at: string): void => {
      if (node.$ref) node = schema.definitions[(node.$ref as string).replace('#/definitions/', '')];
      if (node.type === 'object' && node.properties && node.additionalProperties !== false) open.push(at);
      for (const [k, v] of Object.entries((node.properties ?? {}) as Record<string, K8sObject>)) {
        if (!FREE.has(k)) walk(v, `${at}/${k}`);
      }
    };
    walk(schema, '');
    assert.deepEqual(open, []);
  });

  it('declares every key of values.yaml, and every declared key has a default there', function () {
    const missing: string[] = [];
    const extra: string[] = [];
    const walk = (values: K8sObject, node: K8sObject, at: string): void => {
      if (node.$ref) node = schema.definitions[(node.$ref as string).replace('#/definitions/', '')];
      if (!node.properties || node.additionalProperties !== false) return;
      for (const k of Object.keys(values)) if (!(k in node.properties)) missing.push(`${at}.${k}`);
      for (const k of Object.keys(node.properties as object)) {
        if (k === 'global') continue;
        if (!(k in values)) {
          extra.push(`${at}.${k}`);
          continue;
        }
        const v = values[k];
        if (v !== null && typeof v === 'object' && !Array.isArray(v)) walk(v as K8sObject, node.properties[k] as K8sObject, `${at}.${k}`);
      }
    };
    walk(defaults, schema, '');
    assert.deepEqual(missing, [], 'keys of values.yaml the schema does not declare');
    // Keys that exist only as options (no default worth writing down).
    const OPTIONAL = /^\.securityContext\.seccompProfile\.localhostProfile$|^\.resources\.claims$|^\.probes\.\w+\.(initialDelaySeconds|successThreshold)$/;
    assert.deepEqual(
      extra.filter((k) => !OPTIONAL.test(k)),
      [],
      'schema keys values.yaml does not show',
    );
  });

  it('has every value in the README values table, and no row for a value that does not exist', function () {
    const readme = fs.readFileSync(path.join(CHART, 'README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('## Values'));
    const documented = new Set<string>();
    for (const line of table.split('\n')) {
      if (!line.startsWith('| `')) continue;
      const names = [...line.split('|')[1]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
      const parent = names[0]!.includes('.') ? names[0]!.slice(0, names[0]!.lastIndexOf('.') + 1) : '';
      documented.add(names[0]!);
      // `a.b`, `.c`, `d`: siblings of the first name.
      for (const n of names.slice(1)) documented.add(parent + n.replace(/^\./, ''));
    }
    const leaves: string[] = [];
    const walk = (v: unknown, at: string): void => {
      if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length > 0) {
        for (const [k, x] of Object.entries(v)) walk(x, at ? `${at}.${k}` : k);
      } else leaves.push(at);
    };
    walk(defaults, '');
    const covered = (p: string): boolean => p.split('.').some((_, i, parts) => documented.has(parts.slice(0, i + 1).join('.')));
    assert.deepEqual(leaves.filter((p) => !covered(p)), [], 'values without a README row');
    const exists = (p: string): boolean => p.split('.').reduce<unknown>((o, k) => (o !== null && typeof o === 'object' && k in o ? (o as K8sObject)[k] : undefined), defaults) !== undefined;
    assert.deepEqual([...documented].filter((p) => !exists(p)), [], 'README rows for values that do not exist');
  });

  it('accepts the defaults and values that are merely unusual', function () {
    render({ values: { kafka: { acks: -1 }, minPriority: 'warn', metrics: { port: 65535 }, updateStrategy: { rollingUpdate: { maxUnavailable: '100%' } } } });
    render({ values: { global: { imageRegistry: 'x' } } });
    render({ values: { securityContext: { seccompProfile: { type: 'Localhost', localhostProfile: 'profiles/kestrel.json' } } } });
  });

  for (const [what, values, re] of BAD) {
    it(`refuses ${what}`, function () {
      const r = renderFails({ values });
      const err = errorText(r);
      assert.match(err, /values don't meet the specifications of the schema/, err);
      assert.match(err, re, err);
    });
  }

  it('refuses bad values in helm lint too', function () {
    const r = helm(['lint', CHART, '--strict', '-f', valuesFile({ metrics: { port: -1 }, sinks: ['splunk'] })]);
    assert.notEqual(r.status, 0);
    const out = r.stdout + errorText(r);
    assert.match(out, /\/metrics\/port/);
    assert.match(out, /\/sinks\/0/);
  });
});
