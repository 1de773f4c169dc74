// The process cache on synthetic events and a fake /proc tree: identity is
// (pid, start time), exited processes linger for late events, the cache is
// bounded, and seeding survives whatever /proc throws at it.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { EventHeader, ExecEvent, ExitEvent, ForkEvent, OpenEvent } from '../../sensor/decode/types';
import { ProcessCache, ProcessCacheOptions } from '../../sensor/enrich/process-cache';

const MS = 1e6;
const TICK = 10 * MS;

function hdr(pid: number, startTime: number, ppid: number, comm: string): EventHeader {
  return {
    ktime: startTime + 1000, startTime, cgroupId: 77, pid, tid: pid, ppid, vpid: pid, uid: 1000, gid: 1000,
    auid: 1000, mntns: 4026531841, pidns: 4026531836, netns: 4026531840, comm,
  };
}

function fork(pid: number, start: number, ppid: number, comm = 'sh'): ForkEvent {
  return { ...hdr(pid, start, ppid, comm), type: 'fork', parentTid: ppid };
}

function exec(pid: number, start: number, ppid: number, exepath: string, args: string[], cwd = '/home/u'): ExecEvent {
  return {
    ...hdr(pid, start, ppid, path.basename(exepath).slice(0, 15)), type: 'exec', exepath, exeResolved: exepath,
    cwd, args, argc: args.length, argsTruncated: false, pathTruncated: false, ruid: 1000, oldPid: pid,
  };
}

function exit(pid: number, start: number, ppid: number, comm = 'sh'): ExitEvent {
  return { ...hdr(pid, start, ppid, comm), type: 'exit', exitCode: 0, signal: 0, coreDumped: false };
}

function open(pid: number, start: number, ppid: number, comm = 'cat'): OpenEvent {
  return {
    ...hdr(pid, start, ppid, comm), type: 'open', syscall: 'openat', ret: 3, flags: 0, mode: 0, dirfd: -100,
    path: '/etc/passwd', resolved: true, raw: '/etc/passwd', pathTruncated: false, rawTruncated: false, ino: 1, dev: 1, iMode: 0,
  };
}

/** A cache on a clock the test moves, with no /proc to fall back on. */
function newCache(opts: Partial<ProcessCacheOptions> = {}): { cache: ProcessCache; clock: { t: number } } {
  const clock = { t: 0 };
  const cache = new ProcessCache({ now: () => clock.t, procRoot: '/nonexistent', ...opts });
  return { cache, clock };
}

