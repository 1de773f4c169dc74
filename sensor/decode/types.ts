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
  /**
   * The controlling terminal's device number as /proc/<pid>/stat field 7
   * (tty_nr) encodes it, 0 when none (136 << 8 | n for /dev/pts/n, n < 256).
   * Optional only so that events built by hand stay valid; the decoder
   * always sets it.
   */
  tty?: number;
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

export interface NetEvent extends EventHeader {
  type: 'connect' | 'accept';
  /** connect: 0 or -errno; accept: the new fd. */
  ret: number;
  /** The socket connected, or the listening socket accepted on. */
  fd: number;
  family: number;
  protocol: number;
  sockType: number;
  localAddr: string;
  localPort: number;
  remoteAddr: string;
  remotePort: number;
  /** AF_UNIX: the socket path ("@name" for the abstract namespace). */
  unixPath: string;
  unixPathTruncated: boolean;
}

export interface SyscallEvent extends EventHeader {
  type: 'syscall';
  syscall: string;
  ret: number;
  /** Raw arguments, as unsigned 64-bit values in decimal strings. */
  args: bigint[];
  /** String arguments as passed (paths, names, fstype); '' when none. */
  strs: [string, string, string];
  /** Absolute forms of strs[0] and strs[1] when they are paths. */
  paths: [string, string];
  /** Path of the file behind the fd argument (finit_module, fchmod). */
  fdPath: string;
  truncated: boolean;
  sourceIsSocket: boolean;
  /** setns: the namespace kind of the fd ("mnt", "net", ...). */
  nsKind: string;
  aux: number;
  aux2: number;
}

/** One UDP port 53 packet as the kernel saw it (before pairing). */
export interface DnsPacket extends EventHeader {
  type: 'dnspkt';
  dir: 'query' | 'response';
  devNetns: number;
  ifindex: number;
  family: number;
  saddr: string;
  sport: number;
  daddr: string;
  dport: number;
  dnsLen: number;
  payload: Buffer;
}

export interface DnsEvent extends EventHeader {
  type: 'dns';
  /** A query leaving, its response (paired), or a query with no answer in time. */
  qr: 'query' | 'response' | 'unanswered';
  id: number;
  name: string;
  qtype: number;
  /** Response code; null for queries and unanswered ones. */
  rcode: number | null;
  answers: number;
  latencyMs: number | null;
  nameserver: string;
  nameserverPort: number;
  client: string;
  clientPort: number;
  netns: number;
  /** A response whose query was not seen (sent before tracing began). */
  unmatched: boolean;
}

export type SensorEvent = ExecEvent | ForkEvent | ExitEvent | OpenEvent | NetEvent | SyscallEvent | DnsEvent;
/** What the decoder yields: events, and DNS packets still to be paired. */
export type KernelRecord = SensorEvent | DnsPacket;
export type EventType = SensorEvent['type'];
export const EVENT_TYPES: readonly EventType[] = ['exec', 'fork', 'exit', 'open', 'connect', 'accept', 'dns', 'syscall'];
