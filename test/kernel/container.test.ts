// Inside a real runc container (own mount, pid and network namespaces,
// pivot_root): paths are the container's view, pids are told both ways.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import { Container, containersUnavailable, makeBundle, removeBundle, runContainer } from '../containers';
import { Fields, requireBpf, startTrace, TraceResult } from '../support';

const SCRIPT = `cd /etc && cat ./hostname && cat /etc/../etc/hostname && echo x > /tmp/w # ${process.pid}`;

describe('kernel: events from a runc container', function () {
  let trace: TraceResult;
  let ctr: Container;
  let hostMntns: number;

  before(async function () {
    requireBpf(this);
    const why = containersUnavailable();
    if (why) {
      if (process.env.CI) throw new Error(`container tests need runc and busybox: ${why}`);
      process.stderr.write(`\n!!! SKIPPING container tests: ${why}\n\n`);
      this.skip();
    }
    hostMntns = fs.statSync('/proc/self/ns/mnt').ino;
    ctr = makeBundle(['/bin/sh', '-c', SCRIPT]);
    const t = await startTrace(['exec', 'open', '-o', 'json']);
    const r = await runContainer(ctr);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `${ctr.id}\n${ctr.id}\n`);
    trace = await t.stop();
  });

  after(function () {
    if (ctr) removeBundle(ctr);
  });

  /** The workload's events: those in the mount namespace of this container's
   *  shell (other containers may run meanwhile), less runc's own init, which
   *  runs there before pivot_root and rightly sees host paths. */
  function inContainer(): Fields[] {
    const sh = trace.events.find((e) => e['evt.type'] === 'execve' && (e['proc.args'] as string[])?.[2] === SCRIPT);
    assert.ok(sh, 'the container shell was traced');
    assert.notEqual(sh['proc.mntns'], hostMntns);
    return trace.events.filter((e) => e['proc.mntns'] === sh['proc.mntns'] && !String(e['proc.name']).startsWith('runc'));
  }

  it('reports the container shell with vpid 1 in its own namespaces', function () {
    const sh = inContainer().find((e) => e['evt.type'] === 'execve' && e['proc.exepath'] === '/bin/sh');
    assert.ok(sh, 'exec of /bin/sh in the container');
    assert.equal(sh['proc.vpid'], 1);
    assert.notEqual(sh['proc.pid'], 1);
    assert.notEqual(sh['proc.pidns'], fs.statSync('/proc/self/ns/pid').ino);
    assert.deepEqual(sh['proc.args'], ['/bin/sh', '-c', SCRIPT]);
    assert.equal(sh['proc.exepath_resolved'], '/bin/busybox');
  });

  it('resolves paths in the container view, not the host rootfs', function () {
    const opens = inContainer().filter((e) => e['evt.type'] !== 'execve');
    const names = opens.map((e) => [e['fd.nameraw'], e['fd.name']]);
    assert.deepEqual(names.find((n) => n[0] === './hostname'), ['./hostname', '/etc/hostname']);
    assert.deepEqual(names.find((n) => n[0] === '/etc/../etc/hostname'), ['/etc/../etc/hostname', '/etc/hostname']);
    const w = opens.find((e) => e['fd.nameraw'] === '/tmp/w');
    assert.ok(w, 'write of /tmp/w seen');
    assert.equal(w['fd.name'], '/tmp/w');
    assert.equal(w['evt.is_open_write'], true);
    for (const e of opens) assert.ok(!String(e['fd.name']).includes(ctr.rootfs), `${e['fd.name']} leaks the host path`);
  });

  it('gives container events a cgroup of their own', function () {
    const ids = new Set(inContainer().map((e) => e['proc.cgroup_id']));
    const show = inContainer().map((e) => `${e['proc.name']}:${e['evt.type']}:${e['proc.cgroup_id']}`);
    assert.equal(ids.size, 1, `one cgroup: ${show.join(' ')}`);
    assert.notEqual([...ids][0], 1, 'not the root cgroup');
  });
});
