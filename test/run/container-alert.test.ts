// `sensor run` with the default rules on this host: a runc container (with
// its pod served by the test's API server) that writes /etc/resolv.conf
// raises an alert naming the container and pod; one that only reads it
// raises nothing.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { withLayout, runDetached, removePodCgroups, type LaidOut } from '../cgroup-layouts';
import { containersUnavailable, makeBundle, removeBundle } from '../containers';
import { FakeApiServer, type Pod } from '../k8s/fake-apiserver';
import { podForContainer } from '../k8s/pod-for';
import { requireBpf, sleep } from '../support';
import { startSensor, type AlertLine, type RunningSensor } from '../sensor-run';

const NODE = 'kt-run-node';

function podFor(c: LaidOut, name: string): Pod {
  return podForContainer(c, { name, namespace: 'payments', node: NODE, image: `registry.example/${name}:2.1` });
}

describe('sensor run: a write to /etc/resolv.conf in a container', function () {
  this.timeout(120000);
  let api: FakeApiServer;
  let sensor: RunningSensor;
  const made: LaidOut[] = [];
  let writer: LaidOut;
  let reader: LaidOut;
  let alerts: AlertLine[];

  before(async function () {
    requireBpf(this);
    const why = containersUnavailable();
    if (why) {
      if (process.env.CI) throw new Error(why);
      process.stderr.write(`\n!!! SKIPPING sensor run container tests: ${why}\n\n`);
      this.skip();
    }
    api = new FakeApiServer();
    await api.start();
    const kubeconfig = api.writeKubeconfig();
    const mk = (script: string): LaidOut => {
      const c = withLayout(makeBundle(['/bin/sh', '-c', script]), 'cgroupfs');
      fs.writeFileSync(path.join(c.rootfs, 'etc/resolv.conf'), 'nameserver 10.0.0.10\n');
      made.push(c);
      return c;
    };
    // The write goes through a relative path from /etc: the kernel's path
    // is what the rule sees.
    writer = mk(`cd /etc && echo 'nameserver 6.6.6.6' > ./resolv.conf # w ${process.pid}`);
    reader = mk(`cat /etc/resolv.conf > /dev/null; cat /etc/hosts > /dev/null 2>&1; true # r ${process.pid}`);
    api.addPod(podFor(writer, 'checkout'));
    api.addPod(podFor(reader, 'catalog'));
    sensor = await startSensor(['--kubeconfig', kubeconfig, '--node-name', NODE]);
    await sleep(500); // the first pod list
    await runDetached(reader);
    await runDetached(writer);
    await sensor.waitFor(
      () => sensor.alerts().some((a) => a.rule === 'DNS configuration modified' && a.output_fields['container.id'] === writer.ctrId.slice(0, 12)),
      15000,
      'the DNS tampering alert',
    );
    const r = await sensor.stop('SIGTERM', 1000);
    assert.equal(r.code, 0);
    alerts = r.alerts;
  });

  after(async function () {
    for (const c of made) {
      removeBundle(c);
      removePodCgroups(c);
    }
    await api?.stop();
  });

  it('raises one alert that names the container, its pod and the process', function () {
    const mine = alerts.filter((a) => a.rule === 'DNS configuration modified' && a.output_fields['container.id'] === writer.ctrId.slice(0, 12));
    assert.equal(mine.length, 1, JSON.stringify(mine));
    const a = mine[0];
    assert.equal(a.priority, 'Warning');
    assert.ok(a.tags.includes('T1565.001'));
    assert.ok(a.tags.includes('dns_tampering'));
    const f = a.output_fields;
    assert.equal(f['fd.name'], '/etc/resolv.conf');
    assert.equal(f['fd.nameraw'], './resolv.conf');
    assert.equal(f['container.name'], 'app');
    assert.equal(f['container.image'], 'registry.example/checkout:2.1');
    assert.equal(f['k8s.ns.name'], 'payments');
    assert.equal(f['k8s.pod.name'], 'checkout');
    assert.equal(f['k8s.node.name'], NODE);
    assert.equal(f['proc.name'], 'sh');
    assert.match(a.output, /DNS configuration modified \(openat \/etc\/resolv\.conf by sh in app\)/);
    assert.equal(typeof a.uuid, 'string');
    assert.equal(a.source, 'syscall');
  });

  it('raises nothing for the container that only reads it', function () {
    const theirs = alerts.filter((a) => a.output_fields['container.id'] === reader.ctrId.slice(0, 12));
    assert.deepEqual(theirs.map((a) => a.rule), [], JSON.stringify(theirs, null, 1));
  });
});
