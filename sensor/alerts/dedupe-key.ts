// What makes two alerts "the same" for dedupe: the rule, the container, the
// executable, and the rule's key fields. By default the key fields are every
// output field except the volatile ones below, which differ between events
// that a reader would call identical.
import type { FieldValue } from '../decode/fields';
import type { Alert } from './types';

/**
 * Never part of the default key:
 * - times: evt.time, evt.ktime, proc.start_time;
 * - process and thread numbers: proc.pid, proc.tid, proc.vpid, proc.ppid,
 *   proc.apid[1..5], evt.arg.parent_tid (a loop that forks gets new ones);
 * - descriptor numbers: fd.num, evt.arg.fd, evt.arg.newfd, evt.arg.oldfd,
 *   evt.arg.listen_fd, evt.dirfd;
 * - evt.args_raw (raw syscall arguments include user-space pointers, which
 *   ASLR changes on every run);
 * - dns.id, dns.latency_ms (per query).
 * For sockets (an alert with fd.sport), the initiator's port is ephemeral, so
 * fd.sport and the fields that repeat it (fd.name, fd.lport, fd.rport) are
 * left out too; fd.sip, fd.dip, fd.dport, fd.lip and fd.rip stay.
 */
export const VOLATILE_FIELDS: ReadonlySet<string> = new Set([
  'evt.time',
  'evt.ktime',
  'proc.start_time',
  'proc.pid',
  'proc.tid',
  'proc.vpid',
  'proc.ppid',
  'proc.apid[1]',
  'proc.apid[2]',
  'proc.apid[3]',
  'proc.apid[4]',
  'proc.apid[5]',
  'evt.arg.parent_tid',
  'fd.num',
  'evt.arg.fd',
  'evt.arg.newfd',
  'evt.arg.oldfd',
  'evt.arg.listen_fd',
  'evt.dirfd',
  'evt.args_raw',
  'dns.id',
  'dns.latency_ms',
]);

const EPHEMERAL_PORT_FIELDS: ReadonlySet<string> = new Set(['fd.sport', 'fd.name', 'fd.lport', 'fd.rport']);

/** Field names, or a function of the alert giving them (e.g. per rule). */
export type KeyFields = readonly string[] | ((alert: Alert) => readonly string[]);

/** The default key fields of an alert. */
export function defaultKeyFields(a: Alert): string[] {
  const socket = a.output_fields['fd.sport'] !== undefined && a.output_fields['fd.sport'] !== null;
  return Object.keys(a.output_fields).filter(
    (k) => !VOLATILE_FIELDS.has(k) && !(socket && EPHEMERAL_PORT_FIELDS.has(k)),
  );
}

function fieldValue(v: FieldValue | undefined): unknown {
  if (v === undefined) return '\u0000absent';
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    return Object.keys(v).sort().map((k) => [k, v[k]]);
  }
  return v;
}

/** The dedupe key: JSON of the identity parts, so no separator can be forged
 *  by a workload string. */
export function dedupeKey(a: Alert, keyFields?: KeyFields): string {
  const f = a.output_fields;
  const names = keyFields === undefined ? defaultKeyFields(a) : typeof keyFields === 'function' ? keyFields(a) : keyFields;
  const parts: unknown[] = [a.rule, fieldValue(f['container.id']), fieldValue(f['proc.exepath'])];
  for (const k of [...names].sort()) parts.push(k, fieldValue(f[k]));
  return JSON.stringify(parts);
}
