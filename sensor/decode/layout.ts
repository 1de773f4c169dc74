// Byte layout of bpf/include/events.h. test/kernel/layout.test.ts compiles
// the header with a C compiler and checks every size and offset here.
export const EV_COMM_LEN = 16;
export const EV_PATH_MAX = 4096;
export const EV_ARGS_MAX = 8192;

export const Op = { EXEC: 1, FORK: 2, EXIT: 3, OPEN: 4, CONNECT: 5, ACCEPT: 6, SYSCALL: 7, DNS: 8 } as const;
export const DropReason = { RING_FULL: 0, INFLIGHT_FULL: 1 } as const;
export const DROP_REASONS = 2;

export const Header = {
  size: 88,
  op: 0,
  flags: 2,
  recordSize: 4,
  ktimeNs: 8,
  startNs: 16,
  cgroupId: 24,
  pid: 32,
  tid: 36,
  ppid: 40,
  vpid: 44,
  uid: 48,
  gid: 52,
  auid: 56,
  mntns: 60,
  pidns: 64,
  netns: 68,
  comm: 72,
} as const;

export const Exec = {
  size: 120,
  argc: 88,
  argsSize: 92,
  filenameSize: 96,
  exeSize: 98,
  cwdSize: 100,
  flags: 102,
  ruid: 104,
  oldPid: 108,
  tty: 112,
} as const;

export const ExecFlags = {
  ARGS_TRUNCATED: 0x1,
  FILENAME_TRUNCATED: 0x2,
  EXE_TRUNCATED: 0x4,
  CWD_TRUNCATED: 0x8,
} as const;

export const Fork = { size: 96, parentTid: 88 } as const;

export const Exit = { size: 96, exitCode: 88 } as const;

export const Open = {
  size: 136,
  ret: 88,
  flags: 96,
  ino: 104,
  dev: 112,
  mode: 116,
  dirfd: 120,
  iMode: 124,
  syscall: 126,
  rawSize: 128,
  pathSize: 130,
  pathFlags: 132,
} as const;

export const PathFlags = { TRUNCATED: 0x1, IS_BASEDIR: 0x2, RAW_TRUNCATED: 0x4, OUTSIDE_ROOT: 0x8 } as const;

export const OpenSyscall: Record<number, string> = { 1: 'open', 2: 'openat', 3: 'openat2', 4: 'creat' };

export const Net = {
  size: 144,
  ret: 88,
  fd: 92,
  family: 96,
  protocol: 98,
  sockType: 100,
  localPort: 102,
  remotePort: 104,
  unixPathSize: 106,
  flags: 108,
  localAddr: 112,
  remoteAddr: 128,
} as const;

export const NetFlags = { UNIX_PATH_TRUNCATED: 0x1 } as const;

export const Syscall = {
  size: 168,
  ret: 88,
  args: 96,
  syscall: 144,
  flags: 146,
  strSize: 148,
  baseSize: 154,
  aux: 160,
  aux2: 164,
} as const;

export const SyscallFlags = {
  STR_TRUNCATED: 0x1,
  BASE_TRUNCATED: 0x2,
  BASE0_IS_FD: 0x4,
  SOURCE_SOCKET: 0x8,
  NS_FD: 0x10,
  FD_OUTSIDE_ROOT: 0x20,
} as const;

export const SYSCALL_NAMES: readonly string[] = [
  '', 'mount', 'umount2', 'setns', 'unshare', 'ptrace', 'init_module', 'finit_module', 'bpf',
  'memfd_create', 'dup2', 'dup3', 'socket', 'rename', 'renameat', 'renameat2', 'link', 'linkat',
  'symlink', 'symlinkat', 'unlink', 'unlinkat', 'chmod', 'fchmod', 'fchmodat', 'setuid', 'setgid',
  'fchmodat2',
];

export const Dns = {
  size: 144,
  devNetns: 88,
  ifindex: 92,
  dir: 96,
  family: 97,
  sport: 98,
  dport: 100,
  dnsLen: 102,
  captured: 104,
  saddr: 108,
  daddr: 124,
} as const;

export const DnsDir = { QUERY: 0, RESPONSE: 1 } as const;
export const EV_DNS_PAYLOAD_MAX = 512;
export const ExecExeOutsideRoot = 0x10;

// The open filter's maps (events.h: struct interest_key, struct interest_cfg).
/** Directory levels the kernel walks (events.h EV_PATH_DEPTH). */
export const EV_PATH_DEPTH = 160;
export const INTEREST_NAME_MAX = 24;
export const INTEREST_GENS = 2;
export const INTEREST_BLOOM_BITS = 1024;
export const InterestKind = { FINAL: 0x1, PARENT: 0x2, ANCESTOR: 0x4, SUFFIX: 0x8, RAW: 0x10, FAIL_RAW: 0x20 } as const;
export const INTEREST_ON = 0x1;
export const InterestKey = { size: 32, name: 0, len: 24, gen: 26 } as const;
export const InterestCfg = {
  size: 216,
  flags: 0,
  types: 4,
  depth: 8,
  suffixLens: 12,
  rawLens: 16,
  failRawLens: 20,
  bloom: 24,
  failPass: 152,
  failJudge: 184,
} as const;
export const FilterReason = { OPEN_READ: 0, OPEN_FAILED: 1 } as const;
export const FILTER_REASONS = 2;
