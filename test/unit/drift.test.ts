// Container drift on crafted events: what marks a file as written in its
// container (write opens, chmod +x, rename and link into place), what an exec
// of it then says, and that the tracker stays bounded. Then the Enricher:
// the verdict of an exec follows the process to its later events and its
// forked children.
import { strict as assert } from 'node:assert';
import type { EventHeader, ExecEvent, ForkEvent, OpenEvent, SensorEvent, SyscallEvent } from '../../sensor/decode/types';
import type { ContainerRef } from '../../sensor/enrich/cgroup-path';
import type { CgroupResolver } from '../../sensor/enrich/cgroups';
import { contextFields } from '../../sensor/enrich/context-fields';
import { DriftTracker } from '../../sensor/enrich/drift';
import { Enricher } from '../../sensor/enrich/enricher';
import { ProcessCache } from '../../sensor/enrich/process-cache';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const O_WRONLY = 0o1;
const O_RDWR = 0o2;
const O_CREAT = 0o100;
const O_TRUNC = 0o1000;
const O_PATH = 0o10000000;
const REG = 0o100644;

function hdr(pid = 100, startTime = 1000, ppid = 1, cgroupId = 7): EventHeader {
  return {
    ktime: startTime + 1, startTime, cgroupId, pid, tid: pid, ppid, vpid: pid, uid: 0, gid: 0, auid: 4294967295,
    mntns: 4026532000, pidns: 4026532001, netns: 4026532002, comm: 'sh',
  };
}

function open(path: string, flags: number, opts: { ret?: number; iMode?: number; pid?: number } = {}): OpenEvent {
  return {
    ...hdr(opts.pid), type: 'open', syscall: 'openat', ret: opts.ret ?? 3, flags, mode: 0o644, dirfd: -100, path,
    resolved: (opts.ret ?? 3) >= 0, raw: path, pathTruncated: false, rawTruncated: false, ino: 1, dev: 1,
    iMode: opts.iMode ?? REG,
  };
}

function sc(syscall: string, args: number[], paths: [string, string], opts: { ret?: number; fdPath?: string } = {}): SyscallEvent {
  const a = [...args.map((x) => BigInt(x)), 0n, 0n, 0n, 0n, 0n, 0n].slice(0, 6);
  return {
    ...hdr(), type: 'syscall', syscall, ret: opts.ret ?? 0, args: a, strs: [paths[0], paths[1], ''], paths,
    fdPath: opts.fdPath ?? '', truncated: false, sourceIsSocket: false, nsKind: '', aux: 0, aux2: 0,
  };
}

function exec(exepath: string, exeResolved = exepath, pid = 100, startTime = 1000): ExecEvent {
  return {
    ...hdr(pid, startTime), type: 'exec', exepath, exeResolved, cwd: '/', args: [exepath], argc: 1,
    argsTruncated: false, pathTruncated: false, ruid: 0, oldPid: pid,
  };
}

