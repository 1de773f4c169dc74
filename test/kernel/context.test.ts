// Who did it, end to end: `sensor trace` against real runc containers under
// both kubelet cgroup layouts, with their pods served by a faithful
// list/watch API server. Events carry the container, the pod and the process
// tree; a deleted pod still answers during its grace; with the API server
// unreachable, events still flow with what the cgroup tells.
import { strict as assert } from 'node:assert';
import { withLayout, runDetached, removePodCgroups, LaidOut, CgroupLayout } from '../cgroup-layouts';
import { containersUnavailable, makeBundle, removeBundle } from '../containers';
import { FakeApiServer, Pod } from '../k8s/fake-apiserver';
import { Fields, lossNote, requireBpf, run, sleep, startTrace, TraceResult } from '../support';

const NODE = 'kt-node-1';

function podFor(c: LaidOut, name: string): Pod {
  return {
    metadata: { name, namespace: 'shop', uid: c.podUid, labels: { app: name, layout: c.layout } },
    spec: { nodeName: NODE, serviceAccountName: `${name}-sa`, containers: [{ name: 'main', image: `registry.example/${name}:1.0` }] },
    status: {
      phase: 'Running',
      containerStatuses: [
        {
          name: 'main',
          image: `registry.example/${name}:1.0`,
          imageID: '',
          containerID: `containerd://${c.ctrId}`,
          ready: true,
          restartCount: 0,
        },
      ],
    },
  } as Pod;
}

function container(layout: CgroupLayout, script: string): LaidOut {
  const c = makeBundle(['/bin/sh', '-c', script]);
  return withLayout(c, layout);
}

/** The events of the container whose shell ran `script`: the shell and its children. */
function eventsOf(events: Fields[], script: string): Fields[] {
  const sh = events.find((e) => e['evt.type'] === 'execve' && (e['proc.args'] as string[])?.[2] === script);
  assert.ok(sh, `the container shell running ${JSON.stringify(script)} was traced`);
  const pid = sh['proc.pid'];
  return events.filter((e) => e['proc.pid'] === pid || e['proc.ppid'] === pid);
}

