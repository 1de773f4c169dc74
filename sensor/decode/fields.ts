// A typed event as a flat object of Falco-style field names: what `trace -o
// json` prints and what rules and alerts read (architecture.md, decision 6).
// Raw numbers keep a `_raw` sibling next to their readable form.
import type { BootClock } from '../kernel/clock';
import { errnoName, fileTypeChar, isWriteOpen, openFlagNames, signalName } from './names';
import { qtypeName, rcodeName } from './dns';
import * as sys from './sysnames';
import type { DnsEvent, EventHeader, NetEvent, SensorEvent, SyscallEvent } from './types';

export type FieldValue = string | number | boolean | string[] | Readonly<Record<string, string>> | null;
export type Fields = Record<string, FieldValue>;

const NO_AUID = 4294967295;

/** The name Falco gives the event (evt.type). */
export function evtType(ev: SensorEvent): string {
  switch (ev.type) {
    case 'exec': return 'execve';
    case 'fork': return 'clone';
    case 'exit': return 'procexit';
    case 'open': return ev.syscall;
    case 'connect': return 'connect';
    case 'accept': return 'accept';
    case 'syscall': return ev.syscall;
    case 'dns': return 'dns';
  }
}

function result(ret: number): Fields {
  return { 'evt.res': ret >= 0 ? 'SUCCESS' : errnoName(ret), 'evt.rawres': ret };
}

function netFields(ev: NetEvent, f: Fields): void {
  Object.assign(f, result(ev.ret));
  const proto = sys.l4proto(ev.family, ev.protocol, ev.sockType);
  f['fd.num'] = ev.type === 'accept' ? ev.ret : ev.fd;
  f['fd.l4proto'] = proto;
  f['fd.sockfamily'] = sys.familyName(ev.family);
  f['fd.socktype'] = sys.sockTypeName(ev.sockType);
  if (ev.type === 'accept') f['evt.arg.listen_fd'] = ev.fd;
  if (ev.family === 1) {
    f['fd.name'] = ev.unixPath;
    f['fd.name_truncated'] = ev.unixPathTruncated;
    return;
  }
  // Source is the side that opened the connection, destination the other.
  const local: [string, number] = [ev.localAddr, ev.localPort];
  const remote: [string, number] = [ev.remoteAddr, ev.remotePort];
  const [src, dst] = ev.type === 'connect' ? [local, remote] : [remote, local];
  f['fd.sip'] = src[0];
  f['fd.sport'] = src[1];
  f['fd.dip'] = dst[0];
  f['fd.dport'] = dst[1];
  f['fd.lip'] = local[0];
  f['fd.lport'] = local[1];
  f['fd.rip'] = remote[0];
  f['fd.rport'] = remote[1];
  const ep = (a: [string, number]): string => (a[0].includes(':') ? `[${a[0]}]:${a[1]}` : `${a[0]}:${a[1]}`);
  f['fd.name'] = `${ep(src)}->${ep(dst)}`;
}

