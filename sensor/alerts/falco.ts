// Falco's JSON alert envelope (architecture.md, decision 7), one object per
// line, so existing Falco consumers (falcosidekick, SIEM parsers) read it as
// they read Falco's own output.
import type { AlertFormatter } from '../sinks/types';
import type { Alert } from './types';
import { jsonLine, wellFormed, wellFormedFields } from './json';

/** The envelope as a plain object, strings made well-formed. */
export function toFalco(a: Alert): Record<string, unknown> {
  const out: Record<string, unknown> = {
    time: a.time,
    rule: wellFormed(a.rule),
    priority: a.priority,
    source: wellFormed(a.source),
    hostname: wellFormed(a.hostname),
    output: wellFormed(a.output),
    tags: a.tags.map(wellFormed),
    output_fields: wellFormedFields(a.output_fields),
    uuid: a.uuid,
  };
  if (a.count !== undefined) out.count = a.count;
  if (a.first_time !== undefined) out.first_time = a.first_time;
  if (a.last_time !== undefined) out.last_time = a.last_time;
  return out;
}

/** One line of Falco-compatible JSON, without the trailing newline. */
export const formatFalco: AlertFormatter = (a) => jsonLine(toFalco(a));
