// Wakes the reader when any ring has data: epoll on the ring fds, waited on
// the libuv pool through koffi's asynchronous calls, so the event loop never
// blocks. A timeout bounds the wait, so a missed wake-up costs at most
// `timeoutMs` of latency, never data.
import * as libc from './libc';

export class Poller {
  private readonly epfd: number;
  private readonly events = Buffer.alloc(12 * 16);
  private waiting = false;
  private stopped = false;
  private paused = false;
  private stopWaiters: (() => void)[] = [];
  wakeups = 0;

  constructor(fds: number[], private readonly onWake: () => void, private readonly timeoutMs = 100) {
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
    libc.epollWait.async(this.epfd, this.events, 16, this.timeoutMs, () => {
      this.waiting = false;
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
    for (const w of this.stopWaiters.splice(0)) w();
  }

  /** Resolves once no wait is pending and the epoll fd is closed. */
  stop(): Promise<void> {
    if (this.stopped && !this.waiting) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.stopWaiters.push(resolve));
    if (!this.stopped) {
      this.stopped = true;
      if (!this.waiting) this.finish();
    }
    return done;
  }
}
