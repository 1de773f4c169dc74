// Reads a BPF ring buffer straight from mapped memory: no FFI call and no
// callback per record. Layout (kernel/bpf/ringbuf.c): page 0 holds the
// consumer position (ours to write), page 1 the producer position, then the
// data area mapped twice in a row so that no record wraps. Each record has an
// 8-byte header: u32 length with BUSY (bit 31) and DISCARD (bit 30), then
// the payload, padded to 8 bytes.
import koffi from 'koffi';
import * as libc from './libc';

const BUSY = 0x80000000;
const DISCARD = 0x40000000;
const HDR = 8;
/** Store the consumer position at least this often within one drain. */
const COMMIT_EVERY = 256;

export interface Bytes {
  view: DataView;
  buf: Buffer;
}

/** Called for each record; `off` is where the payload starts in bytes. */
export type RecordHandler = (bytes: Bytes, off: number, len: number) => void;

export class RingReader {
  private consumerPtr: unknown;
  private producerPtr: unknown;
  private readonly consumer: Uint32Array;
  private readonly producer: Uint32Array;
  private readonly bytes: Bytes;
  private readonly mask: number;
  private readonly page: number;
  private closed = false;
  /** Records whose handler threw; the record is skipped, never retried. */
  handlerErrors = 0;
  records = 0;

  constructor(readonly name: string, readonly fd: number, readonly size: number) {
    this.page = libc.pageSize();
    this.mask = size - 1;
    this.consumerPtr = this.map(this.page, libc.PROT_READ | libc.PROT_WRITE, 0);
    try {
      this.producerPtr = this.map(this.page + 2 * size, libc.PROT_READ, this.page);
    } catch (err) {
      libc.munmap(this.consumerPtr, this.page);
      throw err;
    }
    this.consumer = new Uint32Array(koffi.view(this.consumerPtr, this.page), 0, 2);
    const all = koffi.view(this.producerPtr, this.page + 2 * size);
    this.producer = new Uint32Array(all, 0, 2);
    this.bytes = {
      view: new DataView(all, this.page, 2 * size),
      buf: Buffer.from(all, this.page, 2 * size),
    };
  }

  private map(len: number, prot: number, off: number): unknown {
    const p = libc.mmap(null, len, prot, libc.MAP_SHARED, this.fd, off);
    if (!p || libc.address(p) === BigInt.asUintN(64, -1n)) {
      const code = libc.errno();
      throw new Error(`ring ${this.name}: mmap failed: ${libc.strerror(code)}`);
    }
    return p;
  }

  // Positions are u64 in the kernel; as doubles they stay exact up to 2^53
  // bytes (years of traffic at hundreds of MB/s).
  private get consumerPos(): number {
    return this.consumer[1] * 0x100000000 + this.consumer[0];
  }

  private set consumerPos(v: number) {
    this.consumer[0] = v >>> 0;
    this.consumer[1] = Math.floor(v / 0x100000000);
  }

  private get producerPos(): number {
    return this.producer[1] * 0x100000000 + this.producer[0];
  }

  /** Where the kernel has written up to (a snapshot for drain's `until`). */
  position(): number {
    return this.producerPos;
  }

  /** Bytes written by the kernel and not yet consumed. */
  pending(): number {
    return this.closed ? 0 : this.producerPos - this.consumerPos;
  }

  /**
   * Hand every complete record to `handler`, up to `max` records, and not
   * past `until` (a position() snapshot). Returns the number of records
   * consumed (discarded ones included).
   */
  drain(handler: RecordHandler, max = Infinity, until = Infinity): number {
    if (this.closed) return 0;
    const view = this.bytes.view;
    let cons = this.consumerPos;
    let prod = Math.min(this.producerPos, until);
    let n = 0;
    while (cons < prod && n < max) {
      const at = cons & this.mask; // size <= 2^31 and a power of two
      const word = view.getUint32(at, true);
      if (word & BUSY) break; // reserved, not yet committed
      const len = word & 0x3fffffff; // clear BUSY and DISCARD
      if (!(word & DISCARD)) {
        try {
          handler(this.bytes, at + HDR, len);
        } catch {
          this.handlerErrors++;
        }
      }
      cons += (len + HDR + 7) & ~7;
      n++;
      if (n % COMMIT_EVERY === 0) {
        this.consumerPos = cons;
        prod = Math.min(this.producerPos, until);
      }
    }
    this.consumerPos = cons;
    this.records += n;
    return n;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    libc.munmap(this.producerPtr, this.page + 2 * this.size);
    libc.munmap(this.consumerPtr, this.page);
  }
}
