// `sensor trace syscall -o json` on the real kernel: every security syscall,
// made by the secops helper with known arguments, appears once with its
// result and its arguments decoded; relative paths come out absolute,
// resolved against the cwd or the dirfd they were relative to.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Container, containersUnavailable, makeBundle, removeBundle, runContainer } from '../containers';
import { capture, Fields, helper, lossNote, ofPid, requireBpf, run, startTrace, TraceResult } from '../support';

/** What one secops run printed: the pid that made the call, its result
 *  (value or -errno) and any further numbers. */
interface Op {
  pid: number;
  ret: number;
  extra: number[];
}

const TRACEFS_SYSCALLS = '/sys/kernel/tracing/events/syscalls';

function hasTracepoint(syscall: string): boolean {
  return fs.existsSync(path.join(TRACEFS_SYSCALLS, `sys_enter_${syscall}`));
}

describe('kernel: trace syscall', function () {
  let trace: TraceResult;
  let dir: string; // the real (symlink-free) path of the scratch directory
  let ctr: Container | undefined;
  let ctrWhy: string | null = null;
  let ctrRun: { status: number | null; stdout: string; stderr: string } | undefined;
  let hostMntns: number;
  let hostResolv: string | null;
  const ops: Record<string, Op> = {};
  const secops = helper('secops');

  /** Run `secops ARGS` and parse its "<pid> <result> [...]" line. */
  async function op(name: string, args: string[], cwd = dir): Promise<void> {
    const r = await run(secops, args, { cwd });
    assert.equal(r.status, 0, `secops ${args.join(' ')} exited ${r.status} (${r.signal})`);
    const line = r.stdout.split('\n')[0];
    const nums = line.trim().split(/\s+/).map(Number);
    assert.ok(nums.length >= 2 && nums.every(Number.isInteger), `secops ${args.join(' ')} printed ${JSON.stringify(r.stdout)}`);
    ops[name] = { pid: nums[0], ret: nums[1], extra: nums.slice(2) };
  }

  before(async function () {
    requireBpf(this);
    this.timeout(120000);
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'sensor-sys-')));
    for (const d of ['mnt', 'sub1', 'sub2', 'rmme']) fs.mkdirSync(path.join(dir, d));
    for (const f of ['f1', 'sub1/r1', 'l0', 'sub1/l0b', 'c1', 'sub1/c2', 'dupfile'])
      fs.writeFileSync(path.join(dir, f), 'x\n');
    fs.symlinkSync('c1', path.join(dir, 'sub1/sl'));
    fs.symlinkSync('c1', path.join(dir, 'sub2/sl2'));
    hostMntns = fs.statSync('/proc/self/ns/mnt').ino;
    hostResolv = fs.existsSync('/etc/resolv.conf') ? fs.readFileSync('/etc/resolv.conf', 'utf8') : null;

    ctrWhy = containersUnavailable();
    if (!ctrWhy) {
      // busybox mv inside a container: its /etc/resolv.conf, never the host's.
      ctr = makeBundle(['/bin/sh', '-c', 'mv /tmp/new /etc/resolv.conf && cd /etc && mv /tmp/new2 resolv.conf && cat /etc/resolv.conf']);
      fs.writeFileSync(path.join(ctr.rootfs, 'etc/resolv.conf'), 'nameserver 192.0.2.1\n');
      fs.writeFileSync(path.join(ctr.rootfs, 'tmp/new'), 'nameserver 192.0.2.2\n');
      fs.writeFileSync(path.join(ctr.rootfs, 'tmp/new2'), 'nameserver 192.0.2.3\n');
    }

    const t = await startTrace(['syscall', 'exec', '-o', 'json']);
    await op('mount', ['mount', 'kestrel-src', 'mnt']);
    await op('setnsUts', ['setns', 'uts']);
    await op('setnsNet', ['setns', 'net']);
    await op('setnsFile', ['setns', 'file']);
    await op('unshare', ['unshare']);
    await op('ptraceAttach', ['ptrace-attach']);
    await op('ptraceTraceme', ['ptrace-traceme']);
    await op('bpf', ['bpf']);
    await op('memfd', ['memfd']);
    await op('dup2', ['dup2-socket']);
    await op('dup3', ['dup3-file', path.join(dir, 'dupfile')]);
    await op('packet', ['socket-packet']);
    await op('rename', ['rename', 'f1', 'f2']);
    await op('renameMissing', ['rename', 'no-such', '/nonexistent/x']);
    await op('renameat', ['renameat', path.join(dir, 'sub1'), 'r1', '-', 'r2']);
    await op('renameat2', ['renameat2', '-', 'r2', path.join(dir, 'sub2'), 'r3']);
    await op('link', ['link', path.join(dir, 'l0'), 'l1']);
    await op('linkat', ['linkat', path.join(dir, 'sub1'), 'l0b', '-', 'l2']);
    await op('symlink', ['symlink', '../target-x', 'sl3'], path.join(dir, 'sub1'));
    await op('symlinkat', ['symlinkat', '/etc/shadow', path.join(dir, 'sub2'), 'sl4']);
    await op('unlink', ['unlink', 'sl'], path.join(dir, 'sub1'));
    await op('unlinkat', ['unlinkat', path.join(dir, 'sub2'), 'sl2']);
    await op('rmdir', ['unlinkat', dir, 'rmme', 'rmdir']);
    await op('chmod', ['chmod', 'c1', '4755']);
    await op('fchmod', ['fchmod', path.join(dir, 'c1'), '600']);
    await op('fchmodat', ['fchmodat', path.join(dir, 'sub1'), 'c2', '640']);
    await op('fchmodat2', ['fchmodat2', path.join(dir, 'sub1'), 'c2', '644']);
    await op('fchmodMemfd', ['fchmod-memfd']);
    await op('setuid', ['setuid', '0']);
    await op('setgid', ['setgid', '0']);
    await op('initModule', ['init_module']);
    await op('finitModule', ['finit_module', '/etc/hostname']);
    await op('execMemfd', ['exec-memfd', 'execveat']);
    await op('execProcfd', ['exec-memfd', 'procfd']);
    if (ctr) ctrRun = await runContainer(ctr);
    trace = await t.stop(500);
  });

  after(function () {
    if (dir) {
      // Should umount2 have failed, do not leave the tmpfs behind.
      if (fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(` ${path.join(dir, 'mnt')} `)) capture('umount', ['-l', path.join(dir, 'mnt')]);
      fs.rmSync(dir, { recursive: true, force: true });
    }
    if (ctr) removeBundle(ctr);
  });

  /** The one `type` event of the process of ops[name] (matching `pred`). */
  function evOf(name: string, type: string, pred: (e: Fields) => boolean = () => true): Fields {
    const o = ops[name];
    // Until it execs secops the spawned child is node, setting up its stdio
    // (dup2 onto 0-2 included): those events are not the helper's.
    const ev = ofPid(trace.events, o.pid, type).filter((e) => e['proc.name'] === 'secops' && pred(e));
    assert.equal(ev.length, 1, `${type} events of ${name} (pid ${o.pid}): ${JSON.stringify(ev)}${lossNote(trace)}`);
    const e = ev[0];
    assert.equal(e['user.uid'], 0);
    return e;
  }

  /** evt.res and evt.rawres agree with what the helper saw. */
  function assertResult(e: Fields, ret: number, res?: string): void {
    assert.equal(e['evt.rawres'], ret);
    if (res !== undefined) assert.equal(e['evt.res'], res);
  }

  const p = (rel: string): string => path.join(dir, rel);

  it('mount: source, fstype and flags, the relative target made absolute against the cwd', function () {
    const o = ops.mount;
    assert.equal(o.ret, 0, 'mount succeeded');
    const e = evOf('mount', 'mount');
    assertResult(e, 0, 'SUCCESS');
    assert.equal(e['evt.arg.source'], 'kestrel-src');
    assert.equal(e['evt.arg.target'], p('mnt'));
    assert.equal(e['evt.arg.target_raw'], 'mnt');
    assert.equal(e['evt.arg.fstype'], 'tmpfs');
    assert.equal(e['evt.arg.flags'], 'MS_NOSUID|MS_NODEV');
    assert.equal(e['fd.name'], p('mnt'));
  });

  it('umount2: the resolved path and MNT_DETACH', function () {
    assert.equal(ops.mount.extra[0], 0, 'umount2 succeeded');
    const e = evOf('mount', 'umount2');
    assertResult(e, 0, 'SUCCESS');
    assert.equal(e['fd.name'], p('mnt'));
    assert.equal(e['fd.nameraw'], 'mnt');
    assert.equal(e['evt.arg.flags'], 'MNT_DETACH');
  });

  it('setns: nstype, and the kind and inode of the namespace behind the fd', function () {
    for (const [name, flag] of [['setnsUts', 'CLONE_NEWUTS'], ['setnsNet', 'CLONE_NEWNET']]) {
      const o = ops[name];
      assert.equal(o.ret, 0, `${name} succeeded`);
      const e = evOf(name, 'setns');
      assertResult(e, 0, 'SUCCESS');
      assert.equal(e['evt.arg.fd'], o.extra[0]);
      assert.equal(e['evt.arg.nstype'], flag);
      assert.equal(e['evt.arg.ns_kind'], flag);
      assert.equal(e['evt.arg.ns_inum'], o.extra[1], `${name}: inode of the namespace file`);
    }
    assert.notEqual(ops.setnsUts.extra[1], ops.setnsNet.extra[1]);
  });

  it('setns: an fd that is no namespace fails with EINVAL and has no namespace kind', function () {
    const o = ops.setnsFile;
    assert.equal(o.ret, -22);
    const e = evOf('setnsFile', 'setns');
    assertResult(e, -22, 'EINVAL');
    assert.equal(e['evt.arg.fd'], o.extra[0]);
    assert.equal(e['evt.arg.nstype'], '0');
    assert.equal(e['evt.arg.ns_kind'], '');
    assert.equal(e['evt.arg.ns_inum'], 0);
  });

  it('unshare: CLONE_NEWUTS', function () {
    assert.equal(ops.unshare.ret, 0);
    const e = evOf('unshare', 'unshare');
    assertResult(e, 0, 'SUCCESS');
    assert.equal(e['evt.arg.flags'], 'CLONE_NEWUTS');
  });

  it('ptrace: PTRACE_ATTACH and PTRACE_DETACH of the child, by pid', function () {
    const o = ops.ptraceAttach;
    const child = o.extra[0];
    assert.equal(o.ret, 0, 'attach succeeded');
    assert.equal(o.extra[1], 0, 'detach succeeded');
    const a = evOf('ptraceAttach', 'ptrace', (e) => e['evt.arg.request'] === 'PTRACE_ATTACH');
    assertResult(a, 0, 'SUCCESS');
    assert.equal(a['evt.arg.pid'], child);
    const d = evOf('ptraceAttach', 'ptrace', (e) => e['evt.arg.request'] === 'PTRACE_DETACH');
    assertResult(d, 0, 'SUCCESS');
    assert.equal(d['evt.arg.pid'], child);
    assert.equal(ofPid(trace.events, o.pid, 'ptrace').length, 2, 'attach and detach only');
    assert.ok((a['evt.ktime'] as number) < (d['evt.ktime'] as number), 'attach before detach');
  });

  it('ptrace: PTRACE_TRACEME', function () {
    const e = evOf('ptraceTraceme', 'ptrace');
    assertResult(e, 0, 'SUCCESS');
    assert.equal(e['evt.arg.request'], 'PTRACE_TRACEME');
    assert.equal(e['evt.arg.pid'], 0);
  });

  it('bpf: BPF_PROG_LOAD with the program type and name; BPF_MAP_CREATE is not reported', function () {
    const o = ops.bpf;
    assert.ok(o.ret >= 0, `prog load returned ${o.ret}`);
    assert.ok(o.extra[0] >= 0, `map create returned ${o.extra[0]}`);
    const e = evOf('bpf', 'bpf'); // exactly one: the map creation is left out
    assertResult(e, o.ret, 'SUCCESS');
    assert.equal(e['evt.arg.cmd'], 'BPF_PROG_LOAD');
    assert.equal(e['evt.arg.prog_type'], 'BPF_PROG_TYPE_SOCKET_FILTER');
    assert.equal(e['evt.arg.prog_name'], 'kestrel_test');
  });

  it('memfd_create: name, flags and the new fd', function () {
    const o = ops.memfd;
    assert.ok(o.ret >= 0);
    const e = evOf('memfd', 'memfd_create');
    assertResult(e, o.ret, 'SUCCESS');
    assert.equal(e['evt.arg.name'], 'kestrel-mem');
    assert.equal(e['evt.arg.flags'], 'MFD_CLOEXEC');
    assert.equal(e['fd.num'], o.ret);
  });

  it('dup2: a socket onto stderr, flagged as a socket with its family', function () {
    const o = ops.dup2;
    assert.equal(o.ret, 2);
    const e = evOf('dup2', 'dup2');
    assertResult(e, 2, 'SUCCESS');
    assert.equal(e['evt.arg.oldfd'], o.extra[0]);
    assert.equal(e['evt.arg.newfd'], 2);
    assert.equal(e['fd.is_socket'], true);
    assert.equal(e['fd.sockfamily'], 'AF_INET');
    const s = evOf('dup2', 'socket');
    assert.equal(s['evt.arg.domain'], 'AF_INET');
    assert.equal(s['evt.arg.type'], 'SOCK_STREAM');
    assert.equal(s['fd.num'], o.extra[0]);
  });

  it('dup3: a file onto stdout with O_CLOEXEC, not a socket', function () {
    const o = ops.dup3;
    assert.equal(o.ret, 1);
    const e = evOf('dup3', 'dup3');
    assertResult(e, 1, 'SUCCESS');
    assert.equal(e['evt.arg.oldfd'], o.extra[0]);
    assert.equal(e['evt.arg.newfd'], 1);
    assert.equal(e['evt.arg.flags'], 'O_CLOEXEC');
    assert.equal(e['fd.is_socket'], false);
    assert.equal(e['fd.sockfamily'], '');
  });

  it('socket: AF_PACKET, SOCK_RAW', function () {
    const o = ops.packet;
    assert.ok(o.ret >= 0, `socket returned ${o.ret}`);
    const e = evOf('packet', 'socket');
    assertResult(e, o.ret, 'SUCCESS');
    assert.equal(e['evt.arg.domain'], 'AF_PACKET');
    assert.equal(e['evt.arg.type'], 'SOCK_RAW');
    assert.equal(e['evt.arg.proto'], 0);
    assert.equal(e['fd.num'], o.ret);
  });

  it('rename: both relative paths made absolute against the cwd', function () {
    assert.equal(ops.rename.ret, 0);
    const e = evOf('rename', 'rename');
    assertResult(e, 0, 'SUCCESS');
    assert.equal(e['evt.arg.oldpath'], p('f1'));
    assert.equal(e['evt.arg.newpath'], p('f2'));
    assert.equal(e['evt.arg.oldpath_raw'], 'f1');
    assert.equal(e['evt.arg.newpath_raw'], 'f2');
    assert.equal(e['fd.name'], p('f2'));
    assert.ok(fs.existsSync(p('f2')));
  });

  it('rename: a failure shows ENOENT and the paths asked for', function () {
    assert.equal(ops.renameMissing.ret, -2);
    const e = evOf('renameMissing', 'rename');
    assertResult(e, -2, 'ENOENT');
    assert.equal(e['evt.arg.oldpath'], p('no-such'));
    assert.equal(e['evt.arg.newpath'], '/nonexistent/x');
  });

  it('renameat: old path against its dirfd, new path against the cwd (AT_FDCWD)', function () {
    assert.equal(ops.renameat.ret, 0);
    const e = evOf('renameat', 'renameat');
    assertResult(e, 0, 'SUCCESS');
    assert.equal(e['evt.arg.oldpath'], p('sub1/r1'));
    assert.equal(e['evt.arg.newpath'], p('r2'));
    assert.equal(e['evt.arg.oldpath_raw'], 'r1');
    assert.equal(e['evt.arg.newpath_raw'], 'r2');
  });

  it('renameat2: old path against the cwd, new path against its dirfd, RENAME_NOREPLACE', function () {
    assert.equal(ops.renameat2.ret, 0);
    const e = evOf('renameat2', 'renameat2');
    assertResult(e, 0, 'SUCCESS');
    assert.equal(e['evt.arg.oldpath'], p('r2'));
    assert.equal(e['evt.arg.newpath'], p('sub2/r3'));
    assert.equal(e['evt.arg.flags'], 'RENAME_NOREPLACE');
    assert.equal(e['fd.name'], p('sub2/r3'));
  });

  it('link and linkat: target and link path, absolute', function () {
    assert.equal(ops.link.ret, 0);
    const l = evOf('link', 'link');
    assertResult(l, 0, 'SUCCESS');
    assert.equal(l['evt.arg.target'], p('l0'));
    assert.equal(l['evt.arg.linkpath'], p('l1'));
    assert.equal(l['evt.arg.linkpath_raw'], 'l1');
    assert.equal(ops.linkat.ret, 0);
    const la = evOf('linkat', 'linkat');
    assertResult(la, 0, 'SUCCESS');
    assert.equal(la['evt.arg.target'], p('sub1/l0b'));
    assert.equal(la['evt.arg.linkpath'], p('l2'));
    assert.equal(la['evt.arg.flags'], 'AT_SYMLINK_FOLLOW');
    assert.equal(la['fd.name'], p('l2'));
  });

  it('symlink and symlinkat: the target as given, the link path absolute', function () {
    assert.equal(ops.symlink.ret, 0);
    const s = evOf('symlink', 'symlink');
    assertResult(s, 0, 'SUCCESS');
    assert.equal(s['evt.arg.target'], '../target-x');
    assert.equal(s['evt.arg.linkpath'], p('sub1/sl3'));
    assert.equal(s['evt.arg.linkpath_raw'], 'sl3');
    assert.equal(fs.readlinkSync(p('sub1/sl3')), '../target-x');
    assert.equal(ops.symlinkat.ret, 0);
    const sa = evOf('symlinkat', 'symlinkat');
    assertResult(sa, 0, 'SUCCESS');
    assert.equal(sa['evt.arg.target'], '/etc/shadow');
    assert.equal(sa['evt.arg.linkpath'], p('sub2/sl4'));
    assert.equal(sa['fd.name'], p('sub2/sl4'));
  });

  it('unlink and unlinkat: the removed path, absolute; AT_REMOVEDIR named', function () {
    assert.equal(ops.unlink.ret, 0);
    const u = evOf('unlink', 'unlink');
    assertResult(u, 0, 'SUCCESS');
    assert.equal(u['fd.name'], p('sub1/sl'));
    assert.equal(u['fd.nameraw'], 'sl');
    assert.equal(ops.unlinkat.ret, 0);
    const ua = evOf('unlinkat', 'unlinkat');
    assertResult(ua, 0, 'SUCCESS');
    assert.equal(ua['fd.name'], p('sub2/sl2'));
    assert.equal(ua['evt.arg.flags'], '0');
    assert.equal(ops.rmdir.ret, 0);
    const rd = evOf('rmdir', 'unlinkat');
    assertResult(rd, 0, 'SUCCESS');
    assert.equal(rd['fd.name'], p('rmme'));
    assert.equal(rd['evt.arg.flags'], 'AT_REMOVEDIR');
    assert.ok(!fs.existsSync(p('rmme')));
  });

  it('chmod, fchmod, fchmodat: the file path and the mode in octal', function () {
    assert.equal(ops.chmod.ret, 0);
    const c = evOf('chmod', 'chmod');
    assertResult(c, 0, 'SUCCESS');
    assert.equal(c['fd.name'], p('c1'));
    assert.equal(c['fd.nameraw'], 'c1');
    assert.equal(c['evt.arg.mode'], '04755');
    assert.equal(ops.fchmod.ret, 0);
    const f = evOf('fchmod', 'fchmod');
    assertResult(f, 0, 'SUCCESS');
    assert.equal(f['evt.arg.fd'], ops.fchmod.extra[0]);
    assert.equal(f['fd.name'], p('c1'));
    assert.equal(f['evt.arg.mode'], '0600');
    assert.equal(fs.statSync(p('c1')).mode & 0o7777, 0o600);
    assert.equal(ops.fchmodat.ret, 0);
    const fa = evOf('fchmodat', 'fchmodat');
    assertResult(fa, 0, 'SUCCESS');
    assert.equal(fa['fd.name'], p('sub1/c2'));
    assert.equal(fa['evt.arg.mode'], '0640');
  });

  it('fchmodat2 (Linux 6.6): the file path, the mode and the flags', function () {
    if (!fs.existsSync('/sys/kernel/tracing/events/syscalls/sys_enter_fchmodat2')) this.skip();
    assert.equal(ops.fchmodat2.ret, 0);
    const e = evOf('fchmodat2', 'fchmodat2');
    assertResult(e, 0, 'SUCCESS');
    assert.equal(e['fd.name'], p('sub1/c2'));
    assert.equal(e['evt.arg.mode'], '0644');
    assert.equal(e['evt.arg.flags'], '0');
  });

  it('fchmod of a memfd names it as the kernel does: memfd:NAME', function () {
    assert.equal(ops.fchmodMemfd.ret, 0);
    const e = evOf('fchmodMemfd', 'fchmod');
    assert.equal(e['fd.name'], 'memfd:kestrel-mem2');
  });

  it('setuid and setgid: the id asked for', function () {
    assert.equal(ops.setuid.ret, 0);
    const u = evOf('setuid', 'setuid');
    assertResult(u, 0, 'SUCCESS');
    assert.equal(u['evt.arg.uid'], 0);
    assert.equal(ops.setgid.ret, 0);
    const g = evOf('setgid', 'setgid');
    assertResult(g, 0, 'SUCCESS');
    assert.equal(g['evt.arg.gid'], 0);
  });

  it('init_module and finit_module: says so when the kernel has no tracepoint for them', function () {
    const logged = trace.stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Fields)
      .filter((l) => l.msg === 'tracepoint not available; not traced')
      .map((l) => l.program);
    for (const sc of ['init_module', 'finit_module']) {
      if (hasTracepoint(sc)) {
        assert.ok(!logged.includes(`enter_${sc}`), `${sc} has a tracepoint, yet the tracer says it is not traced`);
      } else {
        assert.ok(logged.includes(`enter_${sc}`), `no "not traced" warning for enter_${sc}; stderr:\n${trace.stderr}`);
        assert.ok(logged.includes(`exit_${sc}`), `no "not traced" warning for exit_${sc}`);
        assert.equal(ofPid(trace.events, ops[sc === 'init_module' ? 'initModule' : 'finitModule'].pid, sc).length, 0);
      }
    }
  });

  it('init_module: length and parameters of the failed load', function () {
    if (!hasTracepoint('init_module')) {
      process.stderr.write(`    (skipped: this kernel has no module support: no ${TRACEFS_SYSCALLS}/sys_enter_init_module)\n`);
      this.skip();
    }
    const o = ops.initModule;
    assert.ok(o.ret < 0, '64 bytes of 0x5a are no module');
    const e = evOf('initModule', 'init_module');
    assertResult(e, o.ret);
    assert.notEqual(e['evt.res'], 'SUCCESS');
    assert.equal(e['evt.arg.len'], 64);
    assert.equal(e['evt.arg.params'], 'kestrel_param=1');
  });

  it('finit_module: the path behind the fd and the parameters', function () {
    if (!hasTracepoint('finit_module')) {
      process.stderr.write(`    (skipped: this kernel has no module support: no ${TRACEFS_SYSCALLS}/sys_enter_finit_module)\n`);
      this.skip();
    }
    const o = ops.finitModule;
    assert.ok(o.ret < 0, '/etc/hostname is no module');
    const e = evOf('finitModule', 'finit_module');
    assertResult(e, o.ret);
    assert.notEqual(e['evt.res'], 'SUCCESS');
    assert.equal(e['evt.arg.fd'], o.extra[0]);
    assert.equal(e['fd.name'], fs.realpathSync('/etc/hostname'));
    assert.equal(e['evt.arg.params'], 'kestrel_param=1');
    assert.equal(e['evt.arg.flags'], 0);
  });

  /** The exec that replaced secops with the memfd program. */
  function memfdExec(name: string): Fields {
    const o = ops[name];
    const ev = ofPid(trace.events, o.pid, 'execve');
    assert.equal(ev.length, 2, `secops, then the memfd program: ${JSON.stringify(ev)}${lossNote(trace)}`);
    assert.equal(ev[0]['proc.exepath'], secops);
    const mc = evOf(name, 'memfd_create');
    assert.equal(mc['evt.arg.name'], 'kestrel-mem');
    assert.equal(mc['fd.num'], o.ret);
    assert.deepEqual(ev[1]['proc.args'], ['kestrel-fileless']);
    return ev[1];
  }

  it('exec of a memfd by execveat(AT_EMPTY_PATH) resolves to memfd:kestrel-mem', function () {
    const e = memfdExec('execMemfd');
    assert.equal(e['proc.exepath'], `/dev/fd/${ops.execMemfd.ret}`); // the kernel's name for it
    assert.equal(e['proc.exepath_resolved'], 'memfd:kestrel-mem');
  });

  it('exec of a memfd by execve("/proc/self/fd/N") resolves to memfd:kestrel-mem', function () {
    const e = memfdExec('execProcfd');
    assert.equal(e['proc.exepath'], `/proc/self/fd/${ops.execProcfd.ret}`);
    assert.equal(e['proc.exepath_resolved'], 'memfd:kestrel-mem');
  });

  /** Renames by busybox mv in the container (whichever syscall it uses). */
  function containerRename(rawOld: string): Fields {
    assert.ok(ctrRun && ctr);
    assert.equal(ctrRun.status, 0, ctrRun.stderr);
    const ev = trace.events.filter(
      (e) =>
        /^rename(at2?)?$/.test(String(e['evt.type'])) &&
        e['proc.mntns'] !== hostMntns &&
        e['evt.arg.oldpath_raw'] === rawOld,
    );
    assert.equal(ev.length, 1, `rename of ${rawOld} in the container: ${JSON.stringify(ev)}${lossNote(trace)}`);
    const e = ev[0];
    assert.equal(e['proc.name'], 'mv');
    assertResult(e, 0, 'SUCCESS');
    for (const k of ['evt.arg.oldpath', 'evt.arg.newpath', 'fd.name'])
      assert.ok(!String(e[k]).includes(ctr.rootfs), `${k} ${e[k]} leaks the host path`);
    return e;
  }

  it('container: mv /tmp/new /etc/resolv.conf shows both paths in the container view', function () {
    if (ctrWhy) {
      process.stderr.write(`    (skipped: ${ctrWhy})\n`);
      this.skip();
    }
    const e = containerRename('/tmp/new');
    assert.equal(e['evt.arg.oldpath'], '/tmp/new');
    assert.equal(e['evt.arg.newpath'], '/etc/resolv.conf');
    assert.equal(e['fd.name'], '/etc/resolv.conf');
    // The container's file was replaced; the host's is untouched.
    assert.ok(!fs.existsSync(path.join(ctr!.rootfs, 'tmp/new')));
    assert.equal(hostResolv, fs.existsSync('/etc/resolv.conf') ? fs.readFileSync('/etc/resolv.conf', 'utf8') : null);
  });

  it('container: cd /etc && mv /tmp/new2 resolv.conf resolves the target to /etc/resolv.conf', function () {
    if (ctrWhy) {
      process.stderr.write(`    (skipped: ${ctrWhy})\n`);
      this.skip();
    }
    const e = containerRename('/tmp/new2');
    assert.equal(e['evt.arg.oldpath'], '/tmp/new2');
    assert.equal(e['evt.arg.newpath_raw'], 'resolv.conf');
    assert.equal(e['evt.arg.newpath'], '/etc/resolv.conf');
    assert.equal(ctrRun!.stdout, 'nameserver 192.0.2.3\n');
  });

  it('exits 0 on SIGINT', function () {
    assert.equal(trace.code, 0, trace.stderr);
    assert.match(trace.stderr, /"msg":"stopped/);
  });
});
