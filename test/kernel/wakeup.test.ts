// Adaptive wake-ups: a reader that has read nothing for a second polls
// slowly and the kernel wakes it for the first record written into an empty
// ring; once records flow it polls fast again and the kernel batches.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { SensorEvent } from '../../sensor/decode/types';
import { IDLE_AFTER_MS, KernelSource } from '../../sensor/kernel/source';
import { createLogger } from '../../sensor/log';
import { helper, requireBpf, run, sleep } from '../support';

describe('kernel: adaptive wake-ups', function () {
  this.timeout(60_000);
  let src: KernelSource | undefined;

  before(function () {
    requireBpf(this);
  });

  afterEach(async function () {
    await src?.stop();
    src = undefined;
  });

  it('an idle reader is woken by the kernel for the first record, then polls fast again', async function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-wake-'));
    const file = path.join(dir, 'f');
    fs.writeFileSync(file, 'x');
    const seen: SensorEvent[] = [];
    // No timer could deliver the record in time: the idle poll is a minute.
    src = KernelSource.start({
      types: ['open'],
      log: createLogger('silent'),
      onEvent: (ev) => {
        if (ev.type === 'open' && ev.path === file) seen.push(ev);
      },
      idlePollMs: 60_000,
      wakeTimeoutMs: 60_000,
    });
    try {
      // Other processes' opens may keep it busy for a while: wait for a quiet second.
      const until = Date.now() + 30_000;
      while (!src.readerIdle && Date.now() < until) await sleep(100);
      if (!src.readerIdle) this.skip(); // the machine never went quiet for IDLE_AFTER_MS
      const w0 = src.stats().dataWakeups;
      const r = await run(helper('fileops'), ['open', file]);
      assert.equal(r.status, 0);
      const deadline = Date.now() + 10_000;
      while (!seen.length && Date.now() < deadline) await sleep(10);
      assert.equal(seen.length, 1, 'the open arrived without a timer (the kernel woke the reader)');
      assert.ok(src.stats().dataWakeups > w0, 'delivered through a kernel wake-up');
      assert.equal(src.readerIdle, false, 'polling fast again');
      await sleep(IDLE_AFTER_MS + 500);
      // Quiet again (other opens allowing): idle once more.
      const until2 = Date.now() + 30_000;
      while (!src.readerIdle && Date.now() < until2) await sleep(100);
      assert.equal(src.readerIdle, true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
