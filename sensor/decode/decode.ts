// Bytes of one ring record -> a typed event. Pure: no I/O, no clocks. The
// one entry point dispatches on the header's op code; a record that is too
// short or of an unknown op is reported as a DecodeError, never thrown.
import * as posix from 'node:path';
import type { Bytes } from '../kernel/ring';
import { Exec, ExecFlags, Exit, Fork, Header, Op, Open, OpenSyscall, PathFlags, EV_COMM_LEN } from './layout';
import { decodeBytes, decodeCString, splitArgs } from './strings';
import type { EventHeader, ExecEvent, ExitEvent, ForkEvent, OpenEvent, SensorEvent } from './types';

export class DecodeError {
  constructor(readonly reason: string, readonly op: number, readonly len: number) {}
}

function u64(v: DataView, at: number): number {
  return v.getUint32(at + 4, true) * 0x100000000 + v.getUint32(at, true);
}

function s64(v: DataView, at: number): number {
  return v.getInt32(at + 4, true) * 0x100000000 + v.getUint32(at, true);
}

function header(b: Bytes, o: number): EventHeader {
  const v = b.view;
  return {
    ktime: u64(v, o + Header.ktimeNs),
    startTime: u64(v, o + Header.startNs),
    cgroupId: u64(v, o + Header.cgroupId),
    pid: v.getUint32(o + Header.pid, true),
    tid: v.getUint32(o + Header.tid, true),
    ppid: v.getUint32(o + Header.ppid, true),
    vpid: v.getUint32(o + Header.vpid, true),
    uid: v.getUint32(o + Header.uid, true),
    gid: v.getUint32(o + Header.gid, true),
    auid: v.getUint32(o + Header.auid, true),
    mntns: v.getUint32(o + Header.mntns, true),
    pidns: v.getUint32(o + Header.pidns, true),
    netns: v.getUint32(o + Header.netns, true),
    comm: decodeCString(b.buf, o + Header.comm, o + Header.comm + EV_COMM_LEN),
  };
}

function exec(b: Bytes, o: number, len: number): ExecEvent | DecodeError {
  const v = b.view;
  const fnSize = v.getUint16(o + Exec.filenameSize, true);
  const exeSize = v.getUint16(o + Exec.exeSize, true);
  const cwdSize = v.getUint16(o + Exec.cwdSize, true);
  const argsSize = v.getUint32(o + Exec.argsSize, true);
  if (Exec.size + fnSize + exeSize + cwdSize + argsSize > len) return new DecodeError('exec sizes exceed record', Op.EXEC, len);
  const flags = v.getUint16(o + Exec.flags, true);
  let at = o + Exec.size;
  const filename = decodeBytes(b.buf, at, (at += fnSize));
  const exeResolved = decodeBytes(b.buf, at, (at += exeSize));
  const cwd = decodeBytes(b.buf, at, (at += cwdSize));
  const args = splitArgs(b.buf, at, at + argsSize);
  const exepath = filename.startsWith('/') || !cwd ? filename : posix.join(cwd, filename);
  return {
    type: 'exec',
    ...header(b, o),
    exepath,
    exeResolved,
    cwd,
    args,
    argc: v.getUint32(o + Exec.argc, true),
    argsTruncated: (flags & ExecFlags.ARGS_TRUNCATED) !== 0,
    pathTruncated: (flags & (ExecFlags.FILENAME_TRUNCATED | ExecFlags.EXE_TRUNCATED | ExecFlags.CWD_TRUNCATED)) !== 0,
    ruid: v.getUint32(o + Exec.ruid, true),
    oldPid: v.getUint32(o + Exec.oldPid, true),
  };
}

function fork(b: Bytes, o: number): ForkEvent {
  return { type: 'fork', ...header(b, o), parentTid: b.view.getUint32(o + Fork.parentTid, true) };
}

function exit(b: Bytes, o: number): ExitEvent {
  const status = b.view.getUint32(o + Exit.exitCode, true);
  return {
    type: 'exit',
    ...header(b, o),
    exitCode: (status >> 8) & 0xff,
    signal: status & 0x7f,
    coreDumped: (status & 0x80) !== 0,
  };
}

function open(b: Bytes, o: number, len: number): OpenEvent | DecodeError {
  const v = b.view;
  const rawSize = v.getUint16(o + Open.rawSize, true);
  const pathSize = v.getUint16(o + Open.pathSize, true);
  if (Open.size + rawSize + pathSize > len) return new DecodeError('open sizes exceed record', Op.OPEN, len);
  const pflags = v.getUint16(o + Open.pathFlags, true);
  const at = o + Open.size;
  const raw = decodeBytes(b.buf, at, at + rawSize);
  const kpath = decodeBytes(b.buf, at + rawSize, at + rawSize + pathSize);
  const ret = s64(v, o + Open.ret);
  let path = raw;
  let resolved = false;
  if (ret >= 0 && pathSize > 0) {
    path = kpath;
    resolved = true;
  } else if (pflags & PathFlags.IS_BASEDIR && pathSize > 0) {
    // A failed relative open: the absolute path that was asked for.
    path = posix.join(kpath, raw);
  }
  return {
    type: 'open',
    ...header(b, o),
    syscall: OpenSyscall[v.getUint16(o + Open.syscall, true)] ?? 'open',
    ret,
    flags: u64(v, o + Open.flags),
    mode: v.getUint32(o + Open.mode, true),
    dirfd: v.getInt32(o + Open.dirfd, true),
    path,
    resolved,
    raw,
    pathTruncated: (pflags & PathFlags.TRUNCATED) !== 0,
    rawTruncated: (pflags & PathFlags.RAW_TRUNCATED) !== 0,
    ino: u64(v, o + Open.ino),
    dev: v.getUint32(o + Open.dev, true),
    iMode: v.getUint16(o + Open.iMode, true),
  };
}

/** Decode the record at bytes[off, off + len). */
export function decodeRecord(b: Bytes, off: number, len: number): SensorEvent | DecodeError {
  if (len < Header.size) return new DecodeError('record shorter than header', 0, len);
  const op = b.view.getUint16(off + Header.op, true);
  switch (op) {
    case Op.EXEC:
      return len < Exec.size ? new DecodeError('short exec record', op, len) : exec(b, off, len);
    case Op.OPEN:
      return len < Open.size ? new DecodeError('short open record', op, len) : open(b, off, len);
    case Op.FORK:
      return len < Fork.size ? new DecodeError('short fork record', op, len) : fork(b, off);
    case Op.EXIT:
      return len < Exit.size ? new DecodeError('short exit record', op, len) : exit(b, off);
    default:
      return new DecodeError(`unknown op ${op}`, op, len);
  }
}
