// What the Kafka sink sends for one alert, and its byte form in the spool.
// The alert is formatted once, at write(); the spool keeps the finished
// message (topic, key, headers, value), so a replay after a restart sends
// exactly what would have been sent, whatever the formatter is then.
import type { Alert } from '../alerts/types';
import { alertKey } from '../alerts/types';
import type { AlertFormatter } from './types';

export interface OutMessage {
  topic: string;
  /** alertKey(): namespace/pod, or the node name for host events. */
  key: string;
  /** The formatter's output. */
  value: string;
  rule: string;
  priority: string;
  /** k8s.node.name, or the alert's hostname. */
  node: string;
  /** When write() took the alert, ms since the epoch (for delivery latency). */
  at: number;
  /** The alert's event time, ms since the epoch; not kept in the spool. */
  eventAt?: number;
}

export function toMessage(
  alert: Alert,
  format: AlertFormatter,
  topic: string,
  topicByPriority: Record<string, string> | undefined,
  now: number,
): OutMessage {
  const node = alert.output_fields['k8s.node.name'];
  return {
    topic: topicByPriority?.[alert.priority] ?? topic,
    key: alertKey(alert),
    value: format(alert),
    rule: String(alert.rule),
    priority: String(alert.priority),
    node: typeof node === 'string' && node ? node : String(alert.hostname),
    at: now,
    eventAt: Date.parse(alert.time),
  };
}

const VERSION = 1;
const STRINGS = ['topic', 'key', 'value', 'rule', 'priority', 'node'] as const;

/** version u8, at f64le, then each string as u32le byte length + UTF-8. */
export function encodeMessage(m: OutMessage): Buffer {
  const parts = STRINGS.map((k) => Buffer.from(m[k], 'utf8'));
  const buf = Buffer.allocUnsafe(9 + parts.reduce((n, p) => n + 4 + p.length, 0));
  buf.writeUInt8(VERSION, 0);
  buf.writeDoubleLE(m.at, 1);
  let at = 9;
  for (const p of parts) {
    buf.writeUInt32LE(p.length, at);
    p.copy(buf, at + 4);
    at += 4 + p.length;
  }
  return buf;
}

/** Throws on bytes encodeMessage did not produce. */
export function decodeMessage(buf: Buffer): OutMessage {
  if (buf.length < 9 || buf.readUInt8(0) !== VERSION) throw new Error('spool record: unknown version');
  const out: Record<string, string | number> = { at: buf.readDoubleLE(1) };
  let at = 9;
  for (const k of STRINGS) {
    if (at + 4 > buf.length) throw new Error('spool record: truncated');
    const len = buf.readUInt32LE(at);
    if (at + 4 + len > buf.length) throw new Error('spool record: truncated');
    out[k] = buf.toString('utf8', at + 4, at + 4 + len);
    at += 4 + len;
  }
  if (at !== buf.length) throw new Error('spool record: trailing bytes');
  return out as unknown as OutMessage;
}
