// Real runc containers under both kubelet cgroup layouts: the cgroup id of
// their exec events resolves to their container id and pod uid; a host
// process's resolves to no container. Resolution happens in onEvent, as the
// sensor's pipeline does it.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import type { ExecEvent, SensorEvent } from '../../sensor/decode/types';
import { CgroupInfo, CgroupResolver } from '../../sensor/enrich/cgroups';
import { KernelSource } from '../../sensor/kernel/source';
import { createLogger } from '../../sensor/log';
import { CgroupLayout, LaidOut, removePodCgroups, runDetached, withLayout } from '../cgroup-layouts';
import { containersUnavailable, makeBundle, removeBundle } from '../containers';
import { requireBpf, sleep } from '../support';

interface Seen {
  ev: ExecEvent;
  info: CgroupInfo | null;
}

describe('kernel: cgroup id to container, real runc containers', function () {
  let source: KernelSource | null = null;
  let resolver: CgroupResolver;
  const seen: Seen[] = [];
  const made: LaidOut[] = [];
  let hostMntns: number;

  before(function () {
    requireBpf(this);
    const why = containersUnavailable();
    if (why) {
      if (process.env.CI) throw new Error(`container tests need runc and busybox: ${why}`);
      process.stderr.write(`\n!!! SKIPPING cgroup container tests: ${why}\n\n`);
      this.skip();
    }
    // Each container is new to the resolver: let every miss walk the tree.
    resolver = new CgroupResolver({ minRescanMs: 0 });
    assert.ok(resolver.hostMntns !== null && resolver.hostPidns !== null, 'the host namespaces are known');
    hostMntns = resolver.hostMntns;
    source = KernelSource.start({
      types: ['exec'],
      log: createLogger('silent'),
      onEvent: (ev: SensorEvent) => {
        if (ev.type === 'exec') seen.push({ ev, info: resolver.resolve(ev.cgroupId, ev.pid) });
      },
    });
  });

  after(async function () {
    if (source) await source.stop();
    for (const c of made) {
      removeBundle(c);
      removePodCgroups(c);
    }
  });

  /** Exec events of the container's workload: its mount namespace, not runc's init. */
  async function workloadExecs(c: LaidOut): Promise<Seen[]> {
    const until = Date.now() + 5000;
    for (;;) {
      const at = seen.findIndex((s) => s.ev.args[2] === `cat /etc/hostname # ${c.id}`);
      // Namespace inodes are reused as soon as a namespace is freed (the
      // previous container's mntns comes back): the shell and its children
      // after it, in its mount namespace.
      const sh = seen[at]?.ev;
      const mine = sh
        ? seen.slice(at).filter((s) => s.ev.mntns === sh.mntns && (s.ev.pid === sh.pid || s.ev.ppid === sh.pid) && !s.ev.comm.startsWith('runc'))
        : [];
      // busybox sh runs its applets by exec of /proc/self/exe: know cat by argv[0].
      if (mine.some((s) => s.ev.args[0] === 'cat')) return mine;
      if (Date.now() > until) throw new Error(`no exec events of ${c.id} (${seen.length} seen)`);
      await sleep(20);
    }
  }

  for (const layout of ['cgroupfs', 'systemd'] as CgroupLayout[]) {
    it(`maps a container's exec events to its container and pod (${layout} layout)`, async function () {
      const b = makeBundle(['/bin/sh', '-c', 'cat /etc/hostname']);
      // The shell's command line names the runc container, to find its events.
      const c = withLayout(b, layout, ['/bin/sh', '-c', `cat /etc/hostname # ${b.id}`]);
      made.push(c);
      await runDetached(c);
      const execs = await workloadExecs(c);
      assert.deepEqual(execs.map((s) => s.ev.args[0]).sort(), ['/bin/sh', 'cat']);
      const v2Root = resolver.cgroupRoot;
      assert.ok(v2Root, 'a cgroup v2 mount');
      const dirIno = fs.statSync(v2Root + c.cgroupsPath).ino;
      for (const { ev, info } of execs) {
        assert.notEqual(ev.mntns, hostMntns);
        assert.equal(ev.cgroupId, dirIno, 'the v2 cgroup id is the directory inode');
        assert.ok(info, `${ev.exepath} resolved`);
        assert.equal(info.path, c.cgroupsPath);
        assert.equal(info.source, 'cgroup-id');
        assert.deepEqual(info.container, {
          runtime: layout === 'systemd' ? 'containerd' : 'unknown',
          id: c.ctrId,
          podUid: c.podUid,
          qos: 'besteffort',
        });
        assert.equal(resolver.isHostProcess(ev.mntns, ev.pidns), false);
      }
    });
  }

  it('maps a host process to no container', async function () {
    const r = spawnSync('/bin/true');
    assert.equal(r.status, 0);
    const until = Date.now() + 5000;
    let ev: Seen | undefined;
    while (!(ev = seen.find((s) => s.ev.pid === r.pid && s.ev.exepath === '/bin/true'))) {
      if (Date.now() > until) throw new Error('no exec event of /bin/true');
      await sleep(20);
    }
    assert.ok(ev.info, 'resolved');
    assert.equal(ev.info.container, null);
    assert.equal(resolver.isHostProcess(ev.ev.mntns, ev.ev.pidns), true);
    // The same from /proc, while the process is there to read.
    const self = resolver.resolve(resolver.rootId ?? 1, process.pid);
    assert.ok(self);
    assert.equal(self.container, null);
    const s = resolver.stats();
    assert.ok(s.rescans >= 2 && s.hits + s.misses >= 5, JSON.stringify(s));
    assert.equal(s.errors, 0);
  });
});
