// `sensor run --sink kafka` against librdkafka's 3-broker mock cluster: a
// real alert (a runc container writing /etc/resolv.conf, its pod served by
// the test's API server) is read back from the topic with its key (the
// pod), its headers, and a value that is the Falco JSON envelope.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { withLayout, runDetached, removePodCgroups, type LaidOut } from '../cgroup-layouts';
import { containersUnavailable, makeBundle, removeBundle } from '../containers';
import { FakeApiServer, type Pod } from '../k8s/fake-apiserver';
import { consumeTopic, requireMock, startMockCluster, type MockCluster } from '../kafka/mock-cluster';
import { requireBpf, sleep } from '../support';
import { startSensor, type RunningSensor } from '../sensor-run';

const NODE = 'kt-kafka-node';
const TOPIC = 'kestrel-alerts';

describe('sensor run: an alert to Kafka', function () {
  this.timeout(120000);
  let api: FakeApiServer;
  let mc: MockCluster;
  let sensor: RunningSensor | null = null;
  let ctr: LaidOut;

  before(async function () {
    requireBpf(this);
    requireMock(this);
    const why = containersUnavailable();
    if (why) {
      if (process.env.CI) throw new Error(why);
      this.skip();
    }
    mc = await startMockCluster(3);
    await mc.createTopic(TOPIC, 3, 3);
    api = new FakeApiServer();
    await api.start();
  });

  after(async function () {
    if (sensor) await sensor.stop('SIGKILL', 0);
    if (ctr) {
      removeBundle(ctr);
      removePodCgroups(ctr);
    }
    await api?.stop();
    await mc?.stop();
  });

  it('reads back the resolv.conf alert with key namespace/pod, headers and valid JSON', async function () {
    ctr = withLayout(makeBundle(['/bin/sh', '-c', `echo 'nameserver 6.6.6.6' > /etc/resolv.conf # k ${process.pid}`]), 'cgroupfs');
    fs.writeFileSync(path.join(ctr.rootfs, 'etc/resolv.conf'), 'nameserver 10.0.0.10\n');
    api.addPod({
      metadata: { name: 'ledger-7d9f', namespace: 'finance', uid: ctr.podUid },
      spec: { nodeName: NODE, containers: [{ name: 'ledger', image: 'registry.example/ledger:3' }] },
      status: { phase: 'Running', containerStatuses: [{ name: 'ledger', image: 'registry.example/ledger:3', imageID: '', containerID: `containerd://${ctr.ctrId}`, ready: true, restartCount: 0 }] },
    } as Pod);
    sensor = await startSensor([
      '--kubeconfig', api.writeKubeconfig(), '--node-name', NODE,
      '--sink', 'kafka', '--kafka-brokers', mc.bootstrap, '--kafka-topic', TOPIC,
      // The mock cluster does not support kafkajs's idempotent producer (environment.md).
      '--kafka-idempotent=false', '--spool-dir', path.join(ctr.bundle, 'spool'),
    ]);
    await sleep(500);
    await runDetached(ctr);
    const msgs = await consumeTopic(mc.brokers, TOPIC, (m) => m.some((x) => x.key === 'finance/ledger-7d9f'), { timeoutMs: 30000 });
    const stopped = await sensor.stop('SIGTERM', 0);
    sensor = null;
    assert.equal(stopped.code, 0);
    const mine = msgs.filter((m) => m.key === 'finance/ledger-7d9f');
    const summary0 = stopped.logs.find((l) => String(l.msg).startsWith('stopped'));
    assert.equal(mine.length, 1, JSON.stringify({ got: msgs.map((m) => [m.key, m.headers]), summary: summary0, logs: stopped.logs.filter((l) => (l.level as number) >= 40) }));
    const m = mine[0];
    assert.deepEqual(
      { rule: m.headers.rule, priority: m.headers.priority, node: m.headers.node },
      { rule: 'DNS configuration modified', priority: 'Warning', node: NODE },
    );
    const a = JSON.parse(m.value) as Record<string, unknown> & { output_fields: Record<string, unknown> };
    assert.equal(a.rule, 'DNS configuration modified');
    assert.equal(a.source, 'syscall');
    assert.ok((a.tags as string[]).includes('T1565.001'));
    assert.equal(a.output_fields['fd.name'], '/etc/resolv.conf');
    assert.equal(a.output_fields['container.id'], ctr.ctrId.slice(0, 12));
    assert.equal(a.output_fields['k8s.pod.name'], 'ledger-7d9f');
    assert.equal(a.output_fields['k8s.ns.name'], 'finance');
    const summary = stopped.logs.find((l) => String(l.msg).startsWith('stopped'));
    assert.ok(summary, 'the stopped summary');
  });
});
