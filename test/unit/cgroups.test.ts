// The cgroup id resolver on a fake tree: plain directories stand in for
// cgroups, and their real inode numbers for the kernel's cgroup ids. A fake
// /proc beside it gives mountinfo, pid 1's namespaces and /proc/<pid>/cgroup.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CgroupResolver, CgroupResolverOptions, findCgroupMounts } from '../../sensor/enrich/cgroups';

const ID = 'a3f1c2e4b5d6978812345678abcdef0123456789abcdef0123456789abcdef01';
const ID2 = 'ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100';
const UID = '1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b';
const UID_ = UID.replace(/-/g, '_');
const CFS = `/kubepods/besteffort/pod${UID}/${ID}`;
const SYSD = `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice/cri-containerd-${ID2}.scope`;

interface Fake {
  dir: string;
  cg: string;
  proc: string;
  ino(rel: string): number;
  mkdir(rel: string): number;
  setProcCgroup(pid: number, text: string): void;
  resolver(opts?: CgroupResolverOptions): CgroupResolver;
  clock: { t: number };
}

/** mountinfo lines as the kernel writes them; `v1` adds a v1 hierarchy (hybrid). */
function mountinfo(cg: string, opts: { v2?: boolean; v1?: boolean }): string {
  const lines = ['22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw'];
  if (opts.v1) lines.push(`35 31 0:32 / ${cg}-v1/memory rw,relatime - cgroup cgroup rw,memory`);
  if (opts.v2) lines.push(`41 31 0:38 / ${cg.replace(/ /g, '\\040')} rw,relatime shared:9 - cgroup2 cgroup2 rw`);
  return lines.join('\n') + '\n';
}

function fakeHost(opts: { v2?: boolean; v1?: boolean } = { v2: true }): Fake {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sensor-cg-'));
  const cg = path.join(dir, 'cgroup root'); // a space: mountinfo escapes it
  const proc = path.join(dir, 'proc');
  fs.mkdirSync(cg);
  for (const d of ['self', '1/ns']) fs.mkdirSync(path.join(proc, d), { recursive: true });
  fs.writeFileSync(path.join(proc, 'self/mountinfo'), mountinfo(cg, opts));
  fs.writeFileSync(path.join(proc, '1/ns/mnt'), '');
  fs.writeFileSync(path.join(proc, '1/ns/pid'), '');
  const clock = { t: 1_000_000 };
  const fake: Fake = {
    dir, cg, proc, clock,
    ino: (rel) => fs.statSync(cg + rel).ino,
    mkdir(rel) {
      fs.mkdirSync(cg + rel, { recursive: true });
      return fake.ino(rel);
    },
    setProcCgroup(pid, text) {
      fs.mkdirSync(path.join(proc, String(pid)), { recursive: true });
      fs.writeFileSync(path.join(proc, String(pid), 'cgroup'), text);
    },
    resolver: (o = {}) => new CgroupResolver({ procRoot: proc, now: () => clock.t, ...o }),
  };
  return fake;
}

