// The run configuration: precedence (flag > env > file > default), every
// setting's parsing, every validation error, and the docs table.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { ManualClock } from '../../sensor/alerts/clock';
import { buildSinks } from '../../sensor/config/build';
import { parseRunConfig, resolveRunConfig, RunConfig } from '../../sensor/config/config';
import { ConfigError } from '../../sensor/config/errors';
import { RUN_CONFIG_OPTIONS, SETTINGS } from '../../sensor/config/settings';
import { createLogger } from '../../sensor/log';
import { makeAlert } from '../alerts/fixture';
import { OtlpReceiver } from '../otlp/receiver';

const ROOT = path.resolve(__dirname, '../../..');

let dir: string;
before(function () {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kestrel-config-'));
});
after(function () {
  fs.rmSync(dir, { recursive: true, force: true });
});

function file(name: string, text: string): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
}

function yaml(text: string): string {
  return file(`c${Math.random().toString(36).slice(2)}.yaml`, text);
}

/** Parses argv as a command would: our options plus its own, strictly. */
function run(argv: string[], env: NodeJS.ProcessEnv = {}, callerKeys?: string[]): RunConfig {
  const { values } = parseArgs({ args: argv, options: { ...RUN_CONFIG_OPTIONS, rules: { type: 'string', multiple: true } }, strict: true });
  return resolveRunConfig(values, env, callerKeys ? { callerKeys } : {});
}

