// SIGTERM, as the kubelet sends it at a rollout: the sensor stops reading,
// and what the kernel and the rules produced just before is still delivered
// to every sink, then it exits 0. With the brokers gone it still exits
// within --shutdown-timeout-ms, and counts what it could not deliver.
import { spawnSync } from 'node:child_process';
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { consumeTopic, requireMock, startMockCluster, type MockCluster } from '../kafka/mock-cluster';
import { requireBpf } from '../support';
import { startSensor, type Json, type RunningSensor } from '../sensor-run';

const RULE = 'Shutdown test marker';

function ruleFile(dir: string, marks: string): string {
  const f = path.join(dir, 'rules.yaml');
  fs.writeFileSync(
    f,
    `- rule: ${RULE}
  desc: A file created in the SIGTERM test's marker directory.
  events: [open]
  condition:
    all:
      - { fact: evt.is_open_write, operator: equal, value: true }
      - { fact: fd.name, operator: pathPrefix, value: ${JSON.stringify(marks)} }
  output: marker %fd.name | file=%fd.name
  priority: Notice
  tags: [test]
`,
  );
  return f;
}

/** Creates n files in dir from one short-lived process; returns once it exited. */
function createMarkers(dir: string, n: number): void {
  const r = spawnSync(process.execPath, ['-e', `const fs=require('fs');for(let i=0;i<${n};i++)fs.closeSync(fs.openSync(${JSON.stringify(dir)}+'/m'+i,'w'))`]);
  assert.equal(r.status, 0, String(r.stderr));
}

describe('sensor run: SIGTERM', function () {
  this.timeout(120_000);
  let mc: MockCluster;
  let dir: string;
  let marks: string;
  /** Every sensor started, so that a failed test leaves none running. */
  const started: RunningSensor[] = [];

  before(async function () {
    requireBpf(this);
    requireMock(this);
    mc = await startMockCluster(3);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-sigterm-'));
    marks = path.join(dir, 'marks');
    fs.mkdirSync(marks);
  });

  after(async function () {
    for (const s of started) if (s.child.exitCode === null) s.child.kill('SIGKILL');
    await mc?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('delivers the alerts raised just before it to stdout and Kafka, then exits 0', async function () {
    await mc.createTopic('sigterm-alerts', 3, 3);
    const s = await startSensor([
      '--no-default-rules', '--rules', ruleFile(dir, marks), '--no-k8s', '--node-name', 'kt-sigterm', '--metrics-addr', 'off',
      '--sink', 'stdout', '--sink', 'kafka', '--kafka-brokers', mc.bootstrap, '--kafka-topic', 'sigterm-alerts',
      '--kafka-idempotent=false', '--dedupe-window', '0', '--rate-limit', '0', '--kafka-linger-ms', '200',
    ]);
    started.push(s);
    const n = 300;
    createMarkers(marks, n);
    // At once: the events are still in the rings or the sinks' queues.
    const t0 = Date.now();
    const r = await s.stop('SIGTERM', 0);
    const took = Date.now() - t0;
    assert.equal(r.code, 0);
    const printed = r.alerts.filter((a) => a.rule === RULE);
    assert.equal(printed.length, n, `stdout has ${printed.length} of ${n}`);
    assert.equal(new Set(printed.map((a) => a.output_fields['fd.name'])).size, n);
    const stopped = r.logs.find((l) => String(l.msg).startsWith('stopped')) as Json & { drops: number; sink: { dropped: Record<string, number> } };
    assert.ok(stopped, 'a stopped summary');
    assert.equal(stopped.drops, 0);
    assert.deepEqual(stopped.sink.dropped, {});
    assert.ok(took < 10_000, `took ${took} ms`);
    const msgs = await consumeTopic(mc.brokers, 'sigterm-alerts', (m) => m.length >= n, { timeoutMs: 30_000, lingerMs: 500 });
    const inKafka = msgs.map((m) => JSON.parse(m.value) as { rule: string; output_fields: Record<string, string> }).filter((a) => a.rule === RULE);
    assert.equal(inKafka.length, n, `Kafka has ${inKafka.length} of ${n}`);
    assert.equal(new Set(inKafka.map((a) => a.output_fields['fd.name'])).size, n);
  });

  it('with the brokers down, exits 0 within the shutdown timeout and counts the alerts it could not deliver', async function () {
    await mc.createTopic('sigterm-down', 3, 3);
    const s = await startSensor([
      '--no-default-rules', '--rules', ruleFile(dir, marks), '--no-k8s', '--node-name', 'kt-sigterm', '--metrics-addr', 'off',
      '--sink', 'stdout', '--sink', 'kafka', '--kafka-brokers', mc.bootstrap, '--kafka-topic', 'sigterm-down',
      '--kafka-idempotent=false', '--dedupe-window', '0', '--rate-limit', '0', '--shutdown-timeout-ms', '2000',
      '--kafka-connection-timeout-ms', '500', '--kafka-request-timeout-ms', '1000',
    ]);
    started.push(s);
    await mc.down('all');
    try {
      for (const f of fs.readdirSync(marks)) fs.rmSync(path.join(marks, f));
      createMarkers(marks, 50);
      await s.waitFor(() => s.alerts().filter((a) => a.rule === RULE).length >= 50, 10_000, 'the alerts on stdout');
      const t0 = Date.now();
      const r = await s.stop('SIGTERM', 0);
      const took = Date.now() - t0;
      assert.equal(r.code, 0);
      assert.ok(took < 2000 + 3000, `exited ${took} ms after SIGTERM with a 2,000 ms shutdown timeout; t0 ${t0}; logs: ${JSON.stringify(r.logs.filter((l) => (l.time as number) >= t0 - 100).map((l) => [l.time, l.msg]))}`);
      const stopped = r.logs.find((l) => String(l.msg).startsWith('stopped')) as Json & { sinks: Record<string, { delivered: number; dropped: Record<string, number> }> };
      const k = stopped.sinks.kafka;
      const lost = Object.values(k.dropped).reduce((a, b) => a + b, 0);
      assert.equal(k.delivered + lost, 50, `kafka: ${JSON.stringify(k)}`);
      assert.ok(lost > 0);
      assert.match(String(stopped.msg), /lost/);
    } finally {
      await mc.up('all');
    }
  });
});
