// A rule's output: the sentence with %fields filled in, and the fields an
// alert carries. Workload strings are hostile: in the sentence, control
// characters are escaped and long values cut; output_fields keep raw values
// (the serialisers escape them).
import type { FieldValue, Fields } from '../decode/fields';
import { accessor, type Accessor } from './derived';

/** Context every alert carries, whatever its output names. */
export const CONTEXT_FIELDS: readonly string[] = [
  'evt.time', 'evt.type', 'proc.pid', 'proc.name', 'proc.exepath', 'proc.cmdline', 'proc.pname',
  'user.uid', 'container.id', 'container.name', 'container.image', 'k8s.ns.name', 'k8s.pod.name',
  'k8s.node.name',
];

export const FIELD_REF = /%([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+(?:\[[^\]\s%]+\])?)/g;

/** Longest value shown in the sentence; output_fields keep it whole. */
export const OUTPUT_VALUE_MAX = 1024;

export function outputFieldRefs(output: string): string[] {
  return [...new Set([...output.matchAll(FIELD_REF)].map((m) => m[1]))];
}

// C0, DEL, C1 controls and the Unicode line/paragraph separators.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

function escapeControl(s: string): string {
  return s.replace(CONTROL, (c) => {
    switch (c) {
      case '\n': return '\\n';
      case '\r': return '\\r';
      case '\t': return '\\t';
      default: return '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0');
    }
  });
}

export function renderValue(v: unknown): string {
  let s: string;
  if (v === null || v === undefined) s = '<NA>';
  else if (typeof v === 'string') s = v;
  else if (Array.isArray(v)) s = v.join(' ');
  else if (typeof v === 'object') s = Object.entries(v as Record<string, unknown>).map(([k, x]) => `${k}:${String(x)}`).join(',');
  else s = String(v);
  if (s.length > OUTPUT_VALUE_MAX) s = s.slice(0, OUTPUT_VALUE_MAX) + '...';
  return escapeControl(s);
}

export interface CompiledOutput {
  render(f: Fields): string;
  fields(f: Fields): Record<string, FieldValue>;
}

export function compileOutput(template: string): CompiledOutput {
  const text = template.replace(/\s+/g, ' ').trim();
  const parts: (string | Accessor)[] = [];
  let last = 0;
  for (const m of text.matchAll(FIELD_REF)) {
    parts.push(text.slice(last, m.index));
    parts.push(accessor(m[1]));
    last = m.index! + m[0].length;
  }
  parts.push(text.slice(last));
  const names = [...new Set([...CONTEXT_FIELDS, ...outputFieldRefs(text)])];
  const getters = names.map((n) => [n, accessor(n)] as const);
  return {
    render: (f) => {
      let out = '';
      for (const p of parts) out += typeof p === 'string' ? p : renderValue(p(f));
      return out;
    },
    fields: (f) => {
      const o: Record<string, FieldValue> = {};
      for (const [n, get] of getters) o[n] = get(f) as FieldValue;
      return o;
    },
  };
}
