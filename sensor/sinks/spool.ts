// An append-only on-disk spool: where alerts wait while Kafka is unreachable
// (architecture.md, decision 8). Records are framed (spool-frame.ts) and
// appended to numbered segment files; a reader hands them out in order and
// the owner acknowledges them once delivered. Acknowledged segments are
// deleted, and the position acknowledged last is kept in a small file
// (`committed`, replaced by rename), so reopening the directory resumes where
// the last process stopped. A clean close writes that file: nothing
// acknowledged is replayed. After a crash, whatever was acknowledged since the
// last commit write is replayed again (at-least-once), and a torn frame at a
// segment's end is cut off and counted.
//
// Appends never block: frames gather in memory and one writer, chained with
// every other file operation so they never interleave, writes them out.
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import type { SpoolOptions } from './options';
import { checkFrame, encodeFrame, framePayload } from './spool-frame';
import { COMMITTED, Cursor, MAX_RECORD_BYTES, recoverSpool, Segment, segName, SpoolPosition } from './spool-recover';

export { MAX_RECORD_BYTES };
export type { SpoolPosition };

const READ_CHUNK = 256 * 1024;

export interface SpoolBatch {
  /** Payloads, oldest first. */
  records: Buffer[];
  /** Where the batch ends; acknowledge with ack(end, records.length). */
  end: SpoolPosition;
}

export interface SpoolStats {
  /** Records appended and not yet acknowledged (in memory or on disk). */
  records: number;
  /** Of those, records not yet written to a file (a crash of the process loses them). */
  pending: number;
  /** Bytes the spool holds: live segment files plus frames not yet written. The cap applies to this. */
  bytes: number;
  /** Records found on disk when the directory was opened. */
  recovered: number;
  appended: number;
  acknowledged: number;
  /** Records refused because the cap was reached (or larger than MAX_RECORD_BYTES). */
  droppedFull: number;
  /** Records lost because the file system refused the write (ENOSPC, EIO). */
  droppedWriteError: number;
  /** Records lost to corruption found while reading (after the open-time check passed). */
  droppedCorrupt: number;
  /** Torn or corrupt segment ends found and truncated, and the bytes cut off. */
  tornTails: number;
  tornBytes: number;
  /** Failed file operations (writes, fsync, commit file, deletes). */
  ioErrors: number;
  segments: number;
}

export interface SpoolTuning {
  /** A new segment starts when the current one reaches this size. */
  segmentBytes?: number;
}

export class Spool {
  readonly dir: string;
  private readonly maxBytes: number;
  private readonly fsyncMode: SpoolOptions['fsync'];
  private readonly segmentBytes: number;
  private segments: Segment[] = [];
  private nextSeq = 1;
  private cursor: Cursor;
  private committed: SpoolPosition;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private diskBytes = 0;
  private skip = 0;
  private wfh: fsp.FileHandle | null = null;
  private rfh: { seq: number; fh: fsp.FileHandle } | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  private writeQueued = false;
  private commitQueued = false;
  private dirty = false;
  private closed = false;
  private timer: NodeJS.Timeout | null = null;
  private readonly s: SpoolStats = {
    records: 0,
    pending: 0,
    bytes: 0,
    recovered: 0,
    appended: 0,
    acknowledged: 0,
    droppedFull: 0,
    droppedWriteError: 0,
    droppedCorrupt: 0,
    tornTails: 0,
    tornBytes: 0,
    ioErrors: 0,
    segments: 0,
  };
  /** The last file-system error, for the owner's log. */
  lastError: Error | null = null;

