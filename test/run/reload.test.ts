// Hot reload of `sensor run`: a valid change is applied, an invalid one is
// refused with the old ruleset still firing, SIGHUP reloads, and no event is
// lost or judged twice while rulesets are swapped under load.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { requireBpf, sh, sleep } from '../support';
import { startSensor, type RunningSensor } from '../sensor-run';

function ruleFile(name: string, dir: string): string {
  return `- rule: ${name}
  desc: a test rule that fires on writes below the test directory
  events: [open]
  condition:
    all:
      - { fact: fd.name, operator: pathPrefix, value: ${JSON.stringify(dir)} }
      - { fact: evt.is_open_write, operator: equal, value: true }
  output: test write (file=%fd.name) | fd.name=%fd.name
  priority: NOTICE
  tags: [T1565.001, test]
`;
}

describe('sensor run: hot reload of rules', function () {
  this.timeout(120000);
  let tmp: string;
  let rules: string;
  let watched: string;
  let sensor: RunningSensor | null = null;

  before(function () {
    requireBpf(this);
  });

  beforeEach(function () {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sensor-reload-'));
    rules = path.join(tmp, 'rules');
    watched = path.join(tmp, 'w');
    fs.mkdirSync(rules);
    fs.mkdirSync(watched);
    fs.writeFileSync(path.join(rules, 'test.yaml'), ruleFile('Reload A', watched));
  });

  afterEach(async function () {
    if (sensor) await sensor.stop('SIGKILL', 0);
    sensor = null;
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const alertFor = (file: string) => () => sensor!.alerts().filter((a) => a.output_fields['fd.name'] === file);
  const logged = (msg: string, after = 0) => () => sensor!.logs().slice(after).find((l) => l.msg === msg);

  async function replaceRules(text: string): Promise<void> {
    // Like an editor or a ConfigMap: write aside, rename into place.
    const tmpFile = path.join(rules, '.test.yaml.new');
    fs.writeFileSync(tmpFile, text);
    fs.renameSync(tmpFile, path.join(rules, 'test.yaml'));
  }

  it('applies a valid change and keeps the old ruleset when the new one is broken', async function () {
    sensor = await startSensor(['--no-default-rules', '--rules', rules, '--no-k8s']);
    await sh(`: > ${watched}/f1`);
    const a1 = await sensor.waitFor(() => alertFor(`${watched}/f1`)().find(Boolean), 10000, 'alert for f1');
    assert.equal(a1.rule, 'Reload A');

    let mark = sensor.logs().length;
    await replaceRules(ruleFile('Reload B', watched));
    await sensor.waitFor(logged('rules reloaded', mark), 10000, 'the reload');
    await sh(`: > ${watched}/f2`);
    const a2 = await sensor.waitFor(() => alertFor(`${watched}/f2`)().find(Boolean), 10000, 'alert for f2');
    assert.equal(a2.rule, 'Reload B');

    mark = sensor.logs().length;
    await replaceRules(ruleFile('Reload C', watched).replace('operator: pathPrefix', 'operator: pathPrefx'));
    const refused = await sensor.waitFor(logged('rules not reloaded; the previous ruleset stays in force', mark), 10000, 'the refusal');
    assert.equal(refused.errors, 1);
    const err = sensor.logs().slice(mark).find((l) => l.msg === 'rule error');
    assert.ok(err, 'the error is logged');
    assert.match(String(err.problem), /unknown operator "pathPrefx"; did you mean "pathPrefix"\?/);
    assert.equal(err.line, 6);
    await sh(`: > ${watched}/f3`);
    const a3 = await sensor.waitFor(() => alertFor(`${watched}/f3`)().find(Boolean), 10000, 'alert for f3');
    assert.equal(a3.rule, 'Reload B', 'the previous ruleset still fires');

    const { code, logs } = await sensor.stop();
    sensor = null;
    assert.equal(code, 0);
    const stopped = logs.find((l) => String(l.msg).startsWith('stopped'));
    assert.ok(stopped);
    assert.equal((stopped.rules as { failures: number }).failures, 1);
    assert.equal((stopped.rules as { loads: number }).loads, 1);
  });

  it('reloads on SIGHUP when watching is off', async function () {
    sensor = await startSensor(['--no-default-rules', '--rules', rules, '--no-k8s', '--no-reload']);
    await replaceRules(ruleFile('Reload H', watched));
    await sleep(600);
    await sh(`: > ${watched}/g1`);
    const before = await sensor.waitFor(() => alertFor(`${watched}/g1`)().find(Boolean), 10000, 'alert for g1');
    assert.equal(before.rule, 'Reload A', 'no reload without SIGHUP');
    const mark = sensor.logs().length;
    sensor.child.kill('SIGHUP');
    await sensor.waitFor(logged('rules reloaded', mark), 10000, 'the reload');
    await sh(`: > ${watched}/g2`);
    const after = await sensor.waitFor(() => alertFor(`${watched}/g2`)().find(Boolean), 10000, 'alert for g2');
    assert.equal(after.rule, 'Reload H');
  });

  it('loses no event and judges none twice while rulesets swap under load', async function () {
    sensor = await startSensor(['--no-default-rules', '--rules', rules, '--no-k8s']);
    const n = 200;
    const writer = sh(`i=0; while [ $i -lt ${n} ]; do i=$((i+1)); : > ${watched}/s$i; sleep 0.02; done`);
    let swaps = 0;
    while (swaps < 12) {
      await sleep(300);
      await replaceRules(ruleFile(swaps % 2 ? 'Reload A' : 'Reload B', watched));
      swaps++;
    }
    await writer;
    const files = Array.from({ length: n }, (_, i) => `${watched}/s${i + 1}`);
    await sensor.waitFor(() => files.every((f) => alertFor(f)().length > 0), 20000, 'an alert for every write');
    await sleep(500);
    const per = files.map((f) => alertFor(f)().length);
    assert.deepEqual(per.filter((c) => c !== 1), [], 'exactly one alert per write');
    const reloads = sensor.logs().filter((l) => l.msg === 'rules reloaded').length;
    assert.ok(reloads >= 6, `rulesets were swapped during the writes (${reloads} reloads)`);
    const rulesSeen = new Set(sensor.alerts().map((a) => a.rule));
    assert.deepEqual([...rulesSeen].sort(), ['Reload A', 'Reload B']);
  });
});