describe('enrich: CgroupResolver', function () {
  let f: Fake;
  afterEach(function () {
    if (f) fs.rmSync(f.dir, { recursive: true, force: true });
  });

  it('finds the v2 mount in mountinfo and the host namespaces in /proc/1', function () {
    f = fakeHost({ v2: true });
    const r = f.resolver();
    assert.equal(r.cgroupRoot, f.cg);
    assert.equal(r.rootId, f.ino(''));
    assert.equal(r.rootAmbiguous, false, 'pure v2');
    const mnt = fs.statSync(path.join(f.proc, '1/ns/mnt')).ino;
    const pid = fs.statSync(path.join(f.proc, '1/ns/pid')).ino;
    assert.equal(r.hostMntns, mnt);
    assert.equal(r.isHostProcess(mnt, pid), true);
    assert.equal(r.isHostProcess(mnt + 1, pid), false, 'own mount namespace');
    assert.equal(r.isHostProcess(mnt, pid + 1), false, 'own pid namespace');
  });

  it("falls back to kthreadd's namespaces when pid 1's cannot be read", function () {
    f = fakeHost();
    fs.rmSync(path.join(f.proc, '1/ns'), { recursive: true });
    assert.equal(f.resolver().hostMntns, null, 'no pid 2 either');
    fs.mkdirSync(path.join(f.proc, '2/ns'), { recursive: true });
    fs.writeFileSync(path.join(f.proc, '2/ns/mnt'), '');
    fs.writeFileSync(path.join(f.proc, '2/ns/pid'), '');
    fs.writeFileSync(path.join(f.proc, '2/status'), 'Name:\tsh\nPPid:\t1\nKthread:\t0\n');
    assert.equal(f.resolver().hostMntns, null, 'pid 2 is no kernel thread (a nested pid namespace)');
    fs.writeFileSync(path.join(f.proc, '2/status'), 'Name:\tkthreadd\nPPid:\t0\nKthread:\t1\n');
    const r = f.resolver();
    const mnt = fs.statSync(path.join(f.proc, '2/ns/mnt')).ino;
    const pid = fs.statSync(path.join(f.proc, '2/ns/pid')).ino;
    assert.equal(r.hostMntns, mnt);
    assert.equal(r.isHostProcess(mnt, pid), true);
  });

  it('resolves ids of both kubelet layouts and plain Docker, then from the cache', function () {
    f = fakeHost();
    const a = f.mkdir(CFS);
    const b = f.mkdir(SYSD);
    const c = f.mkdir(`/system.slice/docker-${ID}.scope`);
    const host = f.mkdir('/system.slice/sshd.service');
    const pod = f.ino(`/kubepods/besteffort/pod${UID}`);
    const r = f.resolver();
    assert.deepEqual(r.resolve(a), { path: CFS, source: 'cgroup-id', container: { runtime: 'unknown', id: ID, podUid: UID, qos: 'besteffort' } });
    assert.deepEqual(r.resolve(b)?.container, { runtime: 'containerd', id: ID2, podUid: UID, qos: 'burstable' });
    assert.deepEqual(r.resolve(c)?.container, { runtime: 'docker', id: ID });
    assert.deepEqual(r.resolve(host), { path: '/system.slice/sshd.service', container: null, source: 'cgroup-id' });
    assert.equal(r.resolve(pod)?.container, null, 'a pod cgroup is no container');
    assert.deepEqual(r.resolve(r.rootId!), { path: '/', container: null, source: 'cgroup-id' });
    const s = r.stats();
    assert.equal(s.misses, 1);
    assert.equal(s.hits, 5);
    assert.equal(s.rescans, 1);
    assert.equal(s.procReads, 0);
    assert.ok(s.cached >= 12, `cached ${s.cached}`);
  });

  it('rescans lazily on a miss, at most once per interval', function () {
    f = fakeHost();
    const r = f.resolver({ minRescanMs: 1000 });
    assert.equal(r.resolve(12345678), null); // first miss: walks the (empty) tree
    const a = f.mkdir(CFS);
    f.clock.t += 500;
    assert.equal(r.resolve(a), null, 'too soon to walk again');
    assert.equal(r.resolve(a), null);
    assert.deepEqual(r.stats(), { ...r.stats(), misses: 3, rescans: 1, rescansLimited: 2, unresolved: 3 });
    f.clock.t += 600;
    assert.equal(r.resolve(a)?.container?.id, ID);
    assert.equal(r.stats().rescans, 2);
  });

  it('walks out of turn for an event stamped after the last walk began (its process may be gone already), once per id per second', function () {
    f = fakeHost();
    let evNow = 5_000_000;
    const r = f.resolver({ minRescanMs: 1000, eventClockNs: () => evNow });
    r.rescan(); // at event time 5,000,000
    const a = f.mkdir(CFS);
    f.clock.t += 10;
    // An event from before the walk: its cgroup existed then, so walking again cannot help.
    assert.equal(r.resolve(a, undefined, 4_999_000), null);
    assert.equal(r.stats().rescansLimited, 1);
    // One from after it: the cgroup may be new; found although the limit has not passed.
    evNow = 6_000_000;
    assert.equal(r.resolve(a, undefined, 5_500_000)?.container?.id, ID);
    assert.equal(r.stats().rescansLate, 1);
    // An id no walk finds walks out of turn once, then waits a second.
    assert.equal(r.resolve(424242, undefined, 6_500_000), null);
    evNow = 7_000_000;
    assert.equal(r.resolve(424242, undefined, 7_500_000), null);
    assert.equal(r.stats().rescansLate, 2);
    f.clock.t += 1000;
    evNow = 8_000_000;
    assert.equal(r.resolve(424242, undefined, 8_500_000), null);
    assert.equal(r.stats().rescans, 4, 'the limit has passed: an ordinary walk');
  });

  it('keeps a removed cgroup for the grace period, for late events', function () {
    f = fakeHost();
    const a = f.mkdir(CFS);
    const r = f.resolver({ graceMs: 60_000 });
    assert.equal(r.resolve(a)?.container?.id, ID);
    fs.rmdirSync(f.cg + CFS);
    f.clock.t += 30_000;
    r.rescan();
    assert.equal(r.resolve(a)?.container?.id, ID, 'still known after its directory went');
    f.clock.t += 31_000;
    r.rescan();
    assert.equal(r.resolve(a), null, 'forgotten after the grace period');
  });

  it('bounds a walk by entries and depth, breadth first', function () {
    f = fakeHost();
    const a = f.mkdir(CFS);
    // A workload floods its own subtree, deeper than the kubelet's levels.
    for (let i = 0; i < 50; i++) fs.mkdirSync(`${f.cg}${CFS}/flood${i}`);
    const deep = f.mkdir(`${CFS}/a/b/c/d/e/f`);
    const r = f.resolver({ maxEntries: 20, maxDepth: 6 });
    assert.equal(r.resolve(a)?.container?.id, ID, 'shallow levels come first');
    assert.ok(r.stats().scannedDirs <= 20);
    assert.equal(r.stats().rescansTruncated, 1);
    const r2 = f.resolver({ maxDepth: 6 });
    assert.equal(r2.resolve(deep), null, 'below maxDepth');
    const r3 = f.resolver({ maxDepth: 12 });
    assert.equal(r3.resolve(deep)?.container?.id, ID, 'nested below the container: still the container');
  });

  it('reads /proc/<pid>/cgroup on a v1-only host, where every v2 id is the root', function () {
    f = fakeHost({ v1: true });
    const r = f.resolver();
    assert.equal(r.cgroupRoot, null);
    assert.equal(r.rootAmbiguous, true);
    f.setProcCgroup(4242, `5:pids:/kubepods/burstable/pod${UID}/${ID}\n4:memory:/kubepods/burstable/pod${UID}/${ID}\n`);
    assert.deepEqual(r.resolve(1, 4242), {
      path: `/kubepods/burstable/pod${UID}/${ID}`,
      source: 'proc',
      container: { runtime: 'unknown', id: ID, podUid: UID, qos: 'burstable' },
    });
    assert.equal(r.resolve(1), null, 'no pid: nothing to go on');
    assert.equal(r.resolve(1, 999999), null, 'process gone');
    const s = r.stats();
    assert.equal(s.procReads, 2);
    assert.equal(s.procErrors, 1);
    assert.equal(s.rescans, 0);
  });

  it('on a hybrid host asks /proc for root-id processes; on pure v2 it does not', function () {
    f = fakeHost({ v2: true, v1: true });
    f.setProcCgroup(77, `4:memory:/docker/${ID}\n0::/\n`);
    const hybrid = f.resolver();
    assert.equal(hybrid.rootAmbiguous, true);
    assert.deepEqual(hybrid.resolve(hybrid.rootId!, 77)?.container, { runtime: 'docker', id: ID });
    assert.deepEqual(hybrid.resolve(hybrid.rootId!, 78), { path: '/', container: null, source: 'cgroup-id' }, 'gone: the id answer');
    const told = f.resolver({ rootAmbiguous: false });
    assert.equal(told.resolve(told.rootId!, 77)?.container, null, 'told that the root id is exact');
    assert.equal(told.stats().procReads, 0);
    fs.writeFileSync(path.join(f.proc, 'self/mountinfo'), mountinfo(f.cg, { v2: true }));
    const pure = f.resolver();
    assert.equal(pure.rootAmbiguous, false);
    assert.deepEqual(pure.resolve(pure.rootId!, 77), { path: '/', container: null, source: 'cgroup-id' });
    assert.equal(pure.stats().procReads, 0);
  });

  it('learns a new cgroup from /proc/<pid>/cgroup while walks are rate-limited', function () {
    f = fakeHost();
    const r = f.resolver();
    r.rescan();
    const a = f.mkdir(SYSD);
    f.setProcCgroup(500, `0::${SYSD}\n`);
    assert.equal(r.resolve(a, 500)?.container?.id, ID2);
    assert.equal(r.resolve(a, 500)?.source, 'cgroup-id', 'the second lookup is a hit');
    assert.equal(r.stats().rescansLimited, 1);
    assert.equal(r.stats().procReads, 1);
    // A path from beyond our cgroup namespace is parsed, never joined to the mount.
    f.setProcCgroup(501, `0::/../../kubepods-besteffort-pod${UID_}.slice/cri-containerd-${ID}.scope\n`);
    assert.deepEqual(r.resolve(987654321, 501)?.container, { runtime: 'containerd', id: ID, podUid: UID, qos: 'besteffort' });
  });

  it('never throws on the event path', function () {
    f = fakeHost();
    const r = f.resolver({ minRescanMs: 0 });
    f.setProcCgroup(9, '\0\0garbage:::\n'.repeat(1000));
    fs.rmSync(f.cg, { recursive: true });
    for (const id of [NaN, -1, 0, 2 ** 64, Infinity]) {
      for (const pid of [undefined, NaN, -5, 0, 1.5, 9, 2 ** 40]) assert.doesNotThrow(() => r.resolve(id, pid));
    }
    assert.equal(r.resolve(5, 9), null);
    assert.ok(r.stats().unresolved > 0);
  });

  it('refuses an explicit cgroupRoot that is not a directory, at start', function () {
    f = fakeHost();
    assert.throws(() => f.resolver({ cgroupRoot: path.join(f.dir, 'nope') }), /cgroupRoot .* is not a directory/);
    assert.equal(f.resolver({ cgroupRoot: null }).cgroupRoot, null);
  });
});

describe('enrich: findCgroupMounts', function () {
  it('reads hybrid, pure v2 and escaped mount points', function () {
    const hybrid = [
      '31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
      '35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
      '40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd',
      '41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
    ].join('\n');
    assert.deepEqual(findCgroupMounts(hybrid), { v2: '/sys/fs/cgroup/unified', v1: ['/sys/fs/cgroup/memory', '/sys/fs/cgroup/systemd'] });
    const v2 = '30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot';
    assert.deepEqual(findCgroupMounts(v2), { v2: '/sys/fs/cgroup', v1: [] });
    const sub = '90 80 0:26 /kubepods/x /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n91 80 0:26 / /host/cg\\040x rw - cgroup2 cgroup2 rw';
    assert.deepEqual(findCgroupMounts(sub), { v2: '/host/cg x', v1: [] }, 'the whole hierarchy before a subtree');
    assert.deepEqual(findCgroupMounts('junk\n\n- - -'), { v2: null, v1: [] });
  });
});
