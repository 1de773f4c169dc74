// Names for the arguments of network and security syscalls (x86-64 and
// arm64 share these values).

function table(entries: Record<number, string>, prefix: string): (n: number) => string {
  return (n) => entries[n] ?? `${prefix}${n}`;
}

/** Names of the set bits, in table order; leftover bits in hex. */
function bits(entries: readonly [number, string][], v: number): string {
  const names: string[] = [];
  let rest = v;
  for (const [bit, name] of entries) {
    if (bit !== 0 && (rest & bit) === bit) {
      names.push(name);
      rest &= ~bit;
    }
  }
  if (rest) names.push('0x' + (rest >>> 0).toString(16));
  return names.join('|');
}

export const familyName = table({ 0: 'AF_UNSPEC', 1: 'AF_UNIX', 2: 'AF_INET', 10: 'AF_INET6', 16: 'AF_NETLINK', 17: 'AF_PACKET', 40: 'AF_VSOCK', 44: 'AF_XDP' }, 'AF_');

const SOCK_TYPES: Record<number, string> = { 1: 'SOCK_STREAM', 2: 'SOCK_DGRAM', 3: 'SOCK_RAW', 4: 'SOCK_RDM', 5: 'SOCK_SEQPACKET', 10: 'SOCK_PACKET' };

export function sockTypeName(t: number): string {
  const base = SOCK_TYPES[t & 0xf] ?? `SOCK_${t & 0xf}`;
  const flags = [];
  if (t & 0o4000) flags.push('SOCK_NONBLOCK');
  if (t & 0o2000000) flags.push('SOCK_CLOEXEC');
  return [base, ...flags].join('|');
}

export function l4proto(family: number, protocol: number, sockType: number): string {
  if (family === 1) return 'unix';
  if (protocol === 6) return 'tcp';
  if (protocol === 17) return 'udp';
  if (protocol === 1 || protocol === 58) return 'icmp';
  if (protocol === 0 && (sockType & 0xf) === 1) return 'tcp';
  if (protocol === 0 && (sockType & 0xf) === 2) return 'udp';
  return protocol ? `proto${protocol}` : '';
}

export const ptraceRequestName = table(
  {
    0: 'PTRACE_TRACEME', 1: 'PTRACE_PEEKTEXT', 2: 'PTRACE_PEEKDATA', 3: 'PTRACE_PEEKUSER', 4: 'PTRACE_POKETEXT',
    5: 'PTRACE_POKEDATA', 6: 'PTRACE_POKEUSER', 7: 'PTRACE_CONT', 8: 'PTRACE_KILL', 9: 'PTRACE_SINGLESTEP',
    12: 'PTRACE_GETREGS', 13: 'PTRACE_SETREGS', 14: 'PTRACE_GETFPREGS', 15: 'PTRACE_SETFPREGS', 16: 'PTRACE_ATTACH',
    17: 'PTRACE_DETACH', 24: 'PTRACE_SYSCALL', 0x4200: 'PTRACE_SETOPTIONS', 0x4201: 'PTRACE_GETEVENTMSG',
    0x4204: 'PTRACE_GETREGSET', 0x4205: 'PTRACE_SETREGSET', 0x4206: 'PTRACE_SEIZE', 0x4207: 'PTRACE_INTERRUPT',
    0x4208: 'PTRACE_LISTEN',
  },
  'PTRACE_',
);

const CLONE_NS: readonly [number, string][] = [
  [0x00020000, 'CLONE_NEWNS'],
  [0x02000000, 'CLONE_NEWCGROUP'],
  [0x04000000, 'CLONE_NEWUTS'],
  [0x08000000, 'CLONE_NEWIPC'],
  [0x10000000, 'CLONE_NEWUSER'],
  [0x20000000, 'CLONE_NEWPID'],
  [0x40000000, 'CLONE_NEWNET'],
  [0x00000080, 'CLONE_NEWTIME'],
  [0x00000200, 'CLONE_FS'],
  [0x00000400, 'CLONE_FILES'],
  [0x00000800, 'CLONE_SIGHAND'],
  [0x00002000, 'CLONE_SYSVSEM'],
  [0x00040000, 'CLONE_PIDFD'],
];

export function cloneFlagNames(v: number): string {
  return v === 0 ? '0' : bits(CLONE_NS, v);
}

/** setns: the namespace kind nsfs reports, as the CLONE_NEW* flag. */
export const NS_KIND_FLAG: Record<string, string> = {
  mnt: 'CLONE_NEWNS', cgroup: 'CLONE_NEWCGROUP', uts: 'CLONE_NEWUTS', ipc: 'CLONE_NEWIPC',
  user: 'CLONE_NEWUSER', pid: 'CLONE_NEWPID', net: 'CLONE_NEWNET', time: 'CLONE_NEWTIME',
};

