// Dedupe and throttle: the first alert goes out at once, repeats become one
// summary with a count, distinct alerts are never merged, and a rule over
// its rate limit is cut down but reported. Time is a ManualClock.
import { strict as assert } from 'node:assert';
import { ManualClock } from '../../sensor/alerts/clock';
import { Dedupe, DedupeOptions } from '../../sensor/alerts/dedupe';
import { dedupeKey, defaultKeyFields, VOLATILE_FIELDS } from '../../sensor/alerts/dedupe-key';
import type { Alert } from '../../sensor/alerts/types';
import { makeAlert } from './fixture';

const T0 = Date.parse('2026-11-22T10:00:00Z');

/** The n-th occurrence of the same event: only volatile fields change. */
function occurrence(n: number, fields: Alert['output_fields'] = {}, over: Partial<Alert> = {}): Alert {
  const time = new Date(T0 + n).toISOString();
  return makeAlert({ time, ...over }, { 'evt.time': time, 'evt.ktime': 1e12 + n * 1e6, 'proc.pid': 1000 + n, 'proc.tid': 1000 + n, 'fd.num': n % 7, ...fields });
}

function setup(opts: Partial<DedupeOptions> = {}): { d: Dedupe; out: Alert[]; clock: ManualClock } {
  const clock = new ManualClock();
  const out: Alert[] = [];
  const d = new Dedupe(opts, (a) => out.push(a), clock);
  return { d, out, clock };
}

