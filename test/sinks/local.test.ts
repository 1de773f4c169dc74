// The local sinks: stdout (JSON lines, never blocking, bounded), memory, and
// the fan-out that isolates sinks from each other.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { formatFalco } from '../../sensor/alerts/falco';
import type { Alert } from '../../sensor/alerts/types';
import { Fanout } from '../../sensor/sinks/fanout';
import { FdWriter } from '../../sensor/sinks/fd-writer';
import { MemorySink } from '../../sensor/sinks/memory';
import { StdoutSink } from '../../sensor/sinks/stdout';
import type { Sink, SinkStats } from '../../sensor/sinks/types';
import { HOSTILE, makeAlert } from '../alerts/fixture';

/** A writable that keeps what it gets; slow when delayMs > 0. */
function collector(delayMs = 0, highWaterMark = 16 * 1024): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    highWaterMark,
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk);
      if (delayMs) setTimeout(cb, delayMs);
      else cb();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

function accounted(s: SinkStats): number {
  return s.delivered + Object.values(s.dropped).reduce((a, b) => a + b, 0) + s.queued;
}

describe('sinks: stdout', function () {
  it('writes one parseable JSON line per alert', async function () {
    const c = collector();
    const sink = new StdoutSink({ formatter: formatFalco, stream: c.stream });
    const sent = Object.values(HOSTILE).map((s) => makeAlert({ output: s }));
    for (const a of sent) sink.write(a);
    await sink.flush(Date.now() + 5000);
    const lines = c.text().split('\n');
    assert.equal(lines.pop(), '', 'ends with a newline');
    assert.equal(lines.length, sent.length);
    assert.deepEqual(lines.map((l) => JSON.parse(l).uuid), sent.map((a) => a.uuid));
    const st = sink.stats();
    assert.equal(st.received, sent.length);
    assert.equal(st.delivered, sent.length);
    assert.equal(st.queued, 0);
    await sink.close(Date.now() + 1000);
  });

  it('never blocks: a slow stream fills a bounded queue, the excess is dropped and counted', async function () {
    const c = collector(2, 1024);
    const sink = new StdoutSink({ formatter: formatFalco, stream: c.stream, queueSize: 20 });
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < 500; i++) sink.write(makeAlert());
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    assert.ok(ms < 1000, `500 writes took ${ms} ms`);
    const before = sink.stats();
    assert.ok((before.dropped.queue_full ?? 0) > 400, JSON.stringify(before));
    assert.ok(before.queued <= 20 + 5, `queued ${before.queued}`);
    assert.equal(accounted(before), 500);
    await sink.flush(Date.now() + 10_000);
    const after = sink.stats();
    assert.equal(after.queued, 0);
    assert.equal(after.delivered + after.dropped.queue_full!, 500);
    assert.equal(c.text().split('\n').length - 1, after.delivered);
  });

  it('counts write errors on a broken stream and does not throw', async function () {
    const stream = new Writable({ write: (_c, _e, cb) => cb(new Error('EPIPE')) });
    const sink = new StdoutSink({ formatter: formatFalco, stream });
    for (let i = 0; i < 5; i++) sink.write(makeAlert());
    await sink.flush(Date.now() + 1000);
    const st = sink.stats();
    assert.ok(st.errors >= 1);
    assert.equal(st.delivered, 0);
    assert.equal(accounted(st), 5);
  });

  it('counts an alert the formatter throws on', function () {
    const sink = new StdoutSink({ formatter: () => { throw new Error('x'); }, stream: collector().stream });
    sink.write(makeAlert());
    assert.deepEqual(sink.stats().dropped, { format_error: 1 });
  });

  it('drops and counts after close', async function () {
    const sink = new StdoutSink({ formatter: formatFalco, stream: collector().stream });
    await sink.close(Date.now() + 1000);
    sink.write(makeAlert());
    assert.deepEqual(sink.stats().dropped, { closed: 1 });
  });
});

