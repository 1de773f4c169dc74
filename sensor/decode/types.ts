// Typed events: what the decoders produce and every later stage consumes.

/** Fields every kernel record carries (struct event_header). */
export interface EventHeader {
  /** CLOCK_BOOTTIME nanoseconds of the event. */
  ktime: number;
  /** Start of the process (thread group leader), CLOCK_BOOTTIME ns. With pid,
   *  the process's identity: pids recycle, (pid, startTime) does not. */
  startTime: number;
  cgroupId: number;
  pid: number;
  tid: number;
  ppid: number;
  /** pid inside the process's own pid namespace. */
  vpid: number;
  uid: number;
  gid: number;
  /** Login uid; 4294967295 when unset. */
  auid: number;
  mntns: number;
  pidns: number;
  netns: number;
  comm: string;
}

export interface ExecEvent extends EventHeader {
  type: 'exec';
  /** Path given to execve, made absolute against cwd when relative. */
  exepath: string;
  /** The executable the kernel mapped (mm->exe_file), symlinks resolved. */
  exeResolved: string;
  cwd: string;
  args: string[];
  /** The real argument count; larger than args.length when truncated. */
  argc: number;
  argsTruncated: boolean;
  pathTruncated: boolean;
  ruid: number;
  oldPid: number;
}

export interface ForkEvent extends EventHeader {
  type: 'fork';
  parentTid: number;
}

export interface ExitEvent extends EventHeader {
  type: 'exit';
  /** Exit status (0-255), meaningful when signal is 0. */
  exitCode: number;
  /** Terminating signal number, 0 when the process exited normally. */
  signal: number;
  coreDumped: boolean;
}

export interface OpenEvent extends EventHeader {
  type: 'open';
  syscall: string;
  /** fd on success, -errno on failure. */
  ret: number;
  flags: number;
  mode: number;
  dirfd: number;
  /** The path as the kernel resolved it (success), or the absolute path that
   *  was asked for (failure, when its base directory was known), or raw. */
  path: string;
  /** Whether `path` came from the opened file itself. */
  resolved: boolean;
  /** The string the caller passed. */
  raw: string;
  pathTruncated: boolean;
  rawTruncated: boolean;
  ino: number;
  dev: number;
  iMode: number;
}

export type SensorEvent = ExecEvent | ForkEvent | ExitEvent | OpenEvent;
export type EventType = SensorEvent['type'];
export const EVENT_TYPES: readonly EventType[] = ['exec', 'fork', 'exit', 'open'];