const MOUNT_FLAGS: readonly [number, string][] = [
  [1, 'MS_RDONLY'], [2, 'MS_NOSUID'], [4, 'MS_NODEV'], [8, 'MS_NOEXEC'], [16, 'MS_SYNCHRONOUS'],
  [32, 'MS_REMOUNT'], [64, 'MS_MANDLOCK'], [128, 'MS_DIRSYNC'], [1024, 'MS_NOATIME'], [2048, 'MS_NODIRATIME'],
  [4096, 'MS_BIND'], [8192, 'MS_MOVE'], [16384, 'MS_REC'], [32768, 'MS_SILENT'], [1 << 17, 'MS_UNBINDABLE'],
  [1 << 18, 'MS_PRIVATE'], [1 << 19, 'MS_SLAVE'], [1 << 20, 'MS_SHARED'], [1 << 21, 'MS_RELATIME'],
  [1 << 24, 'MS_STRICTATIME'], [1 << 25, 'MS_LAZYTIME'],
];

export function mountFlagNames(v: number): string {
  // The old magic number 0xC0ED in the top half means "no flags".
  const f = (v & 0xffff0000) === 0xc0ed0000 ? v & 0xffff : v;
  return f === 0 ? '0' : bits(MOUNT_FLAGS, f);
}

const UMOUNT_FLAGS: readonly [number, string][] = [[1, 'MNT_FORCE'], [2, 'MNT_DETACH'], [4, 'MNT_EXPIRE'], [8, 'UMOUNT_NOFOLLOW']];

export function umountFlagNames(v: number): string {
  return v === 0 ? '0' : bits(UMOUNT_FLAGS, v);
}

export const bpfCmdName = table(
  {
    0: 'BPF_MAP_CREATE', 1: 'BPF_MAP_LOOKUP_ELEM', 2: 'BPF_MAP_UPDATE_ELEM', 3: 'BPF_MAP_DELETE_ELEM',
    4: 'BPF_MAP_GET_NEXT_KEY', 5: 'BPF_PROG_LOAD', 6: 'BPF_OBJ_PIN', 7: 'BPF_OBJ_GET', 8: 'BPF_PROG_ATTACH',
    9: 'BPF_PROG_DETACH', 10: 'BPF_PROG_TEST_RUN', 11: 'BPF_PROG_GET_NEXT_ID', 12: 'BPF_MAP_GET_NEXT_ID',
    13: 'BPF_PROG_GET_FD_BY_ID', 14: 'BPF_MAP_GET_FD_BY_ID', 15: 'BPF_OBJ_GET_INFO_BY_FD', 16: 'BPF_PROG_QUERY',
    17: 'BPF_RAW_TRACEPOINT_OPEN', 18: 'BPF_BTF_LOAD', 28: 'BPF_LINK_CREATE', 29: 'BPF_LINK_UPDATE',
  },
  'BPF_CMD_',
);

export const bpfProgTypeName = table(
  {
    0: 'BPF_PROG_TYPE_UNSPEC', 1: 'BPF_PROG_TYPE_SOCKET_FILTER', 2: 'BPF_PROG_TYPE_KPROBE', 3: 'BPF_PROG_TYPE_SCHED_CLS',
    4: 'BPF_PROG_TYPE_SCHED_ACT', 5: 'BPF_PROG_TYPE_TRACEPOINT', 6: 'BPF_PROG_TYPE_XDP', 7: 'BPF_PROG_TYPE_PERF_EVENT',
    8: 'BPF_PROG_TYPE_CGROUP_SKB', 9: 'BPF_PROG_TYPE_CGROUP_SOCK', 17: 'BPF_PROG_TYPE_RAW_TRACEPOINT',
    26: 'BPF_PROG_TYPE_TRACING', 29: 'BPF_PROG_TYPE_LSM', 30: 'BPF_PROG_TYPE_SK_LOOKUP', 31: 'BPF_PROG_TYPE_SYSCALL',
  },
  'BPF_PROG_TYPE_',
);

export function memfdFlagNames(v: number): string {
  return v === 0 ? '0' : bits([[1, 'MFD_CLOEXEC'], [2, 'MFD_ALLOW_SEALING'], [4, 'MFD_HUGETLB'], [8, 'MFD_NOEXEC_SEAL'], [16, 'MFD_EXEC']], v);
}

export function renameFlagNames(v: number): string {
  return v === 0 ? '0' : bits([[1, 'RENAME_NOREPLACE'], [2, 'RENAME_EXCHANGE'], [4, 'RENAME_WHITEOUT']], v);
}

export function atFlagNames(v: number): string {
  return v === 0 ? '0' : bits([[0x100, 'AT_SYMLINK_NOFOLLOW'], [0x200, 'AT_REMOVEDIR'], [0x400, 'AT_SYMLINK_FOLLOW'], [0x1000, 'AT_EMPTY_PATH']], v);
}

export function dupFlagNames(v: number): string {
  return v === 0 ? '0' : bits([[0o2000000, 'O_CLOEXEC']], v);
}