function syscallFields(ev: SyscallEvent, f: Fields): void {
  Object.assign(f, result(ev.ret));
  const a = ev.args.map((x) => Number(BigInt.asIntN(64, x)));
  const u32 = (i: number): number => Number(ev.args[i] & 0xffffffffn);
  const s32 = (i: number): number => Number(BigInt.asIntN(32, ev.args[i] & 0xffffffffn));
  f['evt.args_raw'] = ev.args.map((x) => x.toString());
  f['evt.args_truncated'] = ev.truncated;
  const path = (i: 0 | 1): void => {
    f['fd.name'] = ev.paths[i];
    f['fd.nameraw'] = ev.strs[i];
  };
  switch (ev.syscall) {
    case 'mount':
      f['evt.arg.source'] = ev.strs[0];
      f['evt.arg.target'] = ev.paths[1];
      f['evt.arg.target_raw'] = ev.strs[1];
      f['evt.arg.fstype'] = ev.strs[2];
      f['evt.arg.flags'] = sys.mountFlagNames(u32(3));
      f['fd.name'] = ev.paths[1];
      break;
    case 'umount2':
      path(0);
      f['evt.arg.flags'] = sys.umountFlagNames(u32(1));
      break;
    case 'setns':
      f['evt.arg.fd'] = s32(0);
      f['evt.arg.nstype'] = sys.cloneFlagNames(u32(1));
      f['evt.arg.ns_kind'] = ev.nsKind ? sys.NS_KIND_FLAG[ev.nsKind] ?? ev.nsKind : '';
      f['evt.arg.ns_inum'] = ev.aux2;
      break;
    case 'unshare':
      f['evt.arg.flags'] = sys.cloneFlagNames(u32(0));
      break;
    case 'ptrace':
      f['evt.arg.request'] = sys.ptraceRequestName(u32(0));
      f['evt.arg.pid'] = s32(1);
      break;
    case 'init_module':
      f['evt.arg.len'] = a[1];
      f['evt.arg.params'] = ev.strs[0];
      break;
    case 'finit_module':
      f['evt.arg.fd'] = s32(0);
      f['fd.name'] = ev.fdPath;
      f['evt.arg.params'] = ev.strs[0];
      f['evt.arg.flags'] = u32(2);
      break;
    case 'bpf':
      f['evt.arg.cmd'] = sys.bpfCmdName(u32(0));
      if (u32(0) === 5) {
        f['evt.arg.prog_type'] = sys.bpfProgTypeName(ev.aux);
        f['evt.arg.prog_name'] = ev.strs[2];
      }
      break;
    case 'memfd_create':
      f['evt.arg.name'] = ev.strs[0];
      f['evt.arg.flags'] = sys.memfdFlagNames(u32(1));
      f['fd.num'] = ev.ret;
      break;
    case 'dup2':
    case 'dup3':
      f['evt.arg.oldfd'] = s32(0);
      f['evt.arg.newfd'] = s32(1);
      if (ev.syscall === 'dup3') f['evt.arg.flags'] = sys.dupFlagNames(u32(2));
      f['fd.is_socket'] = ev.sourceIsSocket;
      f['fd.sockfamily'] = ev.sourceIsSocket ? sys.familyName(ev.aux) : '';
      break;
    case 'socket':
      f['evt.arg.domain'] = sys.familyName(u32(0));
      f['evt.arg.type'] = sys.sockTypeName(u32(1));
      f['evt.arg.proto'] = u32(2);
      f['fd.num'] = ev.ret;
      break;
    case 'rename':
    case 'renameat':
    case 'renameat2':
      f['evt.arg.oldpath'] = ev.paths[0];
      f['evt.arg.newpath'] = ev.paths[1];
      f['evt.arg.oldpath_raw'] = ev.strs[0];
      f['evt.arg.newpath_raw'] = ev.strs[1];
      if (ev.syscall === 'renameat2') f['evt.arg.flags'] = sys.renameFlagNames(u32(4));
      path(1);
      break;
    case 'link':
    case 'linkat':
    case 'symlink':
    case 'symlinkat':
      // Falco's names: the target the link points at, and the new link.
      f['evt.arg.target'] = ev.syscall.startsWith('sym') ? ev.strs[0] : ev.paths[0];
      f['evt.arg.linkpath'] = ev.paths[1];
      f['evt.arg.linkpath_raw'] = ev.strs[1];
      if (ev.syscall === 'linkat') f['evt.arg.flags'] = sys.atFlagNames(u32(4));
      path(1);
      break;
    case 'unlink':
    case 'unlinkat':
      path(0);
      if (ev.syscall === 'unlinkat') f['evt.arg.flags'] = sys.atFlagNames(u32(2));
      break;
    case 'chmod':
    case 'fchmodat':
    case 'fchmodat2':
      path(0);
      f['evt.arg.mode'] = '0' + (u32(ev.syscall === 'chmod' ? 1 : 2) & 0o7777).toString(8);
      if (ev.syscall === 'fchmodat2') f['evt.arg.flags'] = sys.atFlagNames(u32(3));
      break;
    case 'fchmod':
      f['evt.arg.fd'] = s32(0);
      f['fd.name'] = ev.fdPath;
      f['evt.arg.mode'] = '0' + (u32(1) & 0o7777).toString(8);
      break;
    case 'setuid':
      f['evt.arg.uid'] = u32(0);
      break;
    case 'setgid':
      f['evt.arg.gid'] = u32(0);
      break;
  }
}

