// The probes' verdicts: ready only with programs, rules and (in a cluster)
// a synced informer; alive while the reader keeps polling and reading.
import { strict as assert } from 'node:assert';
import { Health, type ReaderProgress } from '../../sensor/run/health';

describe('health: /readyz', function () {
  it('is not ready until rules, programs and the informer are all there', function () {
    const h = new Health({ informer: true });
    assert.equal(h.ready().ok, false);
    assert.deepEqual(Object.keys(h.ready().checks).filter((k) => !h.ready().checks[k].ok), ['programs', 'rules', 'informer']);
    h.rulesLoaded();
    assert.equal(h.ready().ok, false);
    let synced = false;
    h.informerFrom(() => synced);
    h.programsAttached(() => ({ lastPollAt: 0, lastReadAt: 0, pendingBytes: 0 }));
    assert.equal(h.ready().ok, false);
    assert.match(String(h.ready().checks.informer.detail), /not synced/);
    synced = true;
    assert.equal(h.ready().ok, true);
  });

  it('needs no informer in standalone mode, and is not ready once draining', function () {
    const h = new Health({ informer: false });
    h.rulesLoaded();
    h.programsAttached(() => ({ lastPollAt: 0, lastReadAt: 0, pendingBytes: 0 }));
    assert.equal(h.ready().ok, true);
    h.draining();
    assert.equal(h.ready().ok, false);
    assert.equal(h.ready().checks.shutdown.ok, false);
  });
});

describe('health: /healthz', function () {
  let now = 0;
  let p: ReaderProgress;
  const h = new Health({ informer: false, stallMs: 10_000, now: () => now });
  h.programsAttached(() => p);

  it('is alive while the poll timer runs and nothing waits', function () {
    now = 60_000;
    p = { lastPollAt: 59_990, lastReadAt: 1_000, pendingBytes: 0 };
    assert.equal(h.live().ok, true, 'an idle host reads nothing for a long time and is fine');
  });

  it('is not alive when the poll timer stopped', function () {
    p = { lastPollAt: 40_000, lastReadAt: 40_000, pendingBytes: 0 };
    const v = h.live();
    assert.equal(v.ok, false);
    assert.match(String(v.checks.reader.detail), /poll timer has not run for 20000 ms/);
  });

  it('is not alive when records wait and nothing was read for longer than the stall time', function () {
    p = { lastPollAt: 59_990, lastReadAt: 45_000, pendingBytes: 4096 };
    assert.equal(h.live().ok, false);
    p = { lastPollAt: 59_990, lastReadAt: 55_000, pendingBytes: 4096 };
    assert.equal(h.live().ok, true, 'a backlog that is being read is progress');
  });
});
