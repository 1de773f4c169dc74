// The decoder fed bytes built by hand from the layout: every field lands,
// and malformed records become DecodeErrors, never exceptions.
import { strict as assert } from 'node:assert';
import { decodeRecord, DecodeError } from '../../sensor/decode/decode';
import { Exec, ExecFlags, Exit, Header, Op, Open, PathFlags } from '../../sensor/decode/layout';
import type { ExecEvent, ExitEvent, OpenEvent } from '../../sensor/decode/types';
import type { Bytes } from '../../sensor/kernel/ring';

function header(buf: Buffer, op: number, size: number): void {
  buf.writeUInt16LE(op, Header.op);
  buf.writeUInt32LE(size, Header.recordSize);
  buf.writeBigUInt64LE(123456789012345n, Header.ktimeNs);
  buf.writeBigUInt64LE(5000000000n, Header.startNs);
  buf.writeBigUInt64LE(0x100000abcn, Header.cgroupId);
  buf.writeUInt32LE(4242, Header.pid);
  buf.writeUInt32LE(4243, Header.tid);
  buf.writeUInt32LE(1, Header.ppid);
  buf.writeUInt32LE(7, Header.vpid);
  buf.writeUInt32LE(1000, Header.uid);
  buf.writeUInt32LE(1001, Header.gid);
  buf.writeUInt32LE(0xffffffff, Header.auid);
  buf.writeUInt32LE(4026531841, Header.mntns);
  buf.writeUInt32LE(4026531836, Header.pidns);
  buf.writeUInt32LE(4026531840, Header.netns);
  buf.write('bash\0', Header.comm);
}

/** Put `buf` at an odd place inside a larger buffer, as in a ring. */
function bytes(buf: Buffer, at = 24): [Bytes, number] {
  const big = Buffer.alloc(buf.length + at + 16, 0xaa);
  buf.copy(big, at);
  return [{ view: new DataView(big.buffer, big.byteOffset, big.length), buf: big }, at];
}