describe('drift tracker', function () {
  it('marks a file opened for writing, and an exec of it is drift in that container only', function () {
    const d = new DriftTracker();
    d.observe(open('/tmp/x', O_WRONLY | O_CREAT | O_TRUNC), A);
    assert.equal(d.isDrift(exec('/tmp/x'), A), true);
    assert.equal(d.isDrift(exec('/tmp/x'), B), false, 'another container');
    assert.equal(d.isDrift(exec('/tmp/x'), null), false, 'the host');
    assert.equal(d.isDrift(exec('/bin/sh', '/bin/busybox'), A), false);
    assert.deepEqual([d.stats().tracked, d.stats().driftExecs], [1, 1]);
  });

  it('matches the path given to execve or the file the kernel mapped', function () {
    const d = new DriftTracker();
    d.observe(open('/tmp/x', O_RDWR), A);
    assert.equal(d.isDrift(exec('/tmp/link', '/tmp/x'), A), true, 'through a symlink');
    assert.equal(d.isDrift(exec('/tmp/./y/../x', '/tmp/x2'), A), true, 'an unnormalised path');
  });

  it('ignores reads, failures, O_PATH, non-regular files and host processes', function () {
    const d = new DriftTracker();
    d.observe(open('/tmp/r', 0), A);
    d.observe(open('/tmp/f', O_WRONLY | O_CREAT, { ret: -13 }), A);
    d.observe(open('/tmp/p', O_PATH | O_WRONLY), A);
    d.observe(open('/dev/null', O_WRONLY | O_CREAT | O_TRUNC, { iMode: 0o20666 }), A);
    d.observe(open('/tmp/h', O_WRONLY | O_CREAT), null);
    d.observe(open('memfd:x', O_RDWR), A);
    assert.equal(d.stats().tracked, 0);
    for (const p of ['/tmp/r', '/tmp/f', '/tmp/p', '/dev/null', '/tmp/h']) assert.equal(d.isMarked(A, p), false, p);
  });

  it('marks chmod, fchmodat, fchmodat2 and fchmod that set an x bit, not others', function () {
    const d = new DriftTracker();
    d.observe(sc('chmod', [0, 0o755], ['/a/chmod', '']), A);
    d.observe(sc('fchmodat', [-100, 0, 0o100], ['/a/fchmodat', '']), A);
    d.observe(sc('fchmodat2', [-100, 0, 0o701, 0], ['/a/fchmodat2', '']), A);
    d.observe(sc('fchmod', [3, 0o4711], ['', ''], { fdPath: '/a/fchmod' }), A);
    d.observe(sc('chmod', [0, 0o644], ['/a/nox', '']), A);
    d.observe(sc('chmod', [0, 0o755], ['/a/failed', ''], { ret: -1 }), A);
    for (const p of ['/a/chmod', '/a/fchmodat', '/a/fchmodat2', '/a/fchmod']) assert.equal(d.isMarked(A, p), true, p);
    for (const p of ['/a/nox', '/a/failed']) assert.equal(d.isMarked(A, p), false, p);
  });

  it('rename: the new name inherits the mark, and a rename into place is itself a write', function () {
    const d = new DriftTracker();
    d.observe(open('/tmp/x', O_WRONLY | O_CREAT), A);
    d.observe(sc('rename', [], ['/tmp/x', '/usr/bin/x']), A);
    assert.equal(d.isMarked(A, '/usr/bin/x'), true);
    assert.equal(d.isMarked(A, '/tmp/x'), false, 'the old name is gone');
    // A file from the image renamed over another: still a write of the new name.
    d.observe(sc('renameat', [-100, 0, -100, 0], ['/usr/bin/a', '/usr/bin/b']), A);
    assert.equal(d.isMarked(A, '/usr/bin/b'), true);
    assert.equal(d.isDrift(exec('/usr/bin/b'), A), true);
  });

  it('rename of a directory moves every mark below it', function () {
    const d = new DriftTracker();
    d.observe(open('/app/.tmp-1/node_modules/.bin/tool', O_WRONLY | O_CREAT), A);
    d.observe(open('/app/.tmp-1/lib/x.js', O_WRONLY | O_CREAT), A);
    d.observe(sc('renameat2', [-100, 0, -100, 0, 0], ['/app/.tmp-1', '/app/pkg']), A);
    assert.equal(d.isMarked(A, '/app/pkg/node_modules/.bin/tool'), true);
    assert.equal(d.isMarked(A, '/app/pkg/lib/x.js'), true);
    assert.equal(d.isMarked(A, '/app/.tmp-1/lib/x.js'), false);
    assert.equal(d.stats().tracked, 3, 'two files and the directory renamed into place');
  });

  it('rename over a marked file replaces it; RENAME_EXCHANGE swaps and marks both', function () {
    const d = new DriftTracker();
    d.observe(open('/d/old/inner', O_WRONLY | O_CREAT), A);
    d.observe(sc('rename', [], ['/img/dir', '/d/old']), A); // an unmarked directory over a marked one
    assert.equal(d.isMarked(A, '/d/old/inner'), false, 'the replaced tree is gone');
    assert.equal(d.isMarked(A, '/d/old'), true);

    const e = new DriftTracker();
    e.observe(open('/x/a/f', O_WRONLY | O_CREAT), A);
    e.observe(sc('renameat2', [-100, 0, -100, 0, 2], ['/x/a', '/x/b']), A);
    assert.equal(e.isMarked(A, '/x/b/f'), true);
    assert.equal(e.isMarked(A, '/x/a/f'), false);
    assert.equal(e.isMarked(A, '/x/a'), true);
    assert.equal(e.isMarked(A, '/x/b'), true);
  });

  it('link: the new name inherits the mark; a file linked by its fd is written', function () {
    const d = new DriftTracker();
    d.observe(open('/tmp/x', O_WRONLY | O_CREAT), A);
    d.observe(sc('link', [], ['/tmp/x', '/tmp/hard']), A);
    d.observe(sc('linkat', [-100, 0, -100, 0, 0], ['/bin/busybox', '/tmp/image-link']), A);
    d.observe(sc('linkat', [3, 0, -100, 0, 0x1000], ['', '/tmp/from-tmpfile']), A);
    assert.equal(d.isMarked(A, '/tmp/hard'), true);
    assert.equal(d.isMarked(A, '/tmp/image-link'), false, 'a new name for an image file is not drift');
    assert.equal(d.isMarked(A, '/tmp/from-tmpfile'), true);
  });

  it('unlink forgets the file', function () {
    const d = new DriftTracker();
    d.observe(open('/tmp/x', O_WRONLY | O_CREAT), A);
    d.observe(sc('unlink', [], ['/tmp/x', '']), A);
    assert.equal(d.isMarked(A, '/tmp/x'), false);
    assert.deepEqual([d.stats().tracked, d.stats().nodes, d.stats().containers], [0, 0, 0], 'empty directories and the container go too');
  });

  it('stays within maxEntries and maxNodes, dropping the least recently used first', function () {
    const d = new DriftTracker({ maxEntries: 3, maxNodes: 100 });
    for (const p of ['/1', '/2', '/3']) d.observe(open(p, O_WRONLY | O_CREAT), A);
    assert.equal(d.isDrift(exec('/1'), A), true); // used: now the most recent
    d.observe(open('/4', O_WRONLY | O_CREAT), A);
    assert.deepEqual(['/1', '/2', '/3', '/4'].map((p) => d.isMarked(A, p)), [true, false, true, true]);
    assert.deepEqual([d.stats().tracked, d.stats().evictions], [3, 1]);

    const n = new DriftTracker({ maxEntries: 100, maxNodes: 8 });
    for (let i = 0; i < 10; i++) n.observe(open(`/deep/${i}/a/b/c`, O_WRONLY | O_CREAT), A);
    assert.ok(n.stats().nodes <= 8, `${n.stats().nodes} nodes`);
    assert.equal(n.isMarked(A, '/deep/9/a/b/c'), true);
    assert.equal(n.isMarked(A, '/deep/0/a/b/c'), false);
  });

  it('never throws on malformed events', function () {
    const d = new DriftTracker();
    d.observe({ ...open('/x', O_WRONLY), path: undefined } as unknown as SensorEvent, A);
    d.observe(sc('rename', [], ['', '']), A);
    d.observe(sc('rename', [], ['/', '/']), A);
    d.observe(sc('rename', [], ['/a', '/a/b']), A);
    assert.equal(d.isDrift({ ...exec('/x'), exepath: undefined } as unknown as ExecEvent, A), false);
    assert.ok(d.stats().errors >= 1);
  });
});