  /** Opens (creating it 0700) or recovers a spool directory. Throws if the directory is unusable. */
  constructor(opts: SpoolOptions, tuning: SpoolTuning = {}) {
    if (!(opts.maxBytes > 0)) throw new Error(`spool maxBytes must be positive, not ${opts.maxBytes}`);
    this.dir = opts.dir;
    this.maxBytes = opts.maxBytes;
    this.fsyncMode = opts.fsync;
    this.segmentBytes = tuning.segmentBytes ?? Math.min(16 << 20, Math.max(64 << 10, Math.floor(opts.maxBytes / 16)));
    const r = recoverSpool(this.dir);
    this.segments = r.segments;
    this.diskBytes = r.segments.reduce((n, seg) => n + seg.size, 0);
    this.nextSeq = r.nextSeq;
    this.cursor = r.cursor;
    this.committed = { segment: r.cursor.segment, offset: r.cursor.offset };
    this.s.records = this.s.recovered = r.records;
    this.s.tornTails = r.tornTails;
    this.s.tornBytes = r.tornBytes;
    this.collectSync();
    if (this.fsyncMode === 'interval') {
      this.timer = setInterval(() => this.syncIfDirty(), Math.max(10, opts.fsyncIntervalMs));
      this.timer.unref();
    }
  }

  /** Queues a record. False (and counted) when the cap is reached or the spool is closed. */
  append(payload: Buffer): boolean {
    const size = payload.length + 8;
    if (this.closed || payload.length > MAX_RECORD_BYTES || this.diskBytes + this.pendingBytes + size > this.maxBytes) {
      this.s.droppedFull++;
      return false;
    }
    this.pending.push(encodeFrame(payload));
    this.pendingBytes += size;
    this.s.records++;
    this.s.appended++;
    if (!this.writeQueued) {
      this.writeQueued = true;
      void this.enqueue(() => this.writePending());
    }
    return true;
  }

  /** Resolves when everything appended so far is written (and fsynced under 'always'). */
  flushWrites(): Promise<void> {
    return this.enqueue(() => this.writePending());
  }

  /**
   * The next records after the last batch handed out, oldest first; null when
   * there are none. Hand batches out one at a time: acknowledge one before
   * reading the next, or the owner must keep their order itself.
   */
  read(maxRecords: number, maxBytes: number): Promise<SpoolBatch | null> {
    return this.enqueue(async () => {
      await this.writePending();
      const records: Buffer[] = [];
      let bytes = 0;
      while (records.length < maxRecords && bytes < maxBytes) {
        const idx = this.segments.findIndex((s) => s.seq >= this.cursor.segment);
        if (idx < 0) break;
        const seg = this.segments[idx];
        if (seg.seq !== this.cursor.segment) this.cursor = { segment: seg.seq, offset: 0, frame: 0 };
        const left = seg.size - this.cursor.offset;
        if (left <= 0) {
          if (!seg.sealed || idx + 1 >= this.segments.length) break;
          this.cursor = { segment: this.segments[idx + 1].seq, offset: 0, frame: 0 };
          continue;
        }
        let buf = await this.readAt(seg.seq, this.cursor.offset, Math.min(left, Math.max(READ_CHUNK, maxBytes - bytes + 8)));
        const first = checkFrame(buf, 0, MAX_RECORD_BYTES);
        if (first.kind === 'short' && first.size <= left) buf = await this.readAt(seg.seq, this.cursor.offset, first.size);
        let at = 0;
        while (at < buf.length && records.length < maxRecords && bytes < maxBytes) {
          const c = checkFrame(buf, at, MAX_RECORD_BYTES);
          if (c.kind === 'short' && at > 0) break;
          if (c.kind !== 'ok') {
            this.corruptRest(seg);
            break;
          }
          const payload = Buffer.from(framePayload(buf, at));
          at += c.size;
          this.cursor.offset += c.size;
          this.cursor.frame++;
          if (this.skip > 0) {
            this.skip--;
            this.ack(this.cursor, 1);
            continue;
          }
          records.push(payload);
          bytes += payload.length;
        }
      }
      return records.length ? { records, end: { segment: this.cursor.segment, offset: this.cursor.offset } } : null;
    });
  }