describe('process cache', function () {
  it('fork inherits the image, exec replaces it, exit marks it', function () {
    const { cache } = newCache();
    cache.onEvent(exec(100, 1000, 1, '/bin/bash', ['bash', '-l'], '/root'));
    cache.onEvent(fork(101, 2000, 100, 'bash'));
    const forked = cache.lookup(101, 2000)!;
    assert.deepEqual([forked.exepath, forked.args, forked.cwd, forked.name], ['/bin/bash', ['bash', '-l'], '/root', 'bash']);
    assert.deepEqual(forked.parent, { pid: 100, startTime: 1000 });

    cache.onEvent(exec(101, 2000, 100, '/usr/bin/curl', ['curl', 'http://x'], '/tmp'));
    const ran = cache.lookup(101, 2000)!;
    assert.deepEqual([ran.exepath, ran.args, ran.cwd, ran.name], ['/usr/bin/curl', ['curl', 'http://x'], '/tmp', 'curl']);
    assert.equal(ran.exited, false);
    assert.equal(ran.precise, true);
    assert.equal(ran.origin, 'event');
    assert.deepEqual(cache.ancestors(ran).map((p) => p.pid), [100]);

    cache.onEvent(exit(101, 2000, 100, 'curl'));
    assert.equal(cache.lookup(101, 2000)!.exited, true);
    const s = cache.stats();
    assert.deepEqual([s.size, s.exited, s.learned, s.hits, s.misses, s.errors], [2, 1, 2, 3, 0, 0]);
  });

  it('gives ancestors parent first, five by default', function () {
    const { cache } = newCache();
    for (let pid = 10; pid <= 16; pid++) cache.onEvent(exec(pid, pid * 1000, pid - 1, `/bin/p${pid}`, [`p${pid}`]));
    const leaf = cache.lookup(16, 16000)!;
    assert.deepEqual(cache.ancestors(leaf).map((p) => p.pid), [15, 14, 13, 12, 11]);
    assert.deepEqual(cache.ancestors(leaf).map((p) => p.exepath), ['/bin/p15', '/bin/p14', '/bin/p13', '/bin/p12', '/bin/p11']);
    // The chain ends where the cache knows nothing more (pid 9 never seen).
    assert.deepEqual(cache.ancestors(leaf, 10).map((p) => p.pid), [15, 14, 13, 12, 11, 10]);
    assert.deepEqual(cache.ancestors(leaf, 0), []);
  });

  it('never confuses a reused pid with the process that had it before', function () {
    const { cache } = newCache();
    cache.onEvent(exec(1, 10, 0, '/sbin/init', ['init']));
    cache.onEvent(exec(300, 500, 1, '/usr/sbin/sshd', ['sshd']));
    cache.onEvent(exec(200, 1000, 300, '/bin/old', ['old']));
    cache.onEvent(exit(200, 1000, 300, 'old'));
    cache.onEvent(exec(200, 9000, 1, '/bin/new', ['new']));
    assert.equal(cache.lookup(200, 1000)!.exepath, '/bin/old');
    assert.equal(cache.lookup(200, 9000)!.exepath, '/bin/new');
    assert.equal(cache.lookup(200, 5000), undefined);
    assert.equal(cache.stats().misses, 1);
    // A child forked now belongs to the new one; ancestry follows each generation.
    cache.onEvent(fork(201, 9500, 200, 'new'));
    assert.deepEqual(cache.lookup(201, 9500)!.parent, { pid: 200, startTime: 9000 });
    assert.deepEqual(cache.ancestors(cache.lookup(200, 1000)!).map((p) => p.pid), [300, 1]);
    assert.deepEqual(cache.ancestors(cache.lookup(201, 9500)!).map((p) => p.exepath), ['/bin/new', '/sbin/init']);
    // An event of a third generation the cache never saw starts a new entry.
    cache.onEvent(open(200, 20000, 1));
    assert.equal(cache.lookup(200, 20000)!.exepath, '');
    assert.equal(cache.lookup(200, 9000)!.exepath, '/bin/new');
  });

  it('keeps an exited process for late events during the grace period, then deletes it', function () {
    const { cache, clock } = newCache({ graceMs: 30_000 });
    cache.onEvent(exec(100, 1000, 1, '/bin/sh', ['sh']));
    cache.onEvent(exec(101, 2000, 100, '/bin/cat', ['cat', '/etc/passwd']));
    cache.onEvent(exit(101, 2000, 100, 'cat'));
    clock.t = 29_999;
    cache.onEvent(open(101, 2000, 100)); // arrived late, from another ring
    const late = cache.lookup(101, 2000)!;
    assert.deepEqual([late.exepath, late.exited], ['/bin/cat', true]);
    assert.equal(cache.stats().learned, 2, 'the late event found its process');
    clock.t = 30_000;
    assert.equal(cache.lookup(101, 2000), undefined);
    assert.deepEqual([cache.stats().expired, cache.stats().size], [1, 1]);
  });

  it('keeps an exited parent past its grace while a descendant lives', function () {
    const { cache, clock } = newCache({ graceMs: 1000 });
    cache.onEvent(exec(100, 1000, 1, '/bin/bash', ['bash', '-i']));
    cache.onEvent(fork(101, 2000, 100, 'bash'));
    cache.onEvent(exec(101, 2000, 100, '/tmp/implant', ['implant']));
    cache.onEvent(exit(100, 1000, 1, 'bash'));
    clock.t = 5000;
    cache.sweep();
    assert.equal(cache.lookup(100, 1000)!.exited, true);
    assert.deepEqual(cache.ancestors(cache.lookup(101, 2000)!).map((p) => p.exepath), ['/bin/bash']);
    cache.onEvent(exit(101, 2000, 1, 'implant'));
    clock.t = 6001;
    cache.sweep();
    assert.deepEqual([cache.stats().size, cache.stats().expired], [0, 2]);
  });

  it('stays within maxEntries: exited entries go first, then the least recently used', function () {
    const { cache } = newCache({ maxEntries: 3 });
    cache.onEvent(exec(1, 100, 0, '/a', ['a']));
    cache.onEvent(exec(2, 200, 0, '/b', ['b']));
    cache.onEvent(exec(3, 300, 0, '/c', ['c']));
    cache.onEvent(exit(3, 300, 0, 'c'));
    cache.onEvent(exec(4, 400, 0, '/d', ['d']));
    assert.equal(cache.lookup(3, 300), undefined, 'the exited one went first');
    assert.ok(cache.lookup(1, 100), 'a is now the most recently used');
    cache.onEvent(exec(5, 500, 0, '/e', ['e']));
    assert.equal(cache.lookup(2, 200), undefined, 'b was the least recently used');
    assert.ok(cache.lookup(1, 100) && cache.lookup(4, 400) && cache.lookup(5, 500));
    assert.deepEqual([cache.stats().size, cache.stats().evictions], [3, 2]);
  });

  it('never throws on the event path, and counts', function () {
    const { cache } = newCache();
    cache.onEvent(null as unknown as OpenEvent);
    assert.equal(cache.stats().errors, 1);
    assert.throws(() => new ProcessCache({ maxEntries: 0 }), /maxEntries/);
  });

  describe('seeding from /proc', function () {
    let root: string;
    let procRoot: string;
    let cgroupRoot: string;

    /** /proc/<pid>/stat with comm, ppid and starttime (field 22) where the kernel puts them. */
    function stat(pid: number, comm: Buffer | string, ppid: number, ticks: number): Buffer {
      const rest = ['S', ppid, ...Array(17).fill(0), ticks, 0, 0].join(' ');
      return Buffer.concat([Buffer.from(`${pid} (`), Buffer.from(comm), Buffer.from(`) ${rest}\n`)]);
    }

    function proc(pid: number, p: { comm: Buffer | string; ppid: number; ticks: number; cmdline?: Buffer; exe?: string; cwd?: string; uid?: number; partial?: boolean }): void {
      const dir = path.join(procRoot, String(pid));
      fs.mkdirSync(path.join(dir, 'ns'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'stat'), stat(pid, p.comm, p.ppid, p.ticks));
      if (p.partial) return; // it exited right after its stat was read
      fs.writeFileSync(path.join(dir, 'cmdline'), p.cmdline ?? Buffer.alloc(0));
      const u = p.uid ?? 0;
      fs.writeFileSync(path.join(dir, 'status'), `Name:\tx\nUid:\t${u + 1}\t${u}\t${u}\t${u}\nGid:\t5\t6\t6\t6\n`);
      fs.writeFileSync(path.join(dir, 'loginuid'), '1000');
      fs.writeFileSync(path.join(dir, 'cgroup'), '0::/test.slice\n');
      fs.symlinkSync('mnt:[4026531841]', path.join(dir, 'ns', 'mnt'));
      fs.symlinkSync('pid:[4026531836]', path.join(dir, 'ns', 'pid'));
      if (p.exe) fs.symlinkSync(p.exe, path.join(dir, 'exe'));
      if (p.cwd) fs.symlinkSync(p.cwd, path.join(dir, 'cwd'));
    }

    beforeEach(function () {
      root = fs.mkdtempSync(path.join(os.tmpdir(), 'proc-seed-'));
      procRoot = path.join(root, 'proc');
      cgroupRoot = path.join(root, 'cgroup');
      fs.mkdirSync(path.join(cgroupRoot, 'test.slice'), { recursive: true });
      fs.mkdirSync(procRoot);
      fs.writeFileSync(path.join(procRoot, 'uptime'), '1.0 1.0\n'); // not a process
      proc(1, { comm: 'systemd', ppid: 0, ticks: 10, cmdline: Buffer.from('/sbin/init\0splash\0'), exe: '/usr/lib/systemd/systemd', cwd: '/' });
      proc(2, { comm: 'kthreadd', ppid: 0, ticks: 10 }); // kernel thread: no cmdline, no exe
      proc(100, { comm: 'bash', ppid: 1, ticks: 500, cmdline: Buffer.from('-bash\0'), exe: '/usr/bin/bash', cwd: '/root', uid: 1000 });
      // comm with ') ' inside, arguments with bytes that are not UTF-8.
      proc(101, {
        comm: Buffer.from('we) ird'), ppid: 100, ticks: 700,
        cmdline: Buffer.concat([Buffer.from('./x\0a'), Buffer.from([0xff, 0xfe]), Buffer.from('b\0h\u00e9\0')]),
        exe: '/tmp/x (deleted)', cwd: '/tmp',
      });
      proc(102, { comm: 'gone', ppid: 100, ticks: 800, partial: true });
    });

    afterEach(function () {
      fs.rmSync(root, { recursive: true, force: true });
    });

    it('learns every process, links parents, and counts the one that vanished', function () {
      const { cache } = newCache({ procRoot, cgroupRoot });
      const r = cache.seed();
      assert.deepEqual([r.seeded, r.vanished, r.known], [4, 1, 0]);
      const x = cache.lookup(101, 700 * TICK)!;
      assert.equal(x.name, 'we) ird');
      assert.deepEqual(x.args, ['./x', 'a\\xff\\xfeb', 'h\u00e9']);
      assert.deepEqual([x.exepath, x.cwd, x.uid, x.gid, x.auid], ['/tmp/x (deleted)', '/tmp', 0, 6, 1000]);
      assert.deepEqual([x.precise, x.origin, x.exited], [false, 'proc', false]);
      assert.equal(x.cgroupId, fs.statSync(path.join(cgroupRoot, 'test.slice')).ino);
      assert.deepEqual([x.mntns, x.pidns], [4026531841, 4026531836]);
      assert.deepEqual(cache.ancestors(x).map((p) => p.name), ['bash', 'systemd']);
      assert.equal(cache.lookup(100, 500 * TICK)!.uid, 1000);
      const kthread = cache.lookup(2, 10 * TICK)!;
      assert.deepEqual([kthread.args, kthread.exepath, kthread.cwd], [[], '', '']);
      assert.equal(cache.lookup(102, 800 * TICK), undefined);
      assert.deepEqual([cache.stats().seeded, cache.stats().seedVanished], [4, 1]);
    });

    it('matches a seeded process within one tick, and takes the exact start from its first event', function () {
      const { cache } = newCache({ procRoot, cgroupRoot });
      cache.seed();
      const exact = 700 * TICK + 3_456_789;
      assert.ok(cache.lookup(101, exact), 'within the tick');
      assert.equal(cache.lookup(101, 701 * TICK + 1), undefined, 'a tick later is another process');
      assert.equal(cache.lookup(101, 699 * TICK), undefined);

      cache.onEvent(exec(103, 900 * TICK + 5, 101, '/usr/bin/id', ['id']));
      assert.deepEqual(cache.ancestors(cache.lookup(103, 900 * TICK + 5)!).map((p) => p.pid), [101, 100, 1]);
      cache.onEvent(open(101, exact, 100, 'x'));
      const x = cache.lookup(101, exact)!;
      assert.deepEqual([x.startTime, x.precise, x.exepath], [exact, true, '/tmp/x (deleted)']);
      // Keys handed out before still find it (the child's parent key is in ticks).
      const child = cache.lookup(103, 900 * TICK + 5)!;
      assert.equal(cache.lookup(child.parent!.pid, child.parent!.startTime), x);
      // Seeding again leaves known processes alone.
      assert.deepEqual([cache.seed().seeded, cache.stats().size], [0, 5]);
    });

    it('reads /proc for a process first seen in a non-exec event, only if its start matches', function () {
      const { cache } = newCache({ procRoot, cgroupRoot });
      proc(300, { comm: 'late', ppid: 1, ticks: 2000, cmdline: Buffer.from('late\0--x\0'), exe: '/usr/bin/late', cwd: '/srv' });
      cache.onEvent(open(300, 2000 * TICK + 42, 1, 'late'));
      const p = cache.lookup(300, 2000 * TICK + 42)!;
      assert.deepEqual([p.exepath, p.args, p.cwd], ['/usr/bin/late', ['late', '--x'], '/srv']);
      // Same pid in /proc, but a different start: someone else now.
      cache.onEvent(open(300, 3000 * TICK, 1, 'other'));
      assert.equal(cache.lookup(300, 3000 * TICK)!.exepath, '');
      // Gone altogether.
      cache.onEvent(open(999, 5, 1));
      assert.deepEqual([cache.stats().procReads, cache.stats().procMisses], [3, 2]);
    });
  });
});
