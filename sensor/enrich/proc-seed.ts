// Reads one process from procfs, for the processes that started before the
// sensor did. Every file may vanish between two reads (the process exits):
// that is a normal outcome, returned as null, never thrown. Bytes from the
// workload (comm, arguments, paths) are decoded without loss.
import * as fs from 'node:fs';
import { decodeBytes, splitArgs } from '../decode/strings';
import type { ProcessFields } from './process-types';

/** What /proc tells of a process: the cache's own fields, plus these. */
export interface ProcRecord
  extends Pick<ProcessFields, 'args' | 'cwd' | 'tty' | 'uid' | 'gid' | 'auid' | 'cgroupId' | 'mntns' | 'pidns'> {
  pid: number;
  ppid: number;
  /** /proc/<pid>/stat field 22: start after boot, in clock ticks. */
  startTicks: number;
  name: string;
  /** The exe link (the mapped file); '' for kernel threads and zombies. */
  exe: string;
}

const UNSET_AUID = 4294967295;

/** Every numeric entry of procRoot: the thread group leaders. */
export function listPids(procRoot: string): number[] {
  let names: string[];
  try {
    names = fs.readdirSync(procRoot);
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const n of names) if (/^[0-9]+$/.test(n)) pids.push(Number(n));
  return pids;
}

function readOr<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch {
    return fallback;
  }
}

/** A link target as raw bytes: paths may hold any byte but NUL. */
function link(path: string): Buffer | null {
  return readOr(() => fs.readlinkSync(path, { encoding: 'buffer' }), null);
}

/**
 * comm sits in parentheses and may itself hold ')' and spaces, so the fields
 * start after the last ')'. Returns null for a malformed line.
 */
export function parseStat(buf: Buffer): { name: string; ppid: number; startTicks: number; tty: number } | null {
  const open = buf.indexOf(0x28); // (
  const close = buf.lastIndexOf(0x29); // )
  if (open < 0 || close < open) return null;
  const rest = buf.toString('latin1', close + 2).trim().split(' ');
  // rest[0] is field 3 (state): field N is rest[N - 3].
  const ppid = Number(rest[1]);
  const startTicks = Number(rest[19]);
  if (!Number.isFinite(ppid) || !Number.isFinite(startTicks)) return null;
  // Field 7, tty_nr: printed as a signed int, so a large minor shows negative.
  const tty = Number(rest[4]);
  return { name: decodeBytes(buf, open + 1, close), ppid, startTicks, tty: Number.isInteger(tty) ? tty >>> 0 : 0 };
}

/** The effective id from a "Uid:\treal\teffective\tsaved\tfs" line. */
function effective(status: string, field: 'Uid' | 'Gid'): number {
  const m = new RegExp(`^${field}:\\s+\\d+\\s+(\\d+)`, 'm').exec(status);
  return m ? Number(m[1]) : 0;
}

function nsInode(target: Buffer | null): number {
  const m = target ? /\[(\d+)\]/.exec(target.toString('latin1')) : null;
  return m ? Number(m[1]) : 0;
}

/**
 * The cgroup v2 id is the inode number of the cgroup's directory, which is
 * what the kernel reports as cgroup_id. Memoised per path: most processes
 * share a handful of cgroups.
 */
function cgroupId(cgroupFile: Buffer, cgroupRoot: string, memo: Map<string, number>): number {
  const line = cgroupFile
    .toString('latin1')
    .split('\n')
    .find((l) => l.startsWith('0::'));
  if (!line) return 0;
  const rel = line.slice(3);
  let id = memo.get(rel);
  if (id === undefined) {
    id = readOr(() => Number(fs.statSync(cgroupRoot + rel, { bigint: true }).ino), 0);
    memo.set(rel, id);
  }
  return id;
}

/**
 * Read /proc/<pid>. stat, cmdline and status are required: when one fails
 * the process is gone (null). The links may fail for kernel threads, zombies
 * or lack of permission; then the process's directory is checked once more
 * to tell those apart from a process that vanished mid-read.
 */
export function readProcess(procRoot: string, pid: number, cgroupRoot: string, memo = new Map<string, number>()): ProcRecord | null {
  const dir = `${procRoot}/${pid}`;
  try {
    const stat = parseStat(fs.readFileSync(`${dir}/stat`));
    if (!stat) return null;
    const cmdline = fs.readFileSync(`${dir}/cmdline`);
    const status = fs.readFileSync(`${dir}/status`, 'latin1');
    const exe = link(`${dir}/exe`);
    const cwd = link(`${dir}/cwd`);
    const auid = readOr(() => Number(fs.readFileSync(`${dir}/loginuid`, 'latin1').trim()), UNSET_AUID);
    const cgroup = readOr(() => fs.readFileSync(`${dir}/cgroup`), null);
    const mnt = link(`${dir}/ns/mnt`);
    const pidns = link(`${dir}/ns/pid`);
    if ((exe === null || cwd === null || mnt === null) && !fs.existsSync(`${dir}/stat`)) return null;
    return {
      pid,
      ppid: stat.ppid,
      startTicks: stat.startTicks,
      name: stat.name,
      exe: exe ? decodeBytes(exe, 0, exe.length) : '',
      args: splitArgs(cmdline, 0, cmdline.length),
      cwd: cwd ? decodeBytes(cwd, 0, cwd.length) : '',
      tty: stat.tty,
      uid: effective(status, 'Uid'),
      gid: effective(status, 'Gid'),
      auid: Number.isFinite(auid) ? auid : UNSET_AUID,
      cgroupId: cgroup ? cgroupId(cgroup, cgroupRoot, memo) : 0,
      mntns: nsInode(mnt),
      pidns: nsInode(pidns),
    };
  } catch {
    return null;
  }
}