describe('decode: bytes to typed events', function () {
  it('decodes an exec record', function () {
    const filename = Buffer.from('run.sh');
    const exe = Buffer.from('/usr/bin/dash');
    const cwd = Buffer.from('/home/u');
    const args = Buffer.from('/bin/sh\0run.sh\0a b\0');
    const len = Exec.size + filename.length + exe.length + cwd.length + args.length;
    const buf = Buffer.alloc(len);
    header(buf, Op.EXEC, len);
    buf.writeUInt32LE(3, Exec.argc);
    buf.writeUInt32LE(args.length, Exec.argsSize);
    buf.writeUInt16LE(filename.length, Exec.filenameSize);
    buf.writeUInt16LE(exe.length, Exec.exeSize);
    buf.writeUInt16LE(cwd.length, Exec.cwdSize);
    buf.writeUInt16LE(0, Exec.flags);
    buf.writeUInt32LE(1000, Exec.ruid);
    Buffer.concat([filename, exe, cwd, args]).copy(buf, Exec.size);
    const [b, off] = bytes(buf);
    const ev = decodeRecord(b, off, len) as ExecEvent;
    assert.equal(ev.type, 'exec');
    assert.equal(ev.pid, 4242);
    assert.equal(ev.tid, 4243);
    assert.equal(ev.comm, 'bash');
    assert.equal(ev.ktime, 123456789012345);
    assert.equal(ev.cgroupId, 0x100000abc);
    assert.equal(ev.auid, 0xffffffff);
    assert.equal(ev.exepath, '/home/u/run.sh');
    assert.equal(ev.exeResolved, '/usr/bin/dash');
    assert.deepEqual(ev.args, ['/bin/sh', 'run.sh', 'a b']);
    assert.equal(ev.argsTruncated, false);
  });

  it('flags truncated arguments', function () {
    const args = Buffer.from('/bin/true\0xxxx');
    const len = Exec.size + args.length;
    const buf = Buffer.alloc(len);
    header(buf, Op.EXEC, len);
    buf.writeUInt32LE(9, Exec.argc);
    buf.writeUInt32LE(args.length, Exec.argsSize);
    buf.writeUInt16LE(ExecFlags.ARGS_TRUNCATED, Exec.flags);
    args.copy(buf, Exec.size);
    const [b, off] = bytes(buf);
    const ev = decodeRecord(b, off, len) as ExecEvent;
    assert.deepEqual(ev.args, ['/bin/true', 'xxxx']);
    assert.equal(ev.argsTruncated, true);
    assert.equal(ev.argc, 9);
  });

  it('decodes a successful open with the kernel path', function () {
    const raw = Buffer.from('./hostname');
    const kpath = Buffer.from('/etc/hostname');
    const len = Open.size + raw.length + kpath.length;
    const buf = Buffer.alloc(len);
    header(buf, Op.OPEN, len);
    buf.writeBigInt64LE(3n, Open.ret);
    buf.writeBigUInt64LE(0o2000000n, Open.flags);
    buf.writeInt32LE(-100, Open.dirfd);
    buf.writeUInt16LE(2, Open.syscall);
    buf.writeUInt16LE(0o100644, Open.iMode);
    buf.writeUInt16LE(raw.length, Open.rawSize);
    buf.writeUInt16LE(kpath.length, Open.pathSize);
    Buffer.concat([raw, kpath]).copy(buf, Open.size);
    const [b, off] = bytes(buf);
    const ev = decodeRecord(b, off, len) as OpenEvent;
    assert.equal(ev.syscall, 'openat');
    assert.equal(ev.ret, 3);
    assert.equal(ev.path, '/etc/hostname');
    assert.equal(ev.raw, './hostname');
    assert.equal(ev.resolved, true);
    assert.equal(ev.dirfd, -100);
  });

  it('joins a failed relative open to its base directory', function () {
    const raw = Buffer.from('../x');
    const base = Buffer.from('/var/lib');
    const len = Open.size + raw.length + base.length;
    const buf = Buffer.alloc(len);
    header(buf, Op.OPEN, len);
    buf.writeBigInt64LE(-2n, Open.ret);
    buf.writeUInt16LE(raw.length, Open.rawSize);
    buf.writeUInt16LE(base.length, Open.pathSize);
    buf.writeUInt16LE(PathFlags.IS_BASEDIR, Open.pathFlags);
    Buffer.concat([raw, base]).copy(buf, Open.size);
    const [b, off] = bytes(buf);
    const ev = decodeRecord(b, off, len) as OpenEvent;
    assert.equal(ev.ret, -2);
    assert.equal(ev.path, '/var/x');
    assert.equal(ev.resolved, false);
  });

  it('decodes exit status and signal', function () {
    const buf = Buffer.alloc(Exit.size);
    header(buf, Op.EXIT, Exit.size);
    buf.writeUInt32LE((3 << 8) | 0, Exit.exitCode);
    let [b, off] = bytes(buf);
    let ev = decodeRecord(b, off, Exit.size) as ExitEvent;
    assert.deepEqual([ev.exitCode, ev.signal, ev.coreDumped], [3, 0, false]);
    buf.writeUInt32LE(0x80 | 11, Exit.exitCode);
    [b, off] = bytes(buf);
    ev = decodeRecord(b, off, Exit.size) as ExitEvent;
    assert.deepEqual([ev.exitCode, ev.signal, ev.coreDumped], [0, 11, true]);
  });

  it('turns malformed records into DecodeErrors', function () {
    const short = Buffer.alloc(40);
    let [b, off] = bytes(short);
    assert.ok(decodeRecord(b, off, 40) instanceof DecodeError);

    const unknown = Buffer.alloc(Header.size);
    header(unknown, 99, Header.size);
    [b, off] = bytes(unknown);
    assert.match((decodeRecord(b, off, Header.size) as DecodeError).reason, /unknown op 99/);

    const lying = Buffer.alloc(Open.size);
    header(lying, Op.OPEN, Open.size);
    lying.writeUInt16LE(4000, Open.rawSize); // claims more than the record holds
    [b, off] = bytes(lying);
    assert.ok(decodeRecord(b, off, Open.size) instanceof DecodeError);

    const shortExec = Buffer.alloc(Header.size + 4);
    header(shortExec, Op.EXEC, shortExec.length);
    [b, off] = bytes(shortExec);
    assert.ok(decodeRecord(b, off, shortExec.length) instanceof DecodeError);
  });

  it('never throws on random bytes', function () {
    let seed = 12345;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff;
    for (let i = 0; i < 3000; i++) {
      const len = 2 + (i % 400);
      const buf = Buffer.from(Array.from({ length: len }, rnd));
      buf.writeUInt16LE(1 + (i % 5), 0);
      const [b, off] = bytes(buf);
      const ev = decodeRecord(b, off, len);
      if (!(ev instanceof DecodeError)) JSON.stringify(ev);
    }
  });
});
