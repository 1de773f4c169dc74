// Lines to a file descriptor without blocking the event loop. process.stdout
// writes synchronously to pipes and files on Linux, so a slow reader of the
// sensor's stdout would stall event processing; here every write is an
// fs.writev on the libuv pool, EAGAIN (a non-blocking fd whose pipe is full)
// is retried after a pause, and write() reports backpressure like a stream.
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';

type Done = (err?: Error | null) => void;

const MAX_IOV = 1024;
const RETRY_MS = 10;

export class FdWriter extends EventEmitter {
  private bufs: Buffer[] = [];
  private cbs: (Done | undefined)[] = [];
  private bytes = 0;
  private writing = false;
  private needDrain = false;

  /** hwm: buffered bytes beyond which write() returns false. */
  constructor(
    readonly fd: number,
    private readonly hwm = 64 * 1024,
  ) {
    super();
  }

  /** Queues chunk; cb runs once it is all written, or with the error that lost it. */
  write(chunk: string, cb?: Done): boolean {
    const b = Buffer.from(chunk, 'utf8');
    this.bufs.push(b);
    this.cbs.push(cb);
    this.bytes += b.length;
    if (!this.writing) this.next();
    if (this.bytes < this.hwm) return true;
    this.needDrain = true;
    return false;
  }

  /** Bytes not yet written. */
  get pendingBytes(): number {
    return this.bytes;
  }

  private next(): void {
    if (this.bufs.length === 0) {
      this.writing = false;
      if (this.needDrain) {
        this.needDrain = false;
        this.emit('drain');
      }
      return;
    }
    this.writing = true;
    const batch = this.bufs.slice(0, MAX_IOV);
    fs.writev(this.fd, batch, (err, n) => {
      if (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN' || code === 'EWOULDBLOCK' || code === 'EBUSY') {
          setTimeout(() => this.next(), RETRY_MS).unref();
          return;
        }
        // The destination is gone (EPIPE, EBADF...): everything queued is lost.
        const cbs = this.cbs;
        this.bufs = [];
        this.cbs = [];
        this.bytes = 0;
        for (const cb of cbs) cb?.(err);
        this.emit('error', err);
        this.next();
        return;
      }
      this.bytes -= n;
      let i = 0;
      while (i < batch.length && n >= batch[i]!.length) n -= batch[i++]!.length;
      const done = this.cbs.splice(0, i);
      this.bufs.splice(0, i);
      if (n > 0) this.bufs[0] = this.bufs[0]!.subarray(n);
      for (const cb of done) cb?.(null);
      this.next();
    });
  }
}
