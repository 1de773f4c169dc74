// The on-disk spool against a real file system: order across segments, the
// size cap, a torn tail after a crash, and resuming after a restart.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { SpoolOptions } from '../../sensor/sinks/options';
import { Spool, SpoolTuning } from '../../sensor/sinks/spool';

const made: string[] = [];

function tmpDir(): string {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'spool-test-'));
  made.push(parent);
  return path.join(parent, 'spool');
}

function opts(dir: string, over: Partial<SpoolOptions> = {}): SpoolOptions {
  return { dir, maxBytes: 64 << 20, fsync: 'never', fsyncIntervalMs: 100, ...over };
}

/** Record i: its number plus filler so sizes vary and segments fill. */
function rec(i: number): Buffer {
  return Buffer.from(JSON.stringify({ i, pad: 'x'.repeat(i % 97) }));
}

const num = (b: Buffer): number => (JSON.parse(b.toString()) as { i: number }).i;

/** Reads and acknowledges everything, in batches; returns the record numbers. */
async function drain(s: Spool, batch = 37): Promise<number[]> {
  const out: number[] = [];
  for (;;) {
    const b = await s.read(batch, 1 << 20);
    if (!b) return out;
    out.push(...b.records.map(num));
    s.ack(b.end, b.records.length);
  }
}

function segments(dir: string): string[] {
  return fs.readdirSync(dir).filter((n) => n.endsWith('.seg')).sort();
}

const small: SpoolTuning = { segmentBytes: 4096 };

