// Bytes of one ring record -> a typed event. Pure: no I/O, no clocks. The
// one entry point dispatches on the header's op code; a record that is too
// short or of an unknown op is reported as a DecodeError, never thrown.
import * as posix from 'node:path';
import type { Bytes } from '../kernel/ring';
import { AF_UNIX, ipString } from './addr';
import {
  Dns,
  DnsDir,
  EV_COMM_LEN,
  Exec,
  ExecExeOutsideRoot,
  ExecFlags,
  Exit,
  Fork,
  Header,
  Net,
  NetFlags,
  Op,
  Open,
  OpenSyscall,
  PathFlags,
  Syscall,
  SyscallFlags,
  SYSCALL_NAMES,
} from './layout';
import { decodeBytes, decodeCString, splitArgs } from './strings';
import type { DnsPacket, EventHeader, ExecEvent, ExitEvent, ForkEvent, KernelRecord, NetEvent, OpenEvent, SyscallEvent } from './types';

export class DecodeError {
  constructor(readonly reason: string, readonly op: number, readonly len: number) {}
}

/**
 * A file on an internal mount (the kernel flags the walk as ending outside
 * the task's root) shows as d_path() names it without the leading slash:
 * "memfd:NAME", "pipe:[123]". Only the kernel's flag decides, never the name.
 */
function pseudoName(path: string, outsideRoot: boolean): string {
  return outsideRoot && /^\/[a-z_]+:/.test(path) ? path.slice(1) : path;
}

function u64(v: DataView, at: number): number {
  return v.getUint32(at + 4, true) * 0x100000000 + v.getUint32(at, true);
}

function s64(v: DataView, at: number): number {
  return v.getInt32(at + 4, true) * 0x100000000 + v.getUint32(at, true);
}

/** The header as a fresh object; the decoders add their own fields to it. */
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

/**
 * The kernel's dev_t (major << 20 | minor) in the encoding userspace sees
 * (new_encode_dev, as /proc/<pid>/stat tty_nr and stat(2) st_rdev give it):
 * low 8 minor bits, then 12 major bits, then the high minor bits.
 */
export function encodeDev(kdev: number): number {
  const major = kdev >>> 20;
  const minor = kdev & 0xfffff;
  return ((minor & 0xff) | (major << 8) | ((minor & ~0xff) << 12)) >>> 0;
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
  const exeResolved = pseudoName(decodeBytes(b.buf, at, (at += exeSize)), (flags & ExecExeOutsideRoot) !== 0);
  const cwd = decodeBytes(b.buf, at, (at += cwdSize));
  const args = splitArgs(b.buf, at, at + argsSize);
  const exepath = filename.startsWith('/') || !cwd ? filename : posix.join(cwd, filename);
  // Assigned onto the header object: an object spread here costs ~450 ns an event.
  const ev = header(b, o) as ExecEvent;
  ev.type = 'exec';
  ev.exepath = exepath;
  ev.exeResolved = exeResolved;
  ev.cwd = cwd;
  ev.args = args;
  ev.argc = v.getUint32(o + Exec.argc, true);
  ev.argsTruncated = (flags & ExecFlags.ARGS_TRUNCATED) !== 0;
  ev.pathTruncated = (flags & (ExecFlags.FILENAME_TRUNCATED | ExecFlags.EXE_TRUNCATED | ExecFlags.CWD_TRUNCATED)) !== 0;
  ev.ruid = v.getUint32(o + Exec.ruid, true);
  ev.oldPid = v.getUint32(o + Exec.oldPid, true);
  ev.tty = encodeDev(v.getUint32(o + Exec.tty, true));
  return ev;
}

function fork(b: Bytes, o: number): ForkEvent {
  const ev = header(b, o) as ForkEvent;
  ev.type = 'fork';
  ev.parentTid = b.view.getUint32(o + Fork.parentTid, true);
  return ev;
}