describe('sinks: FdWriter (the default stdout)', function () {
  let dir: string;
  before(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kestrel-fd-'));
  });
  after(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes whole lines to a file descriptor', async function () {
    const file = path.join(dir, 'out.jsonl');
    const fd = fs.openSync(file, 'w');
    const sink = new StdoutSink({ formatter: formatFalco, stream: new FdWriter(fd) });
    const sent: Alert[] = [];
    for (let i = 0; i < 2000; i++) sent.push(makeAlert({ output: `${i} ${HOSTILE.newlines}` }));
    for (const a of sent) sink.write(a);
    await sink.flush(Date.now() + 10_000);
    fs.closeSync(fd);
    const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
    const st = sink.stats();
    assert.equal(st.delivered + (st.dropped.queue_full ?? 0), 2000);
    assert.equal(lines.length, st.delivered);
    for (const l of lines) JSON.parse(l);
  });

  it('a full pipe nobody reads blocks nothing; reading it drains everything kept', async function () {
    const fifo = path.join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    // O_RDWR: opening does not wait for a reader; O_NONBLOCK: a full pipe gives EAGAIN.
    const wfd = fs.openSync(fifo, fs.constants.O_RDWR | fs.constants.O_NONBLOCK);
    const rfd = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    const sink = new StdoutSink({ formatter: formatFalco, stream: new FdWriter(wfd), queueSize: 100 });
    const t0 = Date.now();
    for (let i = 0; i < 5000; i++) sink.write(makeAlert({ output: `n=${i}` }));
    // The event loop stays free while the pipe is full.
    const tick = Date.now();
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(Date.now() - tick < 500, 'event loop stalled');
    assert.ok(Date.now() - t0 < 3000);
    const mid = sink.stats();
    assert.ok((mid.dropped.queue_full ?? 0) > 0, 'the excess was dropped');
    assert.equal(accounted(mid), 5000);

    let text = '';
    const buf = Buffer.alloc(1 << 16);
    const flushed = sink.flush(Date.now() + 10_000);
    let done = false;
    void flushed.then(() => (done = true));
    while (!done) {
      try {
        const n = fs.readSync(rfd, buf);
        text += buf.toString('utf8', 0, n);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
        await new Promise((r) => setTimeout(r, 5));
      }
    }
    for (;;) {
      try {
        const n = fs.readSync(rfd, buf);
        if (n === 0) break;
        text += buf.toString('utf8', 0, n);
      } catch {
        break;
      }
    }
    fs.closeSync(wfd);
    fs.closeSync(rfd);
    const end = sink.stats();
    const lines = text.trimEnd().split('\n');
    assert.equal(lines.length, end.delivered);
    assert.equal(end.delivered + end.dropped.queue_full!, 5000);
    const ns = lines.map((l) => Number(/n=(\d+)/.exec(JSON.parse(l).output)![1]));
    assert.deepEqual(ns, [...ns].sort((a, b) => a - b), 'in order');
  });

  it('a closed descriptor: errors counted, nothing thrown', async function () {
    const fd = fs.openSync(path.join(dir, 'closed'), 'w');
    fs.closeSync(fd);
    const sink = new StdoutSink({ formatter: formatFalco, stream: new FdWriter(fd) });
    for (let i = 0; i < 3; i++) sink.write(makeAlert());
    await sink.flush(Date.now() + 2000);
    const st = sink.stats();
    assert.ok(st.errors >= 1);
    assert.equal(st.dropped.write_error, 3);
  });
});

describe('sinks: memory', function () {
  it('keeps alerts and lines, bounded', function () {
    const m = new MemorySink({ capacity: 2, formatter: formatFalco });
    for (let i = 0; i < 3; i++) m.write(makeAlert());
    assert.equal(m.alerts.length, 2);
    assert.equal(m.lines.length, 2);
    assert.deepEqual(m.stats(), { received: 3, delivered: 2, dropped: { queue_full: 1 }, queued: 0, errors: 0 });
  });
});

class Stuck implements Sink {
  readonly name = 'stuck';
  write(): void {}
  flush(): Promise<void> {
    return new Promise(() => undefined);
  }
  close(): Promise<void> {
    return new Promise(() => undefined);
  }
  stats(): SinkStats {
    return { received: 0, delivered: 0, dropped: {}, queued: 7, errors: 0 };
  }
}

class Thrower implements Sink {
  readonly name = 'thrower';
  write(): void {
    throw new Error('broken');
  }
  async flush(): Promise<void> {
    throw new Error('broken');
  }
  async close(): Promise<void> {}
  stats(): SinkStats {
    return { received: 0, delivered: 0, dropped: {}, queued: 0, errors: 0 };
  }
}

describe('sinks: fanout', function () {
  it('one write reaches every sink; a throwing sink does not stop the others', function () {
    const a = new MemorySink({ name: 'a' });
    const b = new MemorySink({ name: 'b' });
    const f = new Fanout([a, new Thrower(), b]);
    f.write(makeAlert());
    f.write(makeAlert());
    assert.equal(a.alerts.length, 2);
    assert.equal(b.alerts.length, 2);
    const by = f.statsBySink();
    assert.deepEqual(by.thrower!.dropped, { sink_error: 2 });
    assert.equal(by.a!.delivered, 2);
    const total = f.stats();
    assert.equal(total.received, 2);
    assert.equal(total.delivered, 4);
    assert.equal(total.dropped.sink_error, 2);
  });

  it('a sink that never finishes is abandoned at the deadline; the others flush', async function () {
    const c = collector(1);
    const out = new StdoutSink({ formatter: formatFalco, stream: c.stream });
    const f = new Fanout([new Stuck(), out, new Thrower()]);
    for (let i = 0; i < 10; i++) f.write(makeAlert());
    const t0 = Date.now();
    await f.flush(Date.now() + 300);
    const took = Date.now() - t0;
    assert.ok(took >= 250 && took < 2000, `flush took ${took} ms`);
    assert.equal(out.stats().delivered, 10);
    assert.equal(f.statsBySink().thrower!.errors, 1, 'the failed flush is counted');
    await f.close(Date.now() + 100);
    assert.equal(f.stats().queued, 7);
  });

  it('names stay unique when two sinks share one', function () {
    const f = new Fanout([new MemorySink({ name: 'kafka' }), new MemorySink({ name: 'kafka' })]);
    assert.deepEqual(Object.keys(f.statsBySink()), ['kafka', 'kafka#2']);
  });
});