  /** Marks records up to `end` (from read()) as delivered; `count` is how many that covers. */
  ack(end: SpoolPosition, count: number): void {
    this.s.records -= count;
    this.s.acknowledged += count;
    this.committed = { segment: end.segment, offset: end.offset };
    for (const seg of this.collectable()) void this.enqueue(() => this.unlink(seg));
    if (this.s.records === 0) void this.enqueue(() => this.retireIdle());
    if (!this.commitQueued) {
      this.commitQueued = true;
      void this.enqueue(() => {
        this.commitQueued = false;
        return this.writeCommit(this.fsyncMode === 'always');
      });
    }
  }

  /**
   * The next `n` records not yet read were delivered some other way (they were
   * written here as a precaution while their send was in flight): read() will
   * acknowledge them instead of handing them out. Only valid for records at
   * the front, i.e. appended while the spool held nothing unacknowledged.
   */
  skipFront(n: number): void {
    this.skip += n;
  }

  stats(): SpoolStats {
    return { ...this.s, pending: this.pending.length, bytes: this.diskBytes + this.pendingBytes, segments: this.segments.length };
  }

  /** Unacknowledged records, including those not yet written. */
  get records(): number {
    return this.s.records;
  }

  /** Writes what is pending, fsyncs (unless 'never') and records the committed position. */
  close(): Promise<void> {
    if (this.closed) return this.chain.then(() => undefined);
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    return this.enqueue(async () => {
      await this.writePending();
      if (this.wfh) {
        if (this.fsyncMode !== 'never') await this.wfh.datasync().catch((e: Error) => this.ioError(e));
        await this.wfh.close().catch((e: Error) => this.ioError(e));
        this.wfh = null;
      }
      await this.closeReader();
      await this.writeCommit(this.fsyncMode !== 'never');
    });
  }

  private enqueue<T>(op: () => Promise<T>): Promise<T> {
    const p = this.chain.then(op);
    this.chain = p.catch(() => undefined);
    return p;
  }

  private ioError(e: Error): void {
    this.s.ioErrors++;
    this.lastError = e;
  }

  private async writePending(): Promise<void> {
    this.writeQueued = false;
    while (this.pending.length) {
      let seg = this.segments[this.segments.length - 1];
      if (!seg || seg.sealed || !this.wfh || seg.size >= this.segmentBytes) {
        try {
          seg = await this.rotate();
        } catch (e) {
          this.dropPending(this.pending.length, e as Error);
          return;
        }
      }
      let n = 0;
      let len = 0;
      while (n < this.pending.length && (n === 0 || seg.size + len + this.pending[n].length <= this.segmentBytes)) {
        len += this.pending[n].length;
        n++;
      }
      const buf = n === 1 ? this.pending[0] : Buffer.concat(this.pending.slice(0, n), len);
      try {
        let done = 0;
        while (done < len) done += (await this.wfh!.write(buf, done, len - done)).bytesWritten;
        if (this.fsyncMode === 'always') await this.wfh!.datasync();
      } catch (e) {
        // A failed write may leave part of a frame behind seg.size: seal the
        // segment so nothing lands after it; the next open cuts it off.
        this.dropPending(n, e as Error);
        if (seg.size > 0) await this.sealActive();
        continue;
      }
      this.pending.splice(0, n);
      this.pendingBytes -= len;
      seg.size += len;
      seg.frames += n;
      this.diskBytes += len;
      this.dirty = true;
    }
  }

  private dropPending(n: number, e: Error): void {
    const dropped = this.pending.splice(0, n);
    for (const f of dropped) this.pendingBytes -= f.length;
    this.s.records -= dropped.length;
    this.s.droppedWriteError += dropped.length;
    this.ioError(e);
  }

  private async rotate(): Promise<Segment> {
    await this.sealActive();
    const seq = this.nextSeq++;
    this.wfh = await fsp.open(path.join(this.dir, segName(seq)), 'a', 0o600);
    const seg: Segment = { seq, size: 0, frames: 0, sealed: false };
    this.segments.push(seg);
    if (this.fsyncMode === 'always') await this.syncDir();
    return seg;
  }