function exit(b: Bytes, o: number): ExitEvent {
  const status = b.view.getUint32(o + Exit.exitCode, true);
  // Assigned onto the header object: an object spread here costs ~450 ns an event.
  const ev = header(b, o) as ExitEvent;
  ev.type = 'exit';
  ev.exitCode = (status >> 8) & 0xff;
  ev.signal = status & 0x7f;
  ev.coreDumped = (status & 0x80) !== 0;
  return ev;
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
    path = pseudoName(kpath, (pflags & PathFlags.OUTSIDE_ROOT) !== 0);
    resolved = true;
  } else if (pflags & PathFlags.IS_BASEDIR && pathSize > 0) {
    // A failed relative open: the absolute path that was asked for.
    path = posix.join(kpath, raw);
  } else if (raw.length > 1 && raw.charCodeAt(0) === 47 /* / */) {
    // A failed absolute open: no file to walk, so "..", "." and "//" are
    // folded as text (a refused write to /proc/sys/fs/../kernel/core_pattern
    // is still a write to core_pattern). The spelling stays in fd.nameraw.
    path = posix.normalize(raw);
  }
  // Assigned onto the header object: an object spread here costs ~450 ns an event.
  const ev = header(b, o) as OpenEvent;
  ev.type = 'open';
  ev.syscall = OpenSyscall[v.getUint16(o + Open.syscall, true)] ?? 'open';
  ev.ret = ret;
  ev.flags = u64(v, o + Open.flags);
  ev.mode = v.getUint32(o + Open.mode, true);
  ev.dirfd = v.getInt32(o + Open.dirfd, true);
  ev.path = path;
  ev.resolved = resolved;
  ev.raw = raw;
  ev.pathTruncated = (pflags & PathFlags.TRUNCATED) !== 0;
  ev.rawTruncated = (pflags & PathFlags.RAW_TRUNCATED) !== 0;
  ev.ino = u64(v, o + Open.ino);
  ev.dev = v.getUint32(o + Open.dev, true);
  ev.iMode = v.getUint16(o + Open.iMode, true);
  return ev;
}

function net(b: Bytes, o: number, len: number): NetEvent | DecodeError {
  const v = b.view;
  const family = v.getUint16(o + Net.family, true);
  const pathSize = v.getUint16(o + Net.unixPathSize, true);
  if (Net.size + pathSize > len) return new DecodeError('net sizes exceed record', Op.CONNECT, len);
  let unixPath = '';
  if (family === AF_UNIX && pathSize > 0) {
    const at = o + Net.size;
    // Abstract socket names start with NUL; show them as "@name".
    unixPath = b.buf[at] === 0 ? '@' + decodeBytes(b.buf, at + 1, trimNul(b.buf, at + 1, at + pathSize)) : decodeCString(b.buf, at, at + pathSize);
  }
  // Assigned onto the header object: an object spread here costs ~450 ns an event.
  const ev = header(b, o) as NetEvent;
  ev.type = v.getUint16(o + Header.op, true) === Op.ACCEPT ? 'accept' : 'connect';
  ev.ret = v.getInt32(o + Net.ret, true);
  ev.fd = v.getInt32(o + Net.fd, true);
  ev.family = family;
  ev.protocol = v.getUint16(o + Net.protocol, true);
  ev.sockType = v.getUint16(o + Net.sockType, true);
  ev.localAddr = ipString(family, b.buf, o + Net.localAddr);
  ev.localPort = v.getUint16(o + Net.localPort, true);
  ev.remoteAddr = ipString(family, b.buf, o + Net.remoteAddr);
  ev.remotePort = v.getUint16(o + Net.remotePort, true);
  ev.unixPath = unixPath;
  ev.unixPathTruncated = (v.getUint16(o + Net.flags, true) & NetFlags.UNIX_PATH_TRUNCATED) !== 0;
  return ev;
}

/** End of meaningful bytes: abstract names may be NUL padded. */
function trimNul(buf: Buffer, start: number, end: number): number {
  let e = end;
  while (e > start && buf[e - 1] === 0) e--;
  return e;
}

