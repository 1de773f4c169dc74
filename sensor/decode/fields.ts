// A typed event as a flat object of Falco-style field names: what `trace -o
// json` prints and what rules and alerts read (architecture.md, decision 6).
// Raw numbers keep a `_raw` sibling next to their readable form.
import type { BootClock } from '../kernel/clock';
import { errnoName, fileTypeChar, isWriteOpen, openFlagNames, signalName } from './names';
import type { EventHeader, SensorEvent } from './types';

export type FieldValue = string | number | boolean | string[] | null;
export type Fields = Record<string, FieldValue>;

const NO_AUID = 4294967295;

/** The name Falco gives the event (evt.type). */
export function evtType(ev: SensorEvent): string {
  switch (ev.type) {
    case 'exec': return 'execve';
    case 'fork': return 'clone';
    case 'exit': return 'procexit';
    case 'open': return ev.syscall;
  }
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
      f['evt.res'] = ev.ret >= 0 ? 'SUCCESS' : errnoName(ev.ret);
      f['evt.rawres'] = ev.ret;
      break;
  }
  return f;
}