describe('enricher: proc.exe_drift', function () {
  const ref: ContainerRef = { runtime: 'containerd', id: A };
  const cgroups = {
    resolve: (cgroupId: number) => ({ container: cgroupId === 7 ? ref : null }),
    isHostProcess: () => false,
  } as unknown as CgroupResolver;

  function enricher(): Enricher {
    return new Enricher({ processes: new ProcessCache({ procFallback: false, procRoot: '/nonexistent' }), cgroups, nodeName: 'n' });
  }

  function fieldsOf(e: Enricher, ev: SensorEvent): Record<string, unknown> {
    return contextFields(e.enrich(ev), 'n', {});
  }

  it('is decided at exec and carried to the process\'s later events and forked children', function () {
    const e = enricher();
    assert.equal(fieldsOf(e, exec('/bin/sh', '/bin/busybox'))['proc.exe_drift'], false);
    fieldsOf(e, open('/tmp/x', O_WRONLY | O_CREAT));
    assert.equal(fieldsOf(e, exec('/tmp/x'))['proc.exe_drift'], true);
    assert.equal(fieldsOf(e, open('/etc/hostname', 0))['proc.exe_drift'], true, 'a later event of the drifted process');
    const fork: ForkEvent = { ...hdr(101, 2000, 100), type: 'fork', parentTid: 100 };
    assert.equal(fieldsOf(e, fork)['proc.exe_drift'], true, 'its forked child runs the same file');
    assert.equal(fieldsOf(e, open('/etc/passwd', 0, { pid: 101 }))['proc.exe_drift'], false, 'a different start time: not that child');
    assert.equal(fieldsOf(e, exec('/bin/cat', '/bin/busybox', 101, 2000))['proc.exe_drift'], false, 'an exec of an image file resets it');
    assert.equal(e.stats().drift.driftExecs, 1);
  });

  it('is false for host processes, and proc.tty comes from the cache', function () {
    const e = enricher();
    const host = (ev: SensorEvent): SensorEvent => ({ ...ev, cgroupId: 1 }) as SensorEvent;
    fieldsOf(e, host(open('/tmp/x', O_WRONLY | O_CREAT)));
    const f = fieldsOf(e, host({ ...exec('/tmp/x'), tty: 34816 }));
    assert.equal(f['proc.exe_drift'], false);
    assert.equal(fieldsOf(e, host(open('/etc/hostname', 0)))['proc.tty'], 34816);
    assert.equal(fieldsOf(e, host(open('/etc/hostname', 0, { pid: 0 })))['proc.tty'], null, 'no process (softirq)');
  });
});