function syscall(b: Bytes, o: number, len: number): SyscallEvent | DecodeError {
  const v = b.view;
  const sizes = [0, 1, 2].map((i) => v.getUint16(o + Syscall.strSize + 2 * i, true));
  const bases = [0, 1].map((i) => v.getUint16(o + Syscall.baseSize + 2 * i, true));
  const total = sizes.reduce((a, c) => a + c, 0) + bases[0] + bases[1];
  if (Syscall.size + total > len) return new DecodeError('syscall sizes exceed record', Op.SYSCALL, len);
  const flags = v.getUint16(o + Syscall.flags, true);
  let at = o + Syscall.size;
  const strs = sizes.map((n) => decodeBytes(b.buf, at, (at += n))) as [string, string, string];
  const baseStr = bases.map((n) => decodeBytes(b.buf, at, (at += n)));
  const fdPath = flags & SyscallFlags.BASE0_IS_FD ? pseudoName(baseStr[0], (flags & SyscallFlags.FD_OUTSIDE_ROOT) !== 0) : '';
  const absolute = (i: 0 | 1): string => {
    const s = strs[i];
    if (!s) return '';
    if (s.startsWith('/')) return posix.normalize(s);
    const base = i === 0 && fdPath ? '' : baseStr[i];
    return base ? posix.join(base, s) : s;
  };
  const args: bigint[] = [];
  for (let i = 0; i < 6; i++) args.push(v.getBigUint64(o + Syscall.args + 8 * i, true));
  const nr = v.getUint16(o + Syscall.syscall, true);
  // Assigned onto the header object: an object spread here costs ~450 ns an event.
  const ev = header(b, o) as SyscallEvent;
  ev.type = 'syscall';
  ev.syscall = SYSCALL_NAMES[nr] || `syscall${nr}`;
  ev.ret = s64(v, o + Syscall.ret);
  ev.args = args;
  ev.strs = strs;
  ev.paths = [absolute(0), absolute(1)];
  ev.fdPath = fdPath;
  ev.truncated = (flags & (SyscallFlags.STR_TRUNCATED | SyscallFlags.BASE_TRUNCATED)) !== 0;
  ev.sourceIsSocket = (flags & SyscallFlags.SOURCE_SOCKET) !== 0;
  ev.nsKind = flags & SyscallFlags.NS_FD ? strs[2] : '';
  ev.aux = v.getUint32(o + Syscall.aux, true);
  ev.aux2 = v.getUint32(o + Syscall.aux2, true);
  return ev;
}

function dnsPacket(b: Bytes, o: number, len: number): DnsPacket | DecodeError {
  const v = b.view;
  const captured = v.getUint16(o + Dns.captured, true);
  if (Dns.size + captured > len) return new DecodeError('dns sizes exceed record', Op.DNS, len);
  const family = v.getUint8(o + Dns.family);
  // Assigned onto the header object: an object spread here costs ~450 ns an event.
  const ev = header(b, o) as DnsPacket;
  ev.type = 'dnspkt';
  ev.dir = v.getUint8(o + Dns.dir) === DnsDir.RESPONSE ? 'response' : 'query';
  ev.devNetns = v.getUint32(o + Dns.devNetns, true);
  ev.ifindex = v.getUint32(o + Dns.ifindex, true);
  ev.family = family;
  ev.saddr = ipString(family, b.buf, o + Dns.saddr);
  ev.sport = v.getUint16(o + Dns.sport, true);
  ev.daddr = ipString(family, b.buf, o + Dns.daddr);
  ev.dport = v.getUint16(o + Dns.dport, true);
  ev.dnsLen = v.getUint16(o + Dns.dnsLen, true);
  // Copied out: the ring's memory is reused once the record is consumed.
  ev.payload = Buffer.from(b.buf.subarray(o + Dns.size, o + Dns.size + captured));
  return ev;
}

const MIN_SIZE: Record<number, number> = {
  [Op.EXEC]: Exec.size,
  [Op.OPEN]: Open.size,
  [Op.FORK]: Fork.size,
  [Op.EXIT]: Exit.size,
  [Op.CONNECT]: Net.size,
  [Op.ACCEPT]: Net.size,
  [Op.SYSCALL]: Syscall.size,
  [Op.DNS]: Dns.size,
};

/** Decode the record at bytes[off, off + len). */
export function decodeRecord(b: Bytes, off: number, len: number): KernelRecord | DecodeError {
  if (len < Header.size) return new DecodeError('record shorter than header', 0, len);
  const op = b.view.getUint16(off + Header.op, true);
  const min = MIN_SIZE[op];
  if (min === undefined) return new DecodeError(`unknown op ${op}`, op, len);
  if (len < min) return new DecodeError(`short record for op ${op}`, op, len);
  switch (op) {
    case Op.EXEC:
      return exec(b, off, len);
    case Op.OPEN:
      return open(b, off, len);
    case Op.FORK:
      return fork(b, off);
    case Op.EXIT:
      return exit(b, off);
    case Op.CONNECT:
    case Op.ACCEPT:
      return net(b, off, len);
    case Op.SYSCALL:
      return syscall(b, off, len);
    default:
      return dnsPacket(b, off, len);
  }
}