  private async sealActive(): Promise<void> {
    const last = this.segments[this.segments.length - 1];
    if (last) last.sealed = true;
    if (!this.wfh) return;
    const fh = this.wfh;
    this.wfh = null;
    if (this.fsyncMode !== 'never') await fh.datasync().catch((e: Error) => this.ioError(e));
    await fh.close().catch((e: Error) => this.ioError(e));
  }

  private async syncDir(): Promise<void> {
    const d = await fsp.open(this.dir, 'r');
    await d.sync().catch((e: Error) => this.ioError(e));
    await d.close();
  }

  private syncIfDirty(): void {
    if (!this.dirty || !this.wfh) return;
    this.dirty = false;
    void this.enqueue(async () => {
      await this.wfh?.datasync().catch((e: Error) => this.ioError(e));
    });
  }

  private async readAt(seq: number, offset: number, len: number): Promise<Buffer> {
    if (this.rfh?.seq !== seq) {
      await this.closeReader();
      this.rfh = { seq, fh: await fsp.open(path.join(this.dir, segName(seq)), 'r') };
    }
    const buf = Buffer.allocUnsafe(len);
    let got = 0;
    while (got < len) {
      const { bytesRead } = await this.rfh.fh.read(buf, got, len - got, offset + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return got === len ? buf : buf.subarray(0, got);
  }

  private async closeReader(): Promise<void> {
    const r = this.rfh;
    this.rfh = null;
    await r?.fh.close().catch((e: Error) => this.ioError(e));
  }

  /** Corruption after the open-time check (the disk changed under us): the rest of the segment is lost. */
  private corruptRest(seg: Segment): void {
    const lost = seg.frames - this.cursor.frame;
    this.s.records -= lost;
    this.s.droppedCorrupt += lost;
    this.s.tornTails++;
    this.s.tornBytes += seg.size - this.cursor.offset;
    this.cursor.offset = seg.size;
    this.cursor.frame = seg.frames;
    seg.sealed = true;
  }

  /** Sealed segments wholly before the committed position, removed from the list. */
  private collectable(): Segment[] {
    const out: Segment[] = [];
    while (this.segments.length) {
      const s = this.segments[0];
      const acked = s.seq < this.committed.segment || (s.seq === this.committed.segment && this.committed.offset >= s.size);
      if (!s.sealed || !acked) break;
      out.push(this.segments.shift()!);
      this.diskBytes -= s.size;
    }
    return out;
  }

  private async unlink(seg: Segment): Promise<void> {
    if (this.rfh?.seq === seg.seq) await this.closeReader();
    await fsp.unlink(path.join(this.dir, segName(seg.seq))).catch((e: Error) => this.ioError(e));
  }

  /** Everything is acknowledged: the active segment goes too, so an idle spool holds no bytes. */
  private async retireIdle(): Promise<void> {
    const last = this.segments[this.segments.length - 1];
    if (this.s.records !== 0 || this.pending.length || !last || last.sealed) return;
    if (this.committed.segment !== last.seq || this.committed.offset < last.size) return;
    last.sealed = true;
    const fh = this.wfh;
    this.wfh = null;
    await fh?.close().catch((e: Error) => this.ioError(e));
    for (const seg of this.collectable()) await this.unlink(seg);
  }

  private collectSync(): void {
    for (const seg of this.collectable()) fs.unlinkSync(path.join(this.dir, segName(seg.seq)));
  }

  private async writeCommit(sync: boolean): Promise<void> {
    const tmp = path.join(this.dir, `${COMMITTED}.tmp`);
    try {
      const fh = await fsp.open(tmp, 'w', 0o600);
      try {
        await fh.writeFile(`${JSON.stringify(this.committed)}\n`);
        if (sync) await fh.datasync();
      } finally {
        await fh.close();
      }
      await fsp.rename(tmp, path.join(this.dir, COMMITTED));
      if (sync) await this.syncDir();
    } catch (e) {
      this.ioError(e as Error);
    }
  }
}
