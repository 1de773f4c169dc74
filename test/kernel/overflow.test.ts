// A ring too small for the load loses records; the loss must be counted and
// reported, never silent.
import { strict as assert } from 'node:assert';
import type { SensorEvent } from '../../sensor/decode/types';
import { KernelSource } from '../../sensor/kernel/source';
import { createLogger } from '../../sensor/log';
import { helper, requireBpf, run, startTrace } from '../support';

describe('kernel: ring overflow is counted', function () {
  before(function () {
    requireBpf(this);
  });

  it('a paused 4 KiB ring counts every open it could not hold', async function () {
    const N = 20000;
    const seen = new Map<number, number>();
    const reported: { ring: string; reason: string; added: number }[] = [];
    const source = KernelSource.start({
      types: ['open'],
      log: createLogger('silent'),
      ringSizes: { file: 4096 },
      onEvent: (ev: SensorEvent) => seen.set(ev.pid, (seen.get(ev.pid) ?? 0) + 1),
      onDrops: (ring, reason, added) => reported.push({ ring, reason, added }),
    });
    let gen;
    try {
      source.pause();
      gen = await run(helper('fileops'), ['loop', String(N), '/etc/hostname']);
    } finally {
      source.resume();
    }
    const stats = await source.stop();
    const file = stats.rings.find((r) => r.ring === 'file')!;
    const delivered = seen.get(gen.pid) ?? 0;
    assert.ok(file.drops.ring_full > 0, 'drops counted');
    // Other processes on the machine share the ring, so how many of ours got
    // in varies; that none vanished does not.
    assert.ok(delivered < N, `delivered ${delivered} of ${N}`);
    // Every open of the generator was either delivered or counted as dropped.
    assert.ok(delivered + file.drops.ring_full >= N, `${delivered} delivered + ${file.drops.ring_full} dropped < ${N}`);
    const total = reported.filter((r) => r.ring === 'file' && r.reason === 'ring_full').reduce((n, r) => n + r.added, 0);
    assert.equal(total, file.drops.ring_full, 'every drop was reported through onDrops');
    assert.equal(stats.decodeErrors, 0);
  });

  it('sensor trace with a tiny ring warns about the loss on stderr', async function () {
    const t = await startTrace(['open', '-o', 'json', '--ring-size', '4096']);
    await run(helper('fileops'), ['loop', '200000', '/etc/hostname']);
    const r = await t.stop(1500);
    assert.equal(r.code, 0);
    const logs = r.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    const warned = logs.filter((l) => l.msg === 'kernel dropped events');
    const summary = logs.find((l) => l.msg === 'stopped; events were lost');
    assert.ok(summary, `final summary reports the loss:\n${r.stderr}`);
    assert.ok(summary.drops > 0);
    assert.ok(warned.length > 0 && warned.every((w) => w.ring === 'file' && w.added > 0));
    const sum = warned.reduce((n, w) => n + w.added, 0);
    assert.equal(sum, summary.drops, 'the periodic warnings add up to the final count');
  });
});