describe('kernel: process, container and pod on every event', function () {
  this.timeout(120000);
  let api: FakeApiServer;
  let kubeconfig: string;
  const made: LaidOut[] = [];

  before(async function () {
    requireBpf(this);
    const why = containersUnavailable();
    if (why) {
      if (process.env.CI) throw new Error(why);
      process.stderr.write(`\n!!! SKIPPING context tests: ${why}\n\n`);
      this.skip();
    }
    api = new FakeApiServer();
    await api.start();
    kubeconfig = api.writeKubeconfig();
  });

  after(async function () {
    for (const c of made) {
      removeBundle(c);
      removePodCgroups(c);
    }
    await api?.stop();
  });

  describe('with the API server answering', function () {
    let trace: TraceResult;
    const scripts = {
      cgroupfs: `cat /etc/hostname # fs ${process.pid}`,
      systemd: `cat /etc/hostname # sd ${process.pid}`,
      late: `sleep 10; cat /etc/hostname; true # late ${process.pid}`,
    };
    let host: { pid: number };

    before(async function () {
      const a = container('cgroupfs', scripts.cgroupfs);
      const b = container('systemd', scripts.systemd);
      const late = container('cgroupfs', scripts.late);
      made.push(a, b, late);
      api.addPod(podFor(a, 'web'));
      api.addPod(podFor(b, 'api'));
      api.addPod(podFor(late, 'batch'));
      const t = await startTrace(['exec', 'open', '-o', 'json', '--kubeconfig', kubeconfig, '--node-name', NODE]);
      await sleep(500); // the first list
      await runDetached(a);
      await runDetached(b);
      host = await run('/bin/true', []);
      // The pod goes away while its process still runs; its event comes 10 s later.
      const lateRun = runDetached(late, 30000);
      await sleep(1000);
      api.deletePod('shop', 'batch');
      await lateRun;
      trace = await t.stop(500);
    });

    for (const layout of ['cgroupfs', 'systemd'] as const) {
      it(`${layout} layout: container ID, pod UID, namespace, pod, container name, image and labels`, function () {
        const c = made[layout === 'cgroupfs' ? 0 : 1];
        const name = layout === 'cgroupfs' ? 'web' : 'api';
        const ev = eventsOf(trace.events, scripts[layout]);
        const cat = ev.find((e) => e['evt.type'] === 'openat' && e['fd.name'] === '/etc/hostname');
        assert.ok(cat, `the container's open of /etc/hostname${lossNote(trace)}`);
        for (const e of ev) {
          assert.equal(e['container.full_id'], c.ctrId);
          assert.equal(e['container.id'], c.ctrId.slice(0, 12));
          assert.equal(e['k8s.pod.uid'], c.podUid);
          assert.equal(e['k8s.ns.name'], 'shop');
          assert.equal(e['k8s.pod.name'], name);
          assert.equal(e['container.name'], 'main');
          assert.equal(e['container.image'], `registry.example/${name}:1.0`);
          assert.deepEqual(e['k8s.pod.labels'], { app: name, layout });
          assert.equal(e['k8s.pod.sa'], `${name}-sa`);
          assert.equal(e['k8s.node.name'], NODE);
          assert.equal(e['proc.is_container'], true);
        }
        // `sh -c` with one command execs it in place: the parent is runc's init.
        assert.match(String(cat['proc.pname']), /^runc/);
      });
    }

    it('host processes carry no container and no pod', function () {
      const ev = trace.events.filter((e) => e['proc.pid'] === host.pid);
      assert.ok(ev.length > 0);
      for (const e of ev) {
        assert.equal(e['container.id'], 'host');
        assert.equal(e['container.full_id'], null);
        assert.equal(e['k8s.pod.name'], null);
        assert.equal(e['proc.is_container'], false);
      }
      // And its ancestors reach this test process, seeded from /proc.
      const exec = ev.find((e) => e['evt.type'] === 'execve')!;
      assert.equal(exec['proc.apid[1]'], process.pid);
    });

    it('a pod deleted while its process runs still enriches an event 10 s later', function () {
      const ev = eventsOf(trace.events, scripts.late);
      const cat = ev.find((e) => e['evt.type'] === 'openat' && e['fd.name'] === '/etc/hostname');
      assert.ok(cat, `the late open${lossNote(trace)}`);
      assert.equal(cat['k8s.pod.name'], 'batch');
      assert.equal(cat['container.name'], 'main');
      // Here the shell forks cat: the parent chain starts at the shell.
      const sh = ev.find((e) => e['evt.type'] === 'execve' && e['proc.name'] === 'sh')!;
      assert.equal(cat['proc.pname'], 'sh');
      assert.equal(cat['proc.apid[1]'], sh['proc.pid']);
      assert.match(String(cat['proc.aname[2]']), /^runc/);
      const exec = ev.find((e) => e['evt.type'] === 'execve')!;
      const nsLater = ((cat['evt.ktime'] as number) - (exec['evt.ktime'] as number)) / 1e9;
      assert.ok(nsLater >= 9.5, `the open came ${nsLater.toFixed(1)} s after the pod's start`);
      assert.equal(api.getPod('shop', 'batch'), undefined, 'the pod was deleted');
    });
  });

  describe('with the API server unreachable', function () {
    let trace: TraceResult;
    let c: LaidOut;
    const script = `cat /etc/hostname # down ${process.pid}`;

    before(async function () {
      c = container('systemd', script);
      made.push(c);
      api.addPod(podFor(c, 'orphan'));
      await api.setUnreachable('refuse');
      const t = await startTrace(['exec', 'open', '-o', 'json', '--kubeconfig', kubeconfig, '--node-name', NODE]);
      await runDetached(c);
      trace = await t.stop(500);
      await api.setUnreachable(false);
    });

    it('events still flow with the container ID and pod UID, and the misses are counted', function () {
      const ev = eventsOf(trace.events, script);
      assert.ok(ev.length > 0);
      for (const e of ev) {
        assert.equal(e['container.full_id'], c.ctrId);
        assert.equal(e['k8s.pod.uid'], c.podUid);
        assert.equal(e['k8s.pod.name'], null);
      }
      const summary = trace.stderr
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l))
        .find((l) => /^stopped/.test(l.msg));
      assert.ok(summary, trace.stderr);
      assert.ok(summary.enrich.podMisses >= ev.length, `pod misses counted: ${JSON.stringify(summary.enrich)}`);
      assert.ok(summary.pods.watchErrors + summary.pods.relists >= 1, `API errors counted: ${JSON.stringify(summary.pods)}`);
    });
  });
});