describe('alerts: dedupe', function () {
  it('1,000 identical events in a second: the first at once, then one alert with count 1000', function () {
    const { d, out, clock } = setup();
    d.push(occurrence(0));
    assert.equal(out.length, 1, 'the first goes out at once');
    assert.equal(out[0]!.count, undefined);
    for (let i = 1; i < 1000; i++) {
      clock.advance(1);
      d.push(occurrence(i));
    }
    assert.equal(out.length, 1, 'repeats are held');
    clock.advance(10_000);
    assert.equal(out.length, 2);
    const s = out[1]!;
    assert.equal(s.count, 1000);
    assert.equal(s.first_time, occurrence(0).time);
    assert.equal(s.last_time, occurrence(999).time);
    assert.equal(s.rule, out[0]!.rule);
    assert.notEqual(s.uuid, out[0]!.uuid);
    clock.advance(60_000);
    assert.equal(out.length, 2, 'nothing more once the events stop');
    const st = d.stats();
    assert.equal(st.received, 1000);
    assert.equal(st.passed, 1);
    assert.equal(st.merged, 999);
    assert.equal(st.summaries, 1);
    assert.equal(st.keys, 0, 'the key is forgotten');
  });

  it('never merges distinct events', function () {
    const { d, out, clock } = setup({ ratePerSec: 0 });
    const variants: Alert[] = [];
    for (let i = 0; i < 300; i++) variants.push(occurrence(i, { 'proc.cmdline': `bash -c job-${i}` }));
    variants.push(occurrence(0, {}, { rule: 'Another rule' }));
    variants.push(occurrence(0, { 'container.id': 'aaaaaaaaaaaa' }));
    variants.push(occurrence(0, { 'proc.exepath': '/bin/sh' }));
    variants.push(occurrence(0, { 'k8s.pod.labels': { app: 'other' } }));
    variants.push(occurrence(0, { 'proc.args': ['-i', '-l'] }));
    variants.push(occurrence(0, { 'fd.name': '' }));
    for (const v of variants) d.push(v);
    assert.equal(out.length, variants.length);
    assert.deepEqual(out.map((a) => a.uuid), variants.map((a) => a.uuid));
    clock.advance(10_000);
    assert.equal(out.length, variants.length, 'no summaries: nothing repeated');
    assert.equal(d.stats().merged, 0);
  });

  it('keeps two interleaved kinds apart', function () {
    const { d, out, clock } = setup();
    for (let i = 0; i < 200; i++) {
      d.push(occurrence(i, { 'proc.cmdline': i % 2 ? 'bash -i' : 'sh -i' }));
      clock.advance(2);
    }
    assert.equal(out.length, 2);
    clock.advance(10_000);
    assert.equal(out.length, 4);
    assert.deepEqual(out.slice(2).map((a) => [a.output_fields['proc.cmdline'], a.count]).sort(), [['bash -i', 100], ['sh -i', 100]]);
  });

  it('a steady flood: one summary per window, counts add up to every event', function () {
    const { d, out, clock } = setup();
    let n = 0;
    for (let t = 0; t < 35_000; t += 10) {
      d.push(occurrence(n++));
      clock.advance(10);
    }
    clock.advance(60_000);
    assert.equal(out[0]!.count, undefined);
    const summaries = out.slice(1);
    assert.equal(summaries.length, 4, '10 s, 20 s, 30 s, and the tail');
    assert.equal(summaries.reduce((sum, a) => sum + a.count!, 0), n, 'every event counted once');
    assert.equal(summaries[0]!.count, 1000);
  });

  it('summarises a window with one repeat; sends nothing for a window without', function () {
    const { d, out, clock } = setup();
    d.push(occurrence(0));
    clock.advance(10_000);
    assert.equal(out.length, 1);
    d.push(occurrence(1));
    d.push(occurrence(2));
    clock.advance(10_000);
    assert.equal(out.length, 3);
    assert.equal(out[1]!.count, undefined, 'a new window opens with an immediate alert');
    assert.equal(out[2]!.count, 2);
  });

  it('volatile fields are not part of the default key; the rest are', function () {
    const a = occurrence(1);
    const keys = defaultKeyFields(a);
    for (const v of VOLATILE_FIELDS) assert.ok(!keys.includes(v), v);
    assert.ok(keys.includes('proc.cmdline'));
    assert.equal(dedupeKey(occurrence(1)), dedupeKey(occurrence(2)));
    assert.notEqual(dedupeKey(occurrence(1)), dedupeKey(occurrence(1, { 'proc.cmdline': 'x' })));
  });

  it('for sockets the ephemeral port does not split a key', function () {
    const conn = (port: number, dport = 4444): Alert =>
      occurrence(port, { 'fd.sip': '10.0.0.5', 'fd.sport': port, 'fd.dip': '203.0.113.9', 'fd.dport': dport, 'fd.lport': port, 'fd.rport': dport, 'fd.name': `10.0.0.5:${port}->203.0.113.9:${dport}` });
    assert.equal(dedupeKey(conn(40000)), dedupeKey(conn(40001)));
    assert.notEqual(dedupeKey(conn(40000)), dedupeKey(conn(40000, 80)));
  });

  it('key fields: a list, or a function per rule', function () {
    const list = setup({ keyFields: ['proc.name'] });
    list.d.push(occurrence(0, { 'proc.cmdline': 'a' }));
    list.d.push(occurrence(1, { 'proc.cmdline': 'b' }));
    assert.equal(list.out.length, 1, 'cmdline is not a key field');
    list.d.push(occurrence(2, { 'proc.name': 'sh' }));
    assert.equal(list.out.length, 2);

    const fn = setup({ keyFields: (a) => (a.rule === 'Coarse' ? [] : defaultKeyFields(a)) });
    fn.d.push(occurrence(0, { 'proc.cmdline': 'a' }, { rule: 'Coarse' }));
    fn.d.push(occurrence(1, { 'proc.cmdline': 'b' }, { rule: 'Coarse' }));
    fn.d.push(occurrence(0, { 'proc.cmdline': 'a' }));
    fn.d.push(occurrence(1, { 'proc.cmdline': 'b' }));
    assert.equal(fn.out.length, 3);
    fn.clock.advance(10_000);
    assert.equal(fn.out[3]!.count, 2);
  });

  it('rate limit: per rule, drops counted and reported in a summary', function () {
    const { d, out, clock } = setup({ ratePerSec: 10 });
    for (let i = 0; i < 50; i++) d.push(occurrence(i, { 'proc.cmdline': `job-${i}` }));
    d.push(occurrence(0, {}, { rule: 'Quiet rule' }));
    assert.equal(out.length, 11, '10 for the noisy rule, 1 for the quiet one');
    assert.deepEqual(d.stats().rateLimited, { 'Terminal shell in container': 40 });
    clock.advance(1000);
    for (let i = 50; i < 70; i++) d.push(occurrence(i, { 'proc.cmdline': `job-${i}` }));
    assert.equal(out.length, 21, 'the bucket refilled: 10 more');
    clock.advance(9000);
    const reports = out.filter((a) => a.output_fields['kestrel.rate_limited'] !== undefined);
    assert.equal(reports.length, 1);
    assert.equal(reports[0]!.count, 50);
    assert.equal(reports[0]!.output_fields['kestrel.rate_limited'], 50);
    assert.equal(reports[0]!.rule, 'Terminal shell in container');
    assert.match(reports[0]!.output, /50 alert\(s\) of this rule dropped by the rate limit/);
    assert.equal(reports[0]!.first_time, occurrence(10).time);
    assert.equal(reports[0]!.last_time, occurrence(69).time);
    assert.equal(d.stats().rateLimited['Terminal shell in container'], 50);
    assert.equal(d.stats().rateLimitSummaries, 1);
  });

  it('rate limit: repeats of an admitted alert take no tokens', function () {
    const { d, out, clock } = setup({ ratePerSec: 1 });
    for (let i = 0; i < 1000; i++) d.push(occurrence(i));
    clock.advance(10_000);
    assert.equal(out.length, 2);
    assert.equal(out[1]!.count, 1000);
    assert.deepEqual(d.stats().rateLimited, {});
  });

  it('bounded state: the oldest window closes early and its summary is sent', function () {
    const { d, out, clock } = setup({ maxKeys: 3, ratePerSec: 0 });
    for (let k = 0; k < 5; k++) {
      for (let i = 0; i < 4; i++) d.push(occurrence(i, { 'proc.cmdline': `k${k}` }));
      clock.advance(1);
    }
    const st = d.stats();
    assert.equal(st.evicted, 2);
    assert.equal(st.keys, 3);
    const early = out.filter((a) => a.count !== undefined);
    assert.deepEqual(early.map((a) => [a.output_fields['proc.cmdline'], a.count]), [['k0', 4], ['k1', 4]]);
    clock.advance(10_000);
    assert.equal(out.filter((a) => a.count === 4).length, 5, 'every key summarised once');
  });

  it('min priority drops less severe alerts and counts them', function () {
    const { d, out } = setup({ minPriority: 'Warning' });
    d.push(occurrence(0, {}, { priority: 'Notice' }));
    d.push(occurrence(0, {}, { priority: 'Debug' }));
    d.push(occurrence(0, {}, { priority: 'Warning' }));
    d.push(occurrence(0, {}, { priority: 'Critical', rule: 'x' }));
    assert.equal(out.length, 2);
    assert.equal(d.stats().belowMinPriority, 2);
  });

  it('window 0: no merging, the rate limit still applies', function () {
    const { d, out, clock } = setup({ windowMs: 0, ratePerSec: 5 });
    for (let i = 0; i < 20; i++) d.push(occurrence(i));
    assert.equal(out.length, 5);
    clock.advance(1000);
    const report = out.find((a) => a.output_fields['kestrel.rate_limited'] !== undefined);
    assert.equal(report?.count, 15);
  });

  it('close() sends pending summaries and stops the timer', function () {
    const { d, out, clock } = setup();
    for (let i = 0; i < 5; i++) d.push(occurrence(i));
    d.close();
    assert.equal(out.length, 2);
    assert.equal(out[1]!.count, 5);
    assert.equal(clock.pending(), 0);
    d.push(occurrence(9));
    d.push(occurrence(10));
    assert.equal(out.length, 4, 'after close, alerts pass unmerged');
  });

  it('a sink that throws does not break the stage', function () {
    const clock = new ManualClock();
    let calls = 0;
    const d = new Dedupe({}, () => {
      calls++;
      throw new Error('broken sink');
    }, clock);
    d.push(occurrence(0));
    d.push(occurrence(1));
    clock.advance(10_000);
    assert.equal(calls, 2);
    assert.equal(d.stats().summaries, 1);
  });

  it('works on real timers', async function () {
    const out: Alert[] = [];
    const d = new Dedupe({ windowMs: 50 }, (a) => out.push(a));
    for (let i = 0; i < 3; i++) d.push(occurrence(i));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(out.length, 2);
    assert.equal(out[1]!.count, 3);
    d.close();
  });
});
