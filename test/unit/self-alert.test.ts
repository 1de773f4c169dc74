// The sensor's alert about its own kernel drops: sent at once, then at most
// once per interval per ring and reason with the sum of what was lost, all
// of it flushed at stop; a valid alert in both formats.
import { strict as assert } from 'node:assert';
import { formatFalco } from '../../sensor/alerts/falco';
import { formatOcsf } from '../../sensor/alerts/ocsf';
import type { Alert } from '../../sensor/alerts/types';
import { DropAlerter, DROP_RULE } from '../../sensor/run/self-alert';

describe('self alert: kernel drops', function () {
  let now = 1_000_000;
  let sent: Alert[];
  let d: DropAlerter;
  beforeEach(function () {
    sent = [];
    d = new DropAlerter({ hostname: 'node-a', nodeName: 'node-a', emit: (a) => sent.push(a), intervalMs: 10_000, now: () => now });
  });

  it('alerts on the first drop at once', function () {
    d.onDrops('file', 'ring_full', 12, 12);
    assert.equal(sent.length, 1);
    const a = sent[0];
    assert.equal(a.rule, DROP_RULE);
    assert.equal(a.priority, 'Critical');
    assert.ok(a.tags.includes('T1562.001'));
    assert.equal(a.output_fields['kestrel.ring'], 'file');
    assert.equal(a.output_fields['kestrel.dropped'], 12);
    assert.equal(a.output_fields['k8s.node.name'], 'node-a');
  });

  it('sums drops within the interval into the next alert', function () {
    d.onDrops('file', 'ring_full', 12, 12);
    now += 1000;
    d.onDrops('file', 'ring_full', 30, 42);
    now += 1000;
    d.onDrops('file', 'ring_full', 8, 50);
    assert.equal(sent.length, 1, 'still inside the interval');
    d.flush();
    assert.equal(sent.length, 1);
    now += 8000;
    d.flush();
    assert.equal(sent.length, 2);
    assert.equal(sent[1].output_fields['kestrel.dropped'], 38);
    assert.equal(sent[1].output_fields['kestrel.dropped_total'], 50);
    assert.equal(d.sent, 2);
  });

  it('keeps rings and reasons apart, and sends everything at stop', function () {
    d.onDrops('file', 'ring_full', 1, 1);
    d.onDrops('process', 'ring_full', 2, 2);
    d.onDrops('file', 'inflight_full', 3, 3);
    assert.equal(sent.length, 3);
    now += 10;
    d.onDrops('process', 'ring_full', 5, 7);
    d.flush(true);
    assert.equal(sent.length, 4);
    assert.equal(sent[3].output_fields['kestrel.ring'], 'process');
    assert.equal(sent[3].output_fields['kestrel.dropped'], 5);
  });

  it('formats as valid Falco JSON and OCSF', function () {
    d.onDrops('file', 'ring_full', 1, 1);
    const falco = JSON.parse(formatFalco(sent[0])) as { rule: string; output_fields: Record<string, unknown> };
    assert.equal(falco.rule, DROP_RULE);
    assert.equal(falco.output_fields['kestrel.ring'], 'file');
    const ocsf = JSON.parse(formatOcsf(sent[0])) as { class_uid: number };
    assert.equal(ocsf.class_uid, 2004);
  });
});
