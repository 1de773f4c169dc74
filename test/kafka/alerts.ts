// Alerts for the Kafka tests and benchmark: numbered, spread over workloads,
// so a reader can check that none is missing and that each workload's alerts
// arrive in order.
import type { Alert } from '../../sensor/alerts/types';
import type { AlertFormatter } from '../../sensor/sinks/types';

/** The formatter the tests use: the alert as JSON (the sink does not care which). */
export const jsonFormatter: AlertFormatter = (a) => JSON.stringify(a);

/** Alert number `seq` of workload `seq % workloads` (every 7th a host event with no pod). */
export function numberedAlert(seq: number, workloads = 50): Alert {
  const w = seq % workloads;
  const host = w % 7 === 0;
  return {
    time: new Date(1_700_000_000_000 + seq).toISOString(),
    rule: `Test rule ${w % 5}`,
    priority: w % 3 === 0 ? 'Critical' : 'Warning',
    source: 'syscall',
    hostname: 'node-a',
    output: `alert ${seq}`,
    tags: ['T1611', 'test'],
    output_fields: {
      seq,
      'k8s.node.name': host ? `node-${w}` : 'node-a',
      ...(host ? {} : { 'k8s.ns.name': `ns-${w}`, 'k8s.pod.name': `pod-${w}` }),
      'proc.cmdline': `cat /etc/shadow ${'x'.repeat(seq % 200)}`,
    },
    uuid: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
  };
}

/** The sequence number inside a message value written by jsonFormatter. */
export function seqOf(value: string): number {
  return (JSON.parse(value) as Alert).output_fields.seq as number;
}

export interface OrderReport {
  distinct: number;
  duplicates: number;
  missing: number[];
  /** Keys whose alerts came back out of order, with the first offending pair. */
  disorder: Array<{ key: string; before: number; after: number }>;
}

/**
 * Checks messages read back (per partition in offset order) against 0..n-1:
 * every number present, and within each key strictly increasing.
 */
export function checkOrder(msgs: Array<{ key: string; value: string; partition: number; offset: number }>, n: number): OrderReport {
  const sorted = [...msgs].sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  const seen = new Set<number>();
  let duplicates = 0;
  const last = new Map<string, number>();
  const disorder: OrderReport['disorder'] = [];
  for (const m of sorted) {
    const seq = seqOf(m.value);
    if (seen.has(seq)) duplicates++;
    seen.add(seq);
    const prev = last.get(m.key);
    if (prev !== undefined && seq <= prev && disorder.length < 10) disorder.push({ key: m.key, before: prev, after: seq });
    last.set(m.key, seq);
  }
  const missing: number[] = [];
  for (let i = 0; i < n && missing.length < 20; i++) if (!seen.has(i)) missing.push(i);
  return { distinct: seen.size, duplicates, missing, disorder };
}