function dnsFields(ev: DnsEvent, f: Fields): void {
  f['dns.qr'] = ev.qr;
  f['dns.id'] = ev.id;
  f['dns.name'] = ev.name;
  f['dns.qtype'] = qtypeName(ev.qtype);
  f['dns.qtype_raw'] = ev.qtype;
  f['dns.rcode'] = ev.rcode === null ? null : rcodeName(ev.rcode);
  f['dns.answers'] = ev.answers;
  f['dns.latency_ms'] = ev.latencyMs === null ? null : Math.round(ev.latencyMs * 1000) / 1000;
  f['dns.nameserver'] = ev.nameserver;
  f['dns.nameserver_port'] = ev.nameserverPort;
  f['dns.netns'] = ev.netns;
  f['dns.unmatched'] = ev.unmatched;
  f['fd.l4proto'] = 'udp';
  f['fd.sip'] = ev.client;
  f['fd.sport'] = ev.clientPort;
  f['fd.dip'] = ev.nameserver;
  f['fd.dport'] = ev.nameserverPort;
}

function common(ev: EventHeader & SensorEvent, clock: BootClock | null): Fields {
  return {
    'evt.type': evtType(ev),
    'evt.time': clock ? clock.toIso(ev.ktime) : null,
    'evt.ktime': ev.ktime,
    'proc.pid': ev.pid,
    'proc.tid': ev.tid,
    'proc.ppid': ev.ppid,
    'proc.vpid': ev.vpid,
    'proc.name': ev.comm,
    'proc.start_time': ev.startTime,
    'user.uid': ev.uid,
    'group.gid': ev.gid,
    'user.loginuid': ev.auid === NO_AUID ? -1 : ev.auid,
    'proc.cgroup_id': ev.cgroupId,
    'proc.mntns': ev.mntns,
    'proc.pidns': ev.pidns,
    'proc.netns': ev.netns,
  };
}

export function toFields(ev: SensorEvent, clock: BootClock | null): Fields {
  const f = common(ev, clock);
  switch (ev.type) {
    case 'exec':
      f['proc.exepath'] = ev.exepath;
      f['proc.exepath_resolved'] = ev.exeResolved;
      f['proc.cwd'] = ev.cwd;
      f['proc.args'] = ev.args;
      f['proc.cmdline'] = ev.args.join(' ');
      f['proc.argc'] = ev.argc;
      f['proc.args_truncated'] = ev.argsTruncated;
      f['user.ruid'] = ev.ruid;
      f['proc.tty'] = ev.tty ?? 0;
      f['evt.res'] = 'SUCCESS';
      f['evt.rawres'] = 0;
      break;
    case 'fork':
      f['evt.arg.parent_tid'] = ev.parentTid;
      break;
    case 'exit':
      f['proc.exit_code'] = ev.exitCode;
      f['proc.exit_signal'] = signalName(ev.signal);
      f['proc.core_dumped'] = ev.coreDumped;
      break;
    case 'open':
      f['fd.name'] = ev.path;
      f['fd.nameraw'] = ev.raw;
      f['fd.name_resolved'] = ev.resolved;
      f['fd.name_truncated'] = ev.pathTruncated || ev.rawTruncated;
      f['fd.num'] = ev.ret >= 0 ? ev.ret : -1;
      f['fd.typechar'] = fileTypeChar(ev.iMode);
      f['fd.ino'] = ev.ino;
      f['fd.dev'] = ev.dev;
      f['evt.dirfd'] = ev.dirfd;
      f['evt.flags'] = openFlagNames(ev.flags);
      f['evt.flags_raw'] = ev.flags;
      f['evt.mode'] = '0' + ev.mode.toString(8);
      f['evt.is_open_write'] = isWriteOpen(ev.flags);
      Object.assign(f, result(ev.ret));
      break;
    case 'connect':
    case 'accept':
      netFields(ev, f);
      break;
    case 'syscall':
      syscallFields(ev, f);
      break;
    case 'dns':
      dnsFields(ev, f);
      break;
  }
  return f;
}
