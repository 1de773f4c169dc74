// The few libc calls the kernel layer needs: mmap for ring buffers, epoll for
// wake-ups, clock_gettime for boot-time clocks, mount for tracefs.
import koffi from 'koffi';

const libc = koffi.load('libc.so.6');

koffi.struct('kestrel_timespec', { tv_sec: 'int64_t', tv_nsec: 'int64_t' });

export const PROT_READ = 0x1;
export const PROT_WRITE = 0x2;
export const MAP_SHARED = 0x01;
export const MAP_FAILED = -1;
export const EPOLL_CLOEXEC = 0o2000000;
export const EPOLL_CTL_ADD = 1;
export const EPOLLIN = 0x001;
export const CLOCK_REALTIME = 0;
export const CLOCK_BOOTTIME = 7;
export const SC_PAGESIZE = 30;
export const EFD_CLOEXEC = 0o2000000;
export const EFD_NONBLOCK = 0o4000;

export const mmap = libc.func('void *mmap(void *addr, size_t len, int prot, int flags, int fd, intptr_t off)');
export const munmap = libc.func('int munmap(void *addr, size_t len)');
export const close = libc.func('int close(int fd)');
export const epollCreate1 = libc.func('int epoll_create1(int flags)');
// struct epoll_event is packed on x86-64: u32 events, u64 data (12 bytes).
export const epollCtl = libc.func('int epoll_ctl(int epfd, int op, int fd, uint8_t *event)');
export const epollWait = libc.func('int epoll_wait(int epfd, _Out_ uint8_t *events, int maxevents, int timeout)');
export const clockGettime = libc.func('int clock_gettime(int clk, _Out_ kestrel_timespec *ts)');
export const mount = libc.func('int mount(const char *source, const char *target, const char *fstype, unsigned long flags, const void *data)');
export const sysconf = libc.func('long sysconf(int name)');
export const eventfd = libc.func('int eventfd(unsigned int initval, int flags)');
export const write = libc.func('long write(int fd, const uint8_t *buf, size_t count)');
export const vsnprintf = libc.func('int vsnprintf(_Out_ uint8_t *buf, size_t size, const char *fmt, void *ap)');
export const strerror = libc.func('const char *strerror(int errnum)');

/** The errno of the last failed libc or libbpf call on this thread. */
export function errno(): number {
  return koffi.errno();
}

/** Address of a pointer returned by mmap, to compare with MAP_FAILED. */
export function address(ptr: unknown): bigint {
  return koffi.address(ptr);
}

export function pageSize(): number {
  return Number(sysconf(SC_PAGESIZE));
}

/** Nanoseconds of a clock as [seconds, nanoseconds]. */
export function clockNs(clock: number): [number, number] {
  const ts = { tv_sec: 0, tv_nsec: 0 };
  if (clockGettime(clock, ts) !== 0) throw new Error(`clock_gettime(${clock}): ${strerror(errno())}`);
  return [Number(ts.tv_sec), Number(ts.tv_nsec)];
}