describe('spool', () => {
  after(() => {
    for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  it('replays appended records in order across segments, then deletes them', async () => {
    const dir = tmpDir();
    const s = new Spool(opts(dir), small);
    for (let i = 0; i < 2000; i++) assert.equal(s.append(rec(i)), true);
    assert.equal(s.records, 2000);
    await s.flushWrites();
    assert.ok(segments(dir).length > 10, `expected many segments, got ${segments(dir).length}`);
    // Appends while reading land behind what is there.
    const first = await s.read(500, 1 << 20);
    assert.ok(first);
    s.ack(first.end, first.records.length);
    for (let i = 2000; i < 2500; i++) s.append(rec(i));
    const seen = [...first.records.map(num), ...(await drain(s))];
    assert.deepEqual(seen, Array.from({ length: 2500 }, (_, i) => i));
    assert.equal(s.records, 0);
    await s.close();
    assert.deepEqual(segments(dir), [], 'acknowledged segments are deleted');
    assert.equal(s.stats().bytes, 0);
    assert.equal(s.stats().acknowledged, 2500);
  });

  it('creates the directory 0700 and its files 0600', async () => {
    const dir = tmpDir();
    const s = new Spool(opts(dir, { fsync: 'always' }), small);
    s.append(rec(1));
    const b = await s.read(10, 1 << 20);
    s.ack(b!.end, 1);
    s.append(rec(2));
    await s.close();
    assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
    const files = fs.readdirSync(dir);
    assert.ok(files.includes('committed') && files.some((f) => f.endsWith('.seg')), files.join(' '));
    for (const f of files) assert.equal(fs.statSync(path.join(dir, f)).mode & 0o777, 0o600, f);
  });

  it('drops and counts what exceeds the cap, and takes records again once space is freed', async () => {
    const dir = tmpDir();
    const s = new Spool(opts(dir, { maxBytes: 10_000 }), { segmentBytes: 2048 });
    let taken = 0;
    for (let i = 0; i < 1000; i++) if (s.append(rec(i))) taken++;
    const st = s.stats();
    assert.ok(taken > 50 && taken < 1000, `taken ${taken}`);
    assert.equal(st.droppedFull, 1000 - taken);
    assert.equal(st.records, taken);
    assert.ok(st.bytes <= 10_000, `bytes ${st.bytes}`);
    await s.flushWrites();
    const onDisk = segments(dir).reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0);
    assert.ok(onDisk <= 10_000, `on disk ${onDisk}`);
    assert.deepEqual(await drain(s), Array.from({ length: taken }, (_, i) => i));
    await s.flushWrites();
    assert.equal(s.append(rec(5000)), true);
    assert.deepEqual(await drain(s), [5000]);
    await s.close();
  });

  it('detects a torn tail after a crash, truncates it, counts it and keeps the whole records', async () => {
    const dir = tmpDir();
    const crashed = new Spool(opts(dir), small);
    for (let i = 0; i < 10; i++) crashed.append(rec(i));
    await crashed.flushWrites();
    // The process dies in the middle of a write: a header promising 100
    // bytes, and 10 of them.
    const last = path.join(dir, segments(dir).pop()!);
    const torn = Buffer.alloc(18);
    torn.writeUInt32LE(100, 0);
    torn.writeUInt32LE(0xdeadbeef, 4);
    fs.appendFileSync(last, torn);
    const sizeBefore = fs.statSync(last).size;

    const s = new Spool(opts(dir), small);
    const st = s.stats();
    assert.equal(st.tornTails, 1);
    assert.equal(st.tornBytes, 18);
    assert.equal(st.recovered, 10);
    assert.equal(fs.statSync(last).size, sizeBefore - 18);
    s.append(rec(10));
    assert.deepEqual(await drain(s), Array.from({ length: 11 }, (_, i) => i));
    await s.close();
    await crashed.close(); // only to release its files
  });

  it('treats a record whose bytes changed as the torn end of its segment', async () => {
    const dir = tmpDir();
    const crashed = new Spool(opts(dir), { segmentBytes: 1 << 20 });
    for (let i = 0; i < 5; i++) crashed.append(rec(i));
    await crashed.flushWrites();
    const file = path.join(dir, segments(dir)[0]);
    const buf = fs.readFileSync(file);
    buf[buf.length - 3] ^= 0xff; // a payload byte of the last record
    fs.writeFileSync(file, buf);

    const s = new Spool(opts(dir), small);
    assert.equal(s.stats().tornTails, 1);
    assert.deepEqual(await drain(s), [0, 1, 2, 3]);
    await s.close();
    await crashed.close();
  });

  it('resumes after a clean restart where it stopped, replaying nothing acknowledged', async () => {
    const dir = tmpDir();
    const a = new Spool(opts(dir, { fsync: 'interval', fsyncIntervalMs: 20 }), small);
    for (let i = 0; i < 300; i++) a.append(rec(i));
    let acked = 0;
    while (acked < 140) {
      const b = await a.read(7, 1 << 20);
      a.ack(b!.end, b!.records.length);
      acked += b!.records.length;
    }
    await a.close();

    const b = new Spool(opts(dir), small);
    assert.equal(b.stats().recovered, 300 - 140);
    b.append(rec(300));
    assert.deepEqual(await drain(b), Array.from({ length: 161 }, (_, i) => 140 + i));
    await b.close();
    const c = new Spool(opts(dir), small);
    assert.equal(c.records, 0);
    assert.equal(await c.read(10, 1 << 20), null);
    await c.close();
  });

  it('after a crash, replays from the last committed position (at-least-once, never less)', async () => {
    const dir = tmpDir();
    const a = new Spool(opts(dir), small);
    for (let i = 0; i < 100; i++) a.append(rec(i));
    const b1 = await a.read(40, 1 << 20);
    a.ack(b1!.end, 40);
    await a.flushWrites(); // the commit write is chained before this
    // Read and acknowledged, but the process dies before the commit is written.
    const b2 = await a.read(10, 1 << 20);
    a.ack(b2!.end, 10);
    // no close: crash

    const b = new Spool(opts(dir), small);
    const replay = await drain(b);
    assert.ok(replay[0] === 40 || replay[0] === 50, `resumed at ${replay[0]}`);
    assert.deepEqual(replay, Array.from({ length: 100 - replay[0] }, (_, i) => replay[0] + i));
    await b.close();
    await a.close();
  });

  it('skips records at the front that were delivered another way', async () => {
    const dir = tmpDir();
    const s = new Spool(opts(dir), small);
    for (let i = 0; i < 10; i++) s.append(rec(i));
    s.skipFront(4);
    assert.deepEqual(await drain(s), [4, 5, 6, 7, 8, 9]);
    assert.equal(s.records, 0);
    await s.close();
  });
});