/** The problems a configuration is refused with. */
function problems(argv: string[], env: NodeJS.ProcessEnv = {}): string[] {
  try {
    run(argv, env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return [...err.problems];
  }
  assert.fail('the configuration was accepted');
}

function oneProblem(argv: string[], env: NodeJS.ProcessEnv, ...patterns: RegExp[]): void {
  const p = problems(argv, env);
  assert.equal(p.length, 1, p.join('\n'));
  for (const re of patterns) assert.match(p[0]!, re);
}

describe('config: defaults and precedence', function () {
  it('has documented defaults', function () {
    const c = run([]);
    assert.deepEqual(c.sinks, ['stdout']);
    assert.equal(c.format, 'falco');
    assert.equal(c.minPriority, 'Debug');
    assert.deepEqual(c.dedupe, { windowMs: 10_000, ratePerSec: 100, maxKeys: 10_000 });
    assert.deepEqual(c.stdout, { queueSize: 10_000 });
    assert.equal(c.kafka, undefined);
    assert.equal(c.otlp, undefined);
    assert.deepEqual(c.origins, {});
    assert.deepEqual(c.warnings, []);
  });

  it('flag > env > file > default, for every kind of setting', function () {
    const cfg = yaml(`
sinks: [stdout, kafka]
format: ocsf
kafka:
  brokers: [file:9092]
  lingerMs: 5
dedupe:
  window: 30s
`);
    const env = { KESTREL_KAFKA_LINGER_MS: '6', KESTREL_DEDUPE_WINDOW: '20s' };
    const all = run(['--config', cfg, '--kafka-linger-ms', '7'], env);
    assert.equal(all.kafka!.lingerMs, 7);
    assert.equal(all.dedupe.windowMs, 20_000);
    assert.equal(all.format, 'ocsf');
    assert.deepEqual(all.kafka!.brokers, ['file:9092']);
    assert.deepEqual(all.origins, { sink: 'file', format: 'file', 'dedupe-window': 'env', 'kafka-brokers': 'file', 'kafka-linger-ms': 'flag' });
    assert.equal(run(['--config', cfg], env).kafka!.lingerMs, 6);
    assert.equal(run(['--config', cfg], {}).kafka!.lingerMs, 5);
    assert.equal(run(['--config', cfg], {}).dedupe.windowMs, 30_000);
    assert.equal(run(['--sink', 'kafka', '--kafka-brokers', 'a:1']).kafka!.lingerMs, 10);
    assert.equal(run(['--config', cfg, '--format', 'falco'], { KESTREL_FORMAT: 'ocsf' }).format, 'falco');
    assert.equal(run(['--config', cfg], { KESTREL_FORMAT: 'falco' }).format, 'falco');
  });

  it('finds the file through KESTREL_CONFIG; an empty variable counts as unset', function () {
    const cfg = yaml('format: ocsf\n');
    assert.equal(run([], { KESTREL_CONFIG: cfg }).format, 'ocsf');
    assert.equal(run(['--config', cfg], { KESTREL_FORMAT: '' }).format, 'ocsf');
  });

  it('sinks: repeated flag, commas, env list, YAML list; duplicates removed', function () {
    assert.deepEqual(run(['--sink', 'stdout', '--sink', 'otlp,stdout']).sinks, ['stdout', 'otlp']);
    assert.deepEqual(run([], { KESTREL_SINK: 'OTLP, stdout' }).sinks, ['otlp', 'stdout']);
    assert.deepEqual(run(['--config', yaml('sinks:\n  - otlp\n')]).sinks, ['otlp']);
    assert.deepEqual(run(['--config', yaml('sinks: otlp,stdout\n')]).sinks, ['otlp', 'stdout']);
  });

  it('OTLP headers merge by key across sources, the stronger winning', function () {
    const cfg = yaml('sinks: [otlp]\notlp:\n  headers:\n    a: file\n    b: file\n');
    const c = run(['--config', cfg, '--otlp-header', 'c=flag', '--otlp-header', 'd=x,y'], { KESTREL_OTLP_HEADERS: 'b=env,c=env,authorization=Bearer%20s3cret' });
    assert.deepEqual(c.otlp!.headers, { a: 'file', b: 'env', c: 'flag', d: 'x,y', authorization: 'Bearer s3cret' });
  });

  it('a complete Kafka configuration', function () {
    const ca = file('ca.pem', 'ca');
    const cert = file('cert.pem', 'cert');
    const key = file('key.pem', 'key');
    const c = run(
      [
        '--sink', 'kafka', '--kafka-brokers', 'k0:9092,k1:9093, [::1]:9094', '--kafka-topic', 'alerts',
        '--kafka-topic-priority', 'critical=alerts-crit,Emergency=alerts-crit', '--kafka-compression', 'zstd', '--kafka-acks', 'all',
        '--kafka-batch-size', '100', '--kafka-tls-ca', ca, '--kafka-tls-cert', cert, '--kafka-tls-key', key,
        '--kafka-sasl-mechanism', 'SCRAM-SHA-512', '--kafka-sasl-username', 'sensor', '--spool-dir', '/var/lib/kestrel/spool',
        '--spool-max-bytes', '1GiB', '--spool-fsync', 'always',
      ],
      { KESTREL_KAFKA_SASL_PASSWORD: ' pass word ' },
    );
    assert.deepEqual(c.kafka, {
      brokers: ['k0:9092', 'k1:9093', '[::1]:9094'],
      topic: 'alerts',
      topicByPriority: { Critical: 'alerts-crit', Emergency: 'alerts-crit' },
      clientId: 'kestrel-sensor',
      compression: 'zstd',
      acks: -1,
      idempotent: true,
      lingerMs: 10,
      batchSize: 100,
      queueSize: 10_000,
      requestTimeoutMs: 30_000,
      connectionTimeoutMs: 10_000,
      tls: { rejectUnauthorized: true, ca, cert, key },
      sasl: { mechanism: 'scram-sha-512', username: 'sensor', password: ' pass word ' },
      spool: { dir: '/var/lib/kestrel/spool', maxBytes: 1024 ** 3, fsync: 'always', fsyncIntervalMs: 1000 },
    });
  });

  it('Kafka: plain TLS, no idempotence, password from a file', function () {
    const pw = file('pw', 'from-file\n');
    const c = run(['--sink', 'kafka', '--kafka-brokers', 'k:1', '--kafka-tls=true', '--kafka-idempotent=false', '--kafka-acks', '1',
      '--kafka-sasl-mechanism', 'plain', '--kafka-sasl-username', 'u', '--kafka-sasl-password-file', pw]);
    assert.equal(c.kafka!.tls, true);
    assert.equal(c.kafka!.idempotent, false);
    assert.equal(c.kafka!.acks, 1);
    assert.deepEqual(c.kafka!.sasl, { mechanism: 'plain', username: 'u', password: 'from-file' });
  });

  it('a complete OTLP configuration', function () {
    const ca = file('otlp-ca.pem', 'ca');
    const c = run(['--sink', 'otlp', '--otlp-endpoint', 'https://collector:4317', '--otlp-protocol', 'grpc', '--otlp-header', 'X-Tenant=blue',
      '--otlp-tls-ca', ca, '--otlp-timeout-ms', '5000', '--otlp-max-attempts', '5', '--otlp-queue-size', '100', '--otlp-batch-size', '50',
      '--otlp-batch-delay-ms', '200', '--cluster-name', 'prod']);
    assert.deepEqual(c.otlp, {
      endpoint: 'https://collector:4317',
      protocol: 'grpc',
      headers: { 'x-tenant': 'blue' },
      tls: { rejectUnauthorized: true, ca },
      timeoutMs: 5000,
      queueSize: 100,
      maxExportBatchSize: 50,
      scheduledDelayMs: 200,
      maxAttempts: 5,
      resource: { 'k8s.cluster.name': 'prod' },
    });
    assert.equal(run(['--sink', 'otlp']).otlp!.endpoint, 'http://localhost:4318');
    assert.equal(run(['--sink', 'otlp', '--otlp-protocol', 'grpc']).otlp!.endpoint, 'http://localhost:4317');
  });

  it('values of every kind from YAML, typed as YAML types them', function () {
    const c = run(['--config', yaml(`
sinks: [stdout]
minPriority: warning
clusterName: prod
stdout: {queueSize: 50}
dedupe:
  window: 1.5s
  rateLimit: 0
  burst: 5
  maxKeys: 20
  keyFields:
    "Terminal shell in container": [proc.name, container.id]
`)]);
    assert.equal(c.minPriority, 'Warning');
    assert.equal(c.clusterName, 'prod');
    assert.equal(c.stdout.queueSize, 50);
    assert.deepEqual(c.dedupe, { windowMs: 1500, ratePerSec: 0, burst: 5, maxKeys: 20, keyFields: { 'Terminal shell in container': ['proc.name', 'container.id'] } });
  });

  it('priority names follow Falco, aliases included', function () {
    for (const [given, want] of [['info', 'Informational'], ['CRITICAL', 'Critical'], ['warn', 'Warning'], ['emerg', 'Emergency']]) {
      assert.equal(run(['--min-priority', given!]).minPriority, want);
    }
  });

  it('keeps the caller\'s own YAML keys for it', function () {
    const c = run(['--config', yaml('rules: [/etc/kestrel/rules]\nnodeName: n1\nformat: ocsf\n')], {}, ['rules', 'nodeName']);
    assert.deepEqual(c.extra, { rules: ['/etc/kestrel/rules'], nodeName: 'n1' });
  });

  it('parseRunConfig leaves other flags to the caller', function () {
    const c = parseRunConfig(['--rules', 'r.yaml', '--no-k8s', '--sink', 'otlp', 'positional', '--format=ocsf'], {});
    assert.deepEqual(c.sinks, ['otlp']);
    assert.equal(c.format, 'ocsf');
  });

  it('warns about settings for a sink that is off', function () {
    assert.match(run(['--kafka-topic', 't']).warnings[0]!, /kafka sink is off/);
    assert.match(run([], { KESTREL_OTLP_ENDPOINT: 'http://c:4318' }).warnings[0]!, /otlp sink is off/);
  });
});

describe('config: validation errors', function () {
  it('unknown YAML key: names the nearest valid key and the line', function () {
    oneProblem(['--config', yaml('format: falco\nsink: [stdout]\n')], {}, /^sink \(line 2 of .*\): unknown key \(did you mean "sinks"\?\)/);
    oneProblem(['--config', yaml('kafka:\n  topic: t\n  broker: a:1\n')], {}, /^kafka\.broker \(line 3 of .*\): unknown key \(did you mean "brokers"\?\); valid keys here: .*brokers/);
    oneProblem(['--config', yaml('otlp:\n  tls:\n    cacert: x\n')], {}, /otlp\.tls\.cacert .*unknown key.*valid keys here: ca, cert, insecureSkipVerify, key, serverName/);
    oneProblem(['--config', yaml('rules: [x]\n')], {}, /^rules .*unknown key/);
  });

  it('bad YAML, a non-mapping file, a missing file, a duplicate key', function () {
    oneProblem(['--config', yaml('sinks: [stdout\n')], {}, /not valid YAML/);
    oneProblem(['--config', yaml('- stdout\n- kafka\n')], {}, /must be a YAML mapping/);
    oneProblem(['--config', path.join(dir, 'missing.yaml')], {}, /^--config .*missing\.yaml: cannot read the file \(ENOENT\); check the path/);
    oneProblem(['--config', yaml('format: falco\nformat: ocsf\n')], {}, /not valid YAML: Map keys must be unique/);
  });

  it('a group that is not a mapping', function () {
    oneProblem(['--config', yaml('kafka: 5\n')], {}, /^kafka \(line 1 .*\): must be a mapping of .*brokers/);
  });

  it('a password in the YAML file', function () {
    oneProblem(['--config', yaml('kafka:\n  sasl:\n    password: hunter2\n')], {}, /kafka\.sasl\.password .*set KESTREL_KAFKA_SASL_PASSWORD or kafka\.sasl\.passwordFile/);
  });

  it('the kafka sink without brokers', function () {
    oneProblem(['--sink', 'kafka'], {}, /the kafka sink needs brokers: set --kafka-brokers \(env KESTREL_KAFKA_BROKERS, YAML kafka\.brokers\)/);
  });

  it('a broker that is not host:port', function () {
    oneProblem(['--sink', 'kafka', '--kafka-brokers', 'k0:9092,kafka1'], {}, /^--kafka-brokers: "kafka1" is not host:port/);
    oneProblem(['--sink', 'kafka'], { KESTREL_KAFKA_BROKERS: 'k:99999' }, /^env KESTREL_KAFKA_BROKERS: "k:99999" is not host:port/);
  });

  it('bad URLs', function () {
    oneProblem(['--sink', 'otlp', '--otlp-endpoint', 'collector 4318'], {}, /^--otlp-endpoint: "collector 4318" is not a URL; write e\.g\. http:\/\/otel-collector:4318/);
    oneProblem(['--sink', 'otlp'], { KESTREL_OTLP_ENDPOINT: 'ftp://c' }, /^env KESTREL_OTLP_ENDPOINT: "ftp:\/\/c" has scheme ftp; use http:\/\/ or https:\/\//);
    oneProblem(['--sink', 'otlp', '--otlp-protocol', 'grpc', '--otlp-endpoint', 'http://c:4317/v1/logs'], {}, /a gRPC endpoint takes no path .*write http:\/\/c:4317/);
  });

  it('bad numbers, from each source', function () {
    oneProblem(['--kafka-linger-ms', 'abc'], {}, /^--kafka-linger-ms: "abc" is not a whole number/);
    oneProblem([], { KESTREL_OTLP_QUEUE_SIZE: '-1' }, /^env KESTREL_OTLP_QUEUE_SIZE: -1 is out of range; use 1 to/);
    oneProblem(['--config', yaml('otlp:\n  timeoutMs: 1.5\n')], {}, /^otlp\.timeoutMs \(line 2 of .*\): "1\.5" is not a whole number/);
    oneProblem(['--otlp-max-attempts', '1000'], {}, /1000 is out of range; use 1 to 100/);
  });

  it('bad booleans, durations and sizes', function () {
    oneProblem([], { KESTREL_KAFKA_IDEMPOTENT: 'maybe' }, /^env KESTREL_KAFKA_IDEMPOTENT: "maybe" is not true or false/);
    oneProblem(['--dedupe-window', '10'], {}, /^--dedupe-window: "10" is not a duration; write a number with a unit \(ms, s, m, h\), e\.g\. 10s/);
    oneProblem(['--spool-max-bytes', '10XB'], {}, /^--spool-max-bytes: "10XB" is not a size.*256MiB/);
  });

  it('bad names, with a suggestion', function () {
    oneProblem(['--format', 'ocfs'], {}, /^--format: "ocfs" is not one of falco, ocsf \(did you mean "ocsf"\?\)/);
    oneProblem(['--sink', 'kafak'], {}, /^--sink: "kafak" is not one of stdout, kafka, otlp \(did you mean "kafka"\?\)/);
    oneProblem(['--otlp-protocol', 'http'], {}, /is not one of http\/protobuf, grpc/);
    oneProblem(['--min-priority', 'severe'], {}, /^--min-priority: "severe" is not one of Emergency, Alert/);
    oneProblem(['--kafka-acks', '2'], {}, /"2" is not one of -1, 1, 0, all/);
  });

  it('no sink at all', function () {
    oneProblem(['--sink', ','], {}, /^--sink: no sink given; use one or more of stdout, kafka, otlp/);
  });

  it('TLS: certificate without key, key without certificate, unreadable files, TLS to http://', function () {
    const cert = file('c.pem', 'x');
    oneProblem(['--sink', 'kafka', '--kafka-brokers', 'k:1', '--kafka-tls-cert', cert], {}, /^--kafka-tls-cert needs a key: set --kafka-tls-key \(env KESTREL_KAFKA_TLS_KEY, YAML kafka\.tls\.key\)/);
    oneProblem(['--sink', 'otlp', '--otlp-endpoint', 'https://c', '--otlp-tls-key', cert], {}, /^--otlp-tls-key needs a certificate: set --otlp-tls-cert/);
    oneProblem(['--kafka-tls-ca', path.join(dir, 'nope.pem')], {}, /^--kafka-tls-ca: cannot read ".*nope\.pem" \(ENOENT\); check the path/);
    oneProblem(['--sink', 'otlp', '--otlp-endpoint', 'http://c:4318', '--otlp-tls-ca', cert], {}, /TLS settings are given but the endpoint is plain http:\/\/; write https:\/\/c:4318/);
  });

  it('bad headers', function () {
    oneProblem(['--sink', 'otlp', '--otlp-header', 'bad name=x'], {}, /"bad name" is not a valid header name/);
    oneProblem(['--sink', 'otlp', '--otlp-header', 'novalue'], {}, /^--otlp-header: "novalue" is not key=value/);
    oneProblem(['--sink', 'otlp'], { KESTREL_OTLP_HEADERS: 'a=%zz' }, /^env KESTREL_OTLP_HEADERS: the value of "a" has a bad %-escape/);
    oneProblem(['--sink', 'otlp'], { KESTREL_OTLP_HEADERS: 'a=x%0Ay' }, /the value of "a" contains a line break/);
    oneProblem(['--sink', 'otlp', '--otlp-protocol', 'grpc', '--otlp-header', 'token-bin=x'], {}, /binary metadata \("token-bin"\) is not supported/);
  });

  it('SASL: every missing or doubled part', function () {
    const k = ['--sink', 'kafka', '--kafka-brokers', 'k:1'];
    oneProblem([...k, '--kafka-sasl-mechanism', 'plain', '--kafka-sasl-username', 'u'], {}, /SASL needs a password: set env KESTREL_KAFKA_SASL_PASSWORD or --kafka-sasl-password-file/);
    oneProblem([...k, '--kafka-sasl-username', 'u'], { KESTREL_KAFKA_SASL_PASSWORD: 'p' }, /SASL credentials are set but no mechanism: set --kafka-sasl-mechanism/);
    oneProblem([...k, '--kafka-sasl-mechanism', 'plain'], { KESTREL_KAFKA_SASL_PASSWORD: 'p' }, /SASL needs a user name: set --kafka-sasl-username/);
    const pw = file('pw2', 'x');
    oneProblem([...k, '--kafka-sasl-mechanism', 'plain', '--kafka-sasl-username', 'u', '--kafka-sasl-password-file', pw], { KESTREL_KAFKA_SASL_PASSWORD: 'p' }, /the Kafka password is given twice/);
    const empty = file('pw-empty', '\n');
    oneProblem([...k, '--kafka-sasl-mechanism', 'plain', '--kafka-sasl-username', 'u', '--kafka-sasl-password-file', empty], {}, /pw-empty is empty; put the password in it/);
    // The password never appears in a message.
    const p = problems([...k, '--kafka-sasl-username', 'u'], { KESTREL_KAFKA_SASL_PASSWORD: 'hunter2' });
    assert.ok(!p.join('\n').includes('hunter2'));
  });

  it('Kafka cross-checks: idempotence needs acks -1; topics by priority need priorities', function () {
    const k = ['--sink', 'kafka', '--kafka-brokers', 'k:1'];
    oneProblem([...k, '--kafka-acks', '1'], {}, /an idempotent producer needs acks -1; set --kafka-acks .* to -1 or --kafka-idempotent=false/);
    oneProblem([...k, '--kafka-topic-priority', 'Urgent=t'], {}, /^--kafka-topic-priority: "Urgent" is not one of Emergency/);
    oneProblem([...k, '--kafka-topic-priority', 'Critical='], {}, /no topic given for Critical/);
  });

  it('OTLP cross-check: a batch larger than the queue', function () {
    oneProblem(['--sink', 'otlp', '--otlp-queue-size', '10'], {}, /a batch \(512\) cannot be larger than the queue \(10\)/);
  });

  it('dedupe.keyFields of the wrong shape', function () {
    oneProblem(['--config', yaml('dedupe:\n  keyFields: [proc.name]\n')], {}, /must map rule names to lists of output fields/);
    oneProblem(['--config', yaml('dedupe:\n  keyFields:\n    r: proc.name\n')], {}, /the entry for rule "r" must be a list of field names/);
  });

  it('a bare flag without its value (non-strict parsing)', function () {
    assert.throws(() => parseRunConfig(['--kafka-topic'], {}), /--kafka-topic needs a value/);
    assert.throws(() => parseRunConfig(['--config'], {}), /--config needs a value/);
  });

  it('reports every problem at once', function () {
    const p = problems(['--sink', 'kafka', '--format', 'x', '--dedupe-window', 'soon'], { KESTREL_RATE_LIMIT: 'lots' });
    assert.equal(p.length, 4, p.join('\n'));
    assert.throws(() => run(['--format', 'x', '--sink', 'kafka']), (err: Error) => /invalid configuration \(2 problems\):\n {2}- /.test(err.message));
  });
});

describe('config: documentation', function () {
  it('docs/configuration.md lists every flag, variable and YAML key with its default', function () {
    const doc = fs.readFileSync(path.join(ROOT, 'docs/configuration.md'), 'utf8');
    for (const s of SETTINGS) {
      if (s.flag) assert.ok(doc.includes(`\`--${s.flag}\``), `--${s.flag}`);
      if (s.env) assert.ok(doc.includes(`\`${s.env}\``), s.env);
      if (s.yaml) assert.ok(doc.includes(`\`${s.yaml}\``), s.yaml);
      const start = `| ${s.flag ? `\`--${s.flag}\`` : '—'} | ${s.env ? `\`${s.env}\`` : '—'} | ${s.yaml ? `\`${s.yaml}\`` : '—'} |`;
      const row = doc.split('\n').find((l) => l.startsWith(start));
      assert.ok(row?.includes(s.def.replace(/\|/g, '\\|')), `default of ${s.id} in: ${row}`);
    }
  });
});

describe('config: buildSinks', function () {
  this.timeout(20_000);
  it('wires dedupe → fan-out → stdout and OTLP', async function () {
    const r = await OtlpReceiver.http();
    const chunks: string[] = [];
    const stdout = new Writable({ write: (c: Buffer, _e, cb) => (chunks.push(c.toString()), cb()) });
    const cfg = run(['--sink', 'stdout', '--sink', 'otlp', '--otlp-endpoint', r.endpoint, '--format', 'ocsf', '--cluster-name', 'prod', '--otlp-batch-delay-ms', '20']);
    const clock = new ManualClock();
    const path_ = await buildSinks(cfg, createLogger('silent'), { stdout, hostname: 'host-a', nodeName: 'node-a', clock });
    try {
      for (let i = 0; i < 3; i++) path_.dedupe.push(makeAlert({}, { 'proc.pid': i }));
      clock.advance(10_000);
      await path_.sink.flush(Date.now() + 5000);
      const lines = chunks.join('').trimEnd().split('\n').map((l) => JSON.parse(l));
      assert.equal(lines.length, 2);
      assert.equal(lines[0].class_uid, 2004);
      assert.equal(lines[1].count, 3);
      const recs = await r.waitForRecords(2);
      assert.deepEqual(recs.map((x) => x.attributes.count ?? null), [null, 3]);
      assert.equal(recs[0]!.resource['host.name'], 'host-a');
      assert.equal(recs[0]!.resource['k8s.node.name'], 'node-a');
      assert.equal(recs[0]!.resource['k8s.cluster.name'], 'prod');
      assert.deepEqual(Object.keys(path_.sink.statsBySink()), ['stdout', 'otlp']);
    } finally {
      await path_.sink.close(Date.now() + 2000);
      await r.close();
    }
  });
});
