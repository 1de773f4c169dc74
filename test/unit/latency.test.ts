// Event-to-delivery latency: quantiles within the buckets' 5%, robust to
// clock skew and unreadable times.
import { strict as assert } from 'node:assert';
import { eventMs, LatencyHistogram } from '../../sensor/sinks/latency';
import type { Alert } from '../../sensor/alerts/types';

describe('sinks: latency histogram', function () {
  it('gives p50, p99 and max within 5%', function () {
    const h = new LatencyHistogram();
    for (let i = 1; i <= 1000; i++) h.record(i); // 1..1000 ms
    const s = h.summary();
    assert.equal(s.count, 1000);
    assert.ok(Math.abs(s.p50 - 500) / 500 <= 0.05, `p50 ${s.p50}`);
    assert.ok(Math.abs(s.p99 - 990) / 990 <= 0.05, `p99 ${s.p99}`);
    assert.equal(s.max, 1000);
    assert.equal(s.sum, 500500);
  });

  it('never reports a quantile above the maximum seen', function () {
    const h = new LatencyHistogram();
    h.record(7.3);
    assert.equal(h.quantile(0.5), 7.3);
    assert.equal(h.quantile(0.99), 7.3);
  });

  it('counts negative (skewed clocks) and NaN as 0, and is NaN when empty', function () {
    const h = new LatencyHistogram();
    assert.ok(Number.isNaN(h.summary().p50));
    h.record(-5);
    h.record(NaN);
    assert.equal(h.summary().count, 2);
    assert.equal(h.summary().max, 0);
  });

  it('holds minutes-long outages without growing', function () {
    const h = new LatencyHistogram();
    h.record(30 * 60_000);
    assert.equal(h.summary().max, 30 * 60_000);
    assert.ok(h.quantile(0.5) <= 30 * 60_000);
  });

  it('reads the alert time with its nanoseconds cut to ms, NaN when unreadable', function () {
    assert.equal(eventMs({ time: '2026-11-22T10:00:00.123456789Z' } as Alert), Date.UTC(2026, 10, 22, 10, 0, 0, 123));
    assert.ok(Number.isNaN(eventMs({ time: 'yesterday' } as Alert)));
  });
});
