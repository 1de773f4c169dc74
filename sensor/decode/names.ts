// Raw kernel numbers and their names (x86-64 and arm64 share these values).

const ERRNO: readonly string[] = [
  'SUCCESS', 'EPERM', 'ENOENT', 'ESRCH', 'EINTR', 'EIO', 'ENXIO', 'E2BIG', 'ENOEXEC', 'EBADF',
  'ECHILD', 'EAGAIN', 'ENOMEM', 'EACCES', 'EFAULT', 'ENOTBLK', 'EBUSY', 'EEXIST', 'EXDEV', 'ENODEV',
  'ENOTDIR', 'EISDIR', 'EINVAL', 'ENFILE', 'EMFILE', 'ENOTTY', 'ETXTBSY', 'EFBIG', 'ENOSPC', 'ESPIPE',
  'EROFS', 'EMLINK', 'EPIPE', 'EDOM', 'ERANGE', 'EDEADLK', 'ENAMETOOLONG', 'ENOLCK', 'ENOSYS',
  'ENOTEMPTY', 'ELOOP', 'E41', 'ENOMSG', 'EIDRM', 'ECHRNG', 'EL2NSYNC', 'EL3HLT', 'EL3RST', 'ELNRNG',
  'EUNATCH', 'ENOCSI', 'EL2HLT', 'EBADE', 'EBADR', 'EXFULL', 'ENOANO', 'EBADRQC', 'EBADSLT', 'E58',
  'EBFONT', 'ENOSTR', 'ENODATA', 'ETIME', 'ENOSR', 'ENONET', 'ENOPKG', 'EREMOTE', 'ENOLINK', 'EADV',
  'ESRMNT', 'ECOMM', 'EPROTO', 'EMULTIHOP', 'EDOTDOT', 'EBADMSG', 'EOVERFLOW', 'ENOTUNIQ', 'EBADFD',
  'EREMCHG', 'ELIBACC', 'ELIBBAD', 'ELIBSCN', 'ELIBMAX', 'ELIBEXEC', 'EILSEQ', 'ERESTART', 'ESTRPIPE',
  'EUSERS', 'ENOTSOCK', 'EDESTADDRREQ', 'EMSGSIZE', 'EPROTOTYPE', 'ENOPROTOOPT', 'EPROTONOSUPPORT',
  'ESOCKTNOSUPPORT', 'EOPNOTSUPP', 'EPFNOSUPPORT', 'EAFNOSUPPORT', 'EADDRINUSE', 'EADDRNOTAVAIL',
  'ENETDOWN', 'ENETUNREACH', 'ENETRESET', 'ECONNABORTED', 'ECONNRESET', 'ENOBUFS', 'EISCONN',
  'ENOTCONN', 'ESHUTDOWN', 'ETOOMANYREFS', 'ETIMEDOUT', 'ECONNREFUSED', 'EHOSTDOWN', 'EHOSTUNREACH',
  'EALREADY', 'EINPROGRESS', 'ESTALE', 'EUCLEAN', 'ENOTNAM', 'ENAVAIL', 'EISNAM', 'EREMOTEIO',
  'EDQUOT', 'ENOMEDIUM', 'EMEDIUMTYPE', 'ECANCELED', 'ENOKEY', 'EKEYEXPIRED', 'EKEYREVOKED',
  'EKEYREJECTED', 'EOWNERDEAD', 'ENOTRECOVERABLE', 'ERFKILL', 'EHWPOISON',
];

/** ENOENT for 2 (or -2); E<n> for numbers without a name. */
export function errnoName(code: number): string {
  const n = Math.abs(code);
  return ERRNO[n] ?? `E${n}`;
}

const O_ACCMODE = 0o3;
const ACCESS = ['O_RDONLY', 'O_WRONLY', 'O_RDWR', 'O_ACCMODE'];
// Order matters: composite flags first, their parts are then removed.
const OPEN_FLAGS: readonly [number, string][] = [
  [0o20200000, 'O_TMPFILE'],
  [0o4010000, 'O_SYNC'],
  [0o100, 'O_CREAT'],
  [0o200, 'O_EXCL'],
  [0o400, 'O_NOCTTY'],
  [0o1000, 'O_TRUNC'],
  [0o2000, 'O_APPEND'],
  [0o4000, 'O_NONBLOCK'],
  [0o10000, 'O_DSYNC'],
  [0o20000, 'O_ASYNC'],
  [0o40000, 'O_DIRECT'],
  [0o100000, 'O_LARGEFILE'],
  [0o200000, 'O_DIRECTORY'],
  [0o400000, 'O_NOFOLLOW'],
  [0o1000000, 'O_NOATIME'],
  [0o2000000, 'O_CLOEXEC'],
  [0o10000000, 'O_PATH'],
];

export const O = {
  WRONLY: 0o1,
  RDWR: 0o2,
  CREAT: 0o100,
  TRUNC: 0o1000,
  APPEND: 0o2000,
  PATH: 0o10000000,
  TMPFILE: 0o20200000,
} as const;

/** "O_WRONLY|O_CREAT|O_TRUNC" for 0o1101. Unknown bits are kept in hex. */
export function openFlagNames(flags: number): string {
  // Flags fit in 32 bits; work on an unsigned copy.
  let rest = flags >>> 0;
  const names = [ACCESS[rest & O_ACCMODE]];
  rest &= ~O_ACCMODE;
  rest >>>= 0;
  for (const [bit, name] of OPEN_FLAGS) {
    if ((rest & bit) >>> 0 === bit) {
      names.push(name);
      rest = (rest & ~bit) >>> 0;
    }
  }
  if (rest) names.push('0x' + rest.toString(16));
  return names.join('|');
}

/** Opened for writing: write access, or creating/truncating. */
export function isWriteOpen(flags: number): boolean {
  return (flags & O_ACCMODE) !== 0 || (flags & (O.CREAT | O.TRUNC)) !== 0;
}

const SIGNALS: readonly string[] = [
  '', 'SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGILL', 'SIGTRAP', 'SIGABRT', 'SIGBUS', 'SIGFPE', 'SIGKILL',
  'SIGUSR1', 'SIGSEGV', 'SIGUSR2', 'SIGPIPE', 'SIGALRM', 'SIGTERM', 'SIGSTKFLT', 'SIGCHLD', 'SIGCONT',
  'SIGSTOP', 'SIGTSTP', 'SIGTTIN', 'SIGTTOU', 'SIGURG', 'SIGXCPU', 'SIGXFSZ', 'SIGVTALRM', 'SIGPROF',
  'SIGWINCH', 'SIGIO', 'SIGPWR', 'SIGSYS',
];

export function signalName(sig: number): string {
  if (sig === 0) return '';
  return SIGNALS[sig] ?? (sig >= 34 && sig <= 64 ? `SIGRTMIN+${sig - 34}` : `SIG${sig}`);
}

/** Falco's fd.typechar for an inode mode: f, d, c, b, p (fifo), u (socket), l. */
export function fileTypeChar(iMode: number): string {
  switch (iMode & 0o170000) {
    case 0o100000: return 'f';
    case 0o040000: return 'd';
    case 0o020000: return 'c';
    case 0o060000: return 'b';
    case 0o010000: return 'p';
    case 0o140000: return 'u';
    case 0o120000: return 'l';
    default: return iMode ? '?' : '';
  }
}
