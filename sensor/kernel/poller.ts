// Wakes the reader when any ring has data: epoll on the ring fds, waited on
// the libuv pool through koffi's asynchronous calls, so the event loop never
// blocks. A timeout bounds the wait, so a missed wake-up costs at most
// `timeoutMs` of latency, never data.
import * as libc from './libc';

const ONE = Buffer.from([1, 0, 0, 0, 0, 0, 0, 0]);

export class Poller {
  private readonly epfd: number;
  private readonly events = Buffer.alloc(12 * 16);
  private waiting = false;
  private stopped = false;
  private paused = false;
  private stopWaiters: (() => void)[] = [];
  /** Written at stop, so a wait in flight returns at once rather than at its timeout. */
  private readonly stopFd: number;
  wakeups = 0;
  /** Returns with a ring ready: the kernel woke the reader (not a timeout). */
  dataWakeups = 0;

  constructor(fds: number[], private readonly onWake: () => void, private readonly timeoutMs = 500) {
    this.epfd = libc.epollCreate1(libc.EPOLL_CLOEXEC) as number;
    if (this.epfd < 0) throw new Error(`epoll_create1: ${libc.strerror(libc.errno())}`);
    for (const [i, fd] of fds.entries()) {
      const ev = Buffer.alloc(12);
      ev.writeUInt32LE(libc.EPOLLIN, 0);
      ev.writeUInt32LE(i, 4);
      if (libc.epollCtl(this.epfd, libc.EPOLL_CTL_ADD, fd, ev) !== 0) {
        const msg = libc.strerror(libc.errno());
        libc.close(this.epfd);
        throw new Error(`epoll_ctl(ring fd ${fd}): ${msg}`);
      }
    }
    this.stopFd = libc.eventfd(0, libc.EFD_CLOEXEC | libc.EFD_NONBLOCK) as number;
    if (this.stopFd >= 0) {
      const ev = Buffer.alloc(12);
      ev.writeUInt32LE(libc.EPOLLIN, 0);
      ev.writeUInt32LE(fds.length, 4);
      if (libc.epollCtl(this.epfd, libc.EPOLL_CTL_ADD, this.stopFd, ev) !== 0) {
        libc.close(this.stopFd);
        this.stopFd = -1; // stop() then waits for the timeout, as before
      }
    }
  }

  start(): void {
    this.wait();
  }

  /** Stop waiting until resume(); the kernel keeps counting what it drops. */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.wait();
  }

  private wait(): void {
    if (this.waiting || this.stopped || this.paused) return;
    this.waiting = true;
    libc.epollWait.async(this.epfd, this.events, 16, this.timeoutMs, (_err: unknown, ready: unknown) => {
      this.waiting = false;
      if (typeof ready === 'number' && ready > 0) this.dataWakeups++;
      if (this.stopped) {
        this.finish();
        return;
      }
      this.wakeups++;
      this.onWake();
      this.wait();
    });
  }

  private finish(): void {
    libc.close(this.epfd);
    if (this.stopFd >= 0) libc.close(this.stopFd);
    for (const w of this.stopWaiters.splice(0)) w();
  }

  /** Resolves once no wait is pending and the epoll fd is closed. */
  stop(): Promise<void> {
    if (this.stopped && !this.waiting) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.stopWaiters.push(resolve));
    if (!this.stopped) {
      this.stopped = true;
      if (!this.waiting) this.finish();
      else if (this.stopFd >= 0) libc.write(this.stopFd, ONE, 8);
    }
    return done;
  }
}
