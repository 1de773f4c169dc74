// An alert as an OTLP log record (architecture.md, decision 9): the body is
// the alert's output sentence, every output field is an attribute under its
// Falco name with its own type (string arrays as array values, maps such as
// k8s.pod.labels as kvlist values, null as an empty value), and the envelope
// adds rule, priority, source, hostname, tags, uuid and, for summaries,
// count, first_time and last_time.
import { AnyValue, AnyValueMap, LogRecord, SeverityNumber } from '@opentelemetry/api-logs';
import type { FieldValue } from '../decode/fields';
import { rfc3339HrTime, wellFormed } from '../alerts/json';
import type { Alert, Priority } from '../alerts/types';

/** Falco priority → OTLP severity, after the OpenTelemetry log data model's
 *  syslog mapping: every priority keeps its order and lands in its range. */
export const OTLP_SEVERITY: Readonly<Record<Priority, readonly [SeverityNumber, string]>> = Object.freeze({
  Emergency: [SeverityNumber.FATAL, 'FATAL'],
  Alert: [SeverityNumber.ERROR3, 'ERROR3'],
  Critical: [SeverityNumber.ERROR2, 'ERROR2'],
  Error: [SeverityNumber.ERROR, 'ERROR'],
  Warning: [SeverityNumber.WARN, 'WARN'],
  Notice: [SeverityNumber.INFO2, 'INFO2'],
  Informational: [SeverityNumber.INFO, 'INFO'],
  Debug: [SeverityNumber.DEBUG, 'DEBUG'],
});

function attributeValue(v: FieldValue): AnyValue {
  if (typeof v === 'string') return wellFormed(v);
  if (Array.isArray(v)) return v.map(wellFormed);
  if (v !== null && typeof v === 'object') {
    const m: AnyValueMap = {};
    for (const [k, x] of Object.entries(v)) m[wellFormed(k)] = wellFormed(String(x));
    return m;
  }
  return v;
}

/** The attributes of an alert's log record. */
export function alertAttributes(a: Alert): AnyValueMap {
  const attrs: AnyValueMap = {};
  for (const [k, v] of Object.entries(a.output_fields)) attrs[wellFormed(k)] = attributeValue(v);
  attrs.rule = wellFormed(a.rule);
  attrs.priority = a.priority;
  attrs.source = wellFormed(a.source);
  attrs.hostname = wellFormed(a.hostname);
  attrs.tags = a.tags.map(wellFormed);
  attrs.uuid = a.uuid;
  if (a.count !== undefined) attrs.count = a.count;
  if (a.first_time !== undefined) attrs.first_time = a.first_time;
  if (a.last_time !== undefined) attrs.last_time = a.last_time;
  return attrs;
}

/** Enough for any alert: output fields are a few dozen, the envelope nine. */
export const ATTRIBUTE_COUNT_LIMIT = 1024;

export function toLogRecord(a: Alert): LogRecord {
  const [severityNumber, severityText] = OTLP_SEVERITY[a.priority] ?? [SeverityNumber.UNSPECIFIED, a.priority];
  const rec: LogRecord = {
    severityNumber,
    severityText,
    body: wellFormed(a.output),
    attributes: alertAttributes(a),
  };
  // Keep the event's nanoseconds; an unparseable time falls back to "now".
  const t = rfc3339HrTime(a.time);
  if (t) rec.timestamp = t;
  return rec;
}
