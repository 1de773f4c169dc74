// An alert: what a rule match becomes, and what every sink receives. The
// envelope is Falco's JSON output (architecture.md, decision 7) plus a uuid
// and, for merged repeats, a count.
import type { FieldValue } from '../decode/fields';

/** Falco's priority scale, most severe first. */
export const PRIORITIES = [
  'Emergency',
  'Alert',
  'Critical',
  'Error',
  'Warning',
  'Notice',
  'Informational',
  'Debug',
] as const;
export type Priority = (typeof PRIORITIES)[number];

/** Lower is more severe: Emergency is 0, Debug 7. */
export function priorityRank(p: Priority): number {
  return PRIORITIES.indexOf(p);
}

export interface Alert {
  /** Event time, RFC 3339 with nanoseconds (e.g. 2026-11-22T10:00:00.123456789Z). */
  time: string;
  rule: string;
  priority: Priority;
  /** Event source, as Falco names it: "syscall" for every kernel event. */
  source: string;
  hostname: string;
  /** The rule's output with %fields substituted; control characters escaped. */
  output: string;
  /** MITRE technique IDs and categories, e.g. ["T1611", "container_escape"]. */
  tags: string[];
  /** The fields the output names, plus the context every alert carries
   *  (see CONTEXT_FIELDS in sensor/rules/output.ts). Values are raw: strings
   *  from workloads are not escaped here; serialisers do that. */
  output_fields: Record<string, FieldValue>;
  uuid: string;
  /** Present on an alert that stands for several identical events (dedupe):
   *  how many events it covers, and when the first and last were seen. */
  count?: number;
  first_time?: string;
  last_time?: string;
}

/** The workload an alert belongs to: `namespace/pod`, or the node name for
 *  host events. Kafka uses it as the message key, so one workload's alerts
 *  stay in order on one partition. */
export function alertKey(a: Alert): string {
  const f = a.output_fields;
  const ns = f['k8s.ns.name'];
  const pod = f['k8s.pod.name'];
  if (typeof ns === 'string' && ns && typeof pod === 'string' && pod) return `${ns}/${pod}`;
  const node = f['k8s.node.name'];
  return typeof node === 'string' && node ? node : a.hostname;
}
