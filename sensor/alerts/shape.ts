// A rule match becomes an alert (the Falco envelope plus a uuid).
import { randomUUID } from 'node:crypto';
import type { Fields } from '../decode/fields';
import type { CompiledRule } from '../rules/engine';
import type { Alert } from './types';

export function toAlert(rule: CompiledRule, f: Fields, hostname: string): Alert {
  const t = f['evt.time'];
  return {
    time: typeof t === 'string' ? t : new Date().toISOString(),
    rule: rule.name,
    priority: rule.priority,
    source: 'syscall',
    hostname,
    output: rule.output.render(f),
    tags: rule.tags,
    output_fields: rule.output.fields(f),
    uuid: randomUUID(),
  };
}
