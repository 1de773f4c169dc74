// The first pass over rule files: each list, macro and rule item is checked
// for shape and merged into the state (new names, overrides, appends). What
// names refer to is checked in the second pass (loader.ts), once every file
// has been read.
import { didYouMean } from './suggest';
import type { Location } from './types';
import type { SourceMap } from './yaml-source';

/** A value as written, with the file it came from and when. */
export interface Written<T = unknown> {
  raw: T;
  map: SourceMap;
  seq: number;
  at: Location;
}

export interface ListState {
  name: string;
  items: Written<unknown[]>[];
  seq: number;
  at: Location;
}

export interface MacroState {
  name: string;
  condition: Written;
  seq: number;
  at: Location;
}

export interface ExceptionState {
  name: string;
  fields?: Written;
  comps?: Written;
  values: Written<unknown[]>[];
  at: Location;
}

export interface RuleState {
  name: string;
  desc?: Written;
  events?: Written;
  condition?: Written;
  output?: Written;
  priority?: Written;
  tags: Written<unknown[]>[];
  enabled: Written | null;
  exceptions: ExceptionState[];
  seq: number;
  at: Location;
}

export interface LoadState {
  lists: Map<string, ListState>;
  macros: Map<string, MacroState>;
  rules: Map<string, RuleState>;
  error(at: Location, message: string): void;
  warn(at: Location, message: string): void;
}

type Obj = Record<string, unknown>;

const LIST_KEYS = ['list', 'items', 'override'];
const MACRO_KEYS = ['macro', 'condition', 'override'];
const RULE_KEYS = ['rule', 'desc', 'events', 'condition', 'output', 'priority', 'tags', 'enabled', 'exceptions', 'override', 'source'];
const OVERRIDABLE: Record<string, Record<string, readonly string[]>> = {
  list: { items: ['append', 'replace'] },
  macro: { condition: ['replace'] },
  rule: {
    desc: ['replace'], events: ['replace'], condition: ['replace'], output: ['replace'], priority: ['replace'],
    enabled: ['replace'], tags: ['append', 'replace'], exceptions: ['append', 'replace'],
  },
};
const EXCEPTION_KEYS = ['name', 'fields', 'comps', 'values'];

function isObject(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The override modes of a key; own properties only (not "constructor"). */
function modesOf(kind: string, key: string): readonly string[] | undefined {
  const table = OVERRIDABLE[kind];
  return Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined;
}

function checkKeys(item: Obj, allowed: readonly string[], kind: string, map: SourceMap, st: LoadState): boolean {
  let ok = true;
  for (const k of Object.keys(item)) {
    if (!allowed.includes(k)) {
      st.error(map.locateKey(item, k), `unknown key "${k}" in ${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind}${didYouMean(k, allowed)}`);
      ok = false;
    }
  }
  return ok;
}

/** The override map of an item: key → append|replace, checked. */
function overrides(item: Obj, kind: string, map: SourceMap, st: LoadState): Map<string, string> | null {
  const out = new Map<string, string>();
  if (!('override' in item)) return out;
  const o = item.override;
  const at = map.locate(item, 'override');
  if (!isObject(o)) {
    st.error(at, `"override" takes a mapping such as {${Object.keys(OVERRIDABLE[kind])[0]}: ${OVERRIDABLE[kind][Object.keys(OVERRIDABLE[kind])[0]][0]}}`);
    return null;
  }
  for (const [k, v] of Object.entries(o)) {
    const modes = modesOf(kind, k);
    if (!modes) {
      st.error(map.locateKey(o, k), `a ${kind} cannot override "${k}"${didYouMean(k, Object.keys(OVERRIDABLE[kind]))}`);
      return null;
    }
    if (typeof v !== 'string' || !modes.includes(v)) {
      st.error(map.locate(o, k), `override of "${k}" must be ${modes.join(' or ')}`);
      return null;
    }
    if (!(k in item)) {
      st.error(map.locate(o, k), `override names "${k}" but the item has no "${k}"`);
      return null;
    }
    out.set(k, v);
  }
  for (const k of Object.keys(item)) {
    const modes = modesOf(kind, k);
    if (k !== kind && k !== 'override' && !out.has(k) && modes) {
      st.error(map.locateKey(item, k), `"${k}" changes an existing ${kind}: say how in override, e.g. override: {${k}: ${modes[0]}}`);
      return null;
    }
  }
  return out;
}

function nameOf(item: Obj, kind: string, map: SourceMap, st: LoadState): string | null {
  const name = item[kind];
  if (typeof name !== 'string' || name.trim() === '') {
    st.error(map.locate(item, kind), `a ${kind} needs a name (a non-empty string)`);
    return null;
  }
  return name;
}

function written<T>(item: Obj, key: string, map: SourceMap, seq: number): Written<T> {
  return { raw: item[key] as T, map, seq, at: map.locate(item, key) };
}

export function addList(item: Obj, map: SourceMap, seq: number, st: LoadState): void {
  if (!checkKeys(item, LIST_KEYS, 'list', map, st)) return;
  const name = nameOf(item, 'list', map, st);
  if (!name) return;
  const at = map.locate(item);
  if (!Array.isArray(item.items)) {
    st.error(map.locate(item, 'items'), `list "${name}" needs "items": an array`);
    return;
  }
  item.items.forEach((v, i) => {
    if (v === null || (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')) {
      st.error(map.locate(item.items, i), `list "${name}": items must be strings, numbers or booleans`);
    }
  });
  const existing = st.lists.get(name);
  const ov = overrides(item, 'list', map, st);
  if (!ov) return;
  if (!existing) {
    if (ov.size) st.error(map.locate(item, 'override'), `override of list "${name}", which is not declared yet`);
    st.lists.set(name, { name, items: [written(item, 'items', map, seq)], seq, at });
    return;
  }
  if (!ov.has('items')) {
    st.error(at, `list "${name}" is already declared at ${fmt(existing.at)}; to add to it use override: {items: append}`);
    return;
  }
  if (ov.get('items') === 'replace') existing.items = [];
  existing.items.push(written(item, 'items', map, seq));
}

export function addMacro(item: Obj, map: SourceMap, seq: number, st: LoadState): void {
  if (!checkKeys(item, MACRO_KEYS, 'macro', map, st)) return;
  const name = nameOf(item, 'macro', map, st);
  if (!name) return;
  const at = map.locate(item);
  if (!('condition' in item)) {
    st.error(at, `macro "${name}" needs a "condition"`);
    return;
  }
  const existing = st.macros.get(name);
  const ov = overrides(item, 'macro', map, st);
  if (!ov) return;
  if (!existing) {
    if (ov.size) st.error(map.locate(item, 'override'), `override of macro "${name}", which is not declared yet`);
    st.macros.set(name, { name, condition: written(item, 'condition', map, seq), seq, at });
    return;
  }
  if (!ov.has('condition')) {
    st.error(at, `macro "${name}" is already declared at ${fmt(existing.at)}; to change it use override: {condition: replace}`);
    return;
  }
  existing.condition = written(item, 'condition', map, seq);
}

function exceptionsOf(item: Obj, map: SourceMap, seq: number, st: LoadState): ExceptionState[] | null {
  const list = item.exceptions;
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) {
    st.error(map.locate(item, 'exceptions'), '"exceptions" takes an array of {name, fields, comps, values}');
    return null;
  }
  const out: ExceptionState[] = [];
  for (let i = 0; i < list.length; i++) {
    const e = list[i];
    const at = map.locate(list, i);
    if (!isObject(e)) {
      st.error(at, 'an exception is a mapping: {name, fields, comps, values}');
      return null;
    }
    if (!checkKeys(e, EXCEPTION_KEYS, 'exception', map, st)) return null;
    if (typeof e.name !== 'string' || !e.name) {
      st.error(at, 'an exception needs a "name"');
      return null;
    }
    const values = e.values ?? [];
    if (!Array.isArray(values)) {
      st.error(map.locate(e, 'values'), `exception "${e.name}": "values" takes an array`);
      return null;
    }
    out.push({
      name: e.name,
      ...(e.fields !== undefined ? { fields: written(e, 'fields', map, seq) } : {}),
      ...(e.comps !== undefined ? { comps: written(e, 'comps', map, seq) } : {}),
      values: [{ raw: values, map, seq, at: map.locate(e, 'values') }],
      at,
    });
  }
  return out;
}

const REQUIRED = ['desc', 'events', 'condition', 'output', 'priority'] as const;

export function addRule(item: Obj, map: SourceMap, seq: number, st: LoadState): void {
  if (!checkKeys(item, RULE_KEYS, 'rule', map, st)) return;
  const name = nameOf(item, 'rule', map, st);
  if (!name) return;
  const at = map.locate(item);
  if ('source' in item && item.source !== 'syscall') {
    st.error(map.locate(item, 'source'), `rule "${name}": the only event source is "syscall"`);
    return;
  }
  const existing = st.rules.get(name);
  const keys = Object.keys(item).filter((k) => k !== 'rule' && k !== 'source');
  if (keys.length === 1 && keys[0] === 'enabled') {
    // Falco's shorthand: switch a rule on or off from another file.
    if (existing) existing.enabled = written(item, 'enabled', map, seq);
    else st.error(at, `rule "${name}" is not declared (yet): "enabled" alone switches a rule loaded earlier${didYouMean(name, st.rules.keys())}`);
    return;
  }
  const ov = overrides(item, 'rule', map, st);
  if (!ov) return;
  const exceptions = exceptionsOf(item, map, seq, st);
  if (!exceptions) return;
  if (!existing) {
    if (ov.size) {
      st.error(map.locate(item, 'override'), `override of rule "${name}", which is not declared yet${didYouMean(name, st.rules.keys())}`);
      return;
    }
    const missing = REQUIRED.filter((k) => !(k in item));
    if (missing.length) {
      st.error(at, `rule "${name}" needs ${missing.map((k) => `"${k}"`).join(', ')}`);
      return;
    }
    for (const e of exceptions) {
      if (!e.fields) {
        st.error(e.at, `exception "${e.name}" needs "fields"`);
        return;
      }
    }
    const w = (k: string): Written => written(item, k, map, seq);
    st.rules.set(name, {
      name,
      desc: w('desc'),
      events: w('events'),
      condition: w('condition'),
      output: w('output'),
      priority: w('priority'),
      tags: 'tags' in item ? [written(item, 'tags', map, seq)] : [],
      enabled: 'enabled' in item ? w('enabled') : null,
      exceptions,
      seq,
      at,
    });
    return;
  }
  if (ov.size === 0) {
    st.error(at, `rule "${name}" is already declared at ${fmt(existing.at)}; to change it use override (see docs/rules.md), or only "enabled" to switch it`);
    return;
  }
  for (const [k, mode] of ov) {
    if (k === 'tags') {
      if (mode === 'replace') existing.tags = [];
      existing.tags.push(written(item, 'tags', map, seq));
    } else if (k === 'exceptions') {
      if (mode === 'replace') existing.exceptions = [];
      for (const e of exceptions) {
        const same = existing.exceptions.find((x) => x.name === e.name);
        if (same && mode === 'append') {
          if (e.fields || e.comps) {
            st.error(e.at, `exception "${e.name}" exists: appending adds values only (drop "fields" and "comps")`);
            return;
          }
          same.values.push(...e.values);
        } else if (!e.fields) {
          st.error(e.at, `exception "${e.name}" is new in rule "${name}": it needs "fields"${didYouMean(e.name, existing.exceptions.map((x) => x.name))}`);
          return;
        } else {
          existing.exceptions.push(e);
        }
      }
    } else if (k === 'enabled') {
      existing.enabled = written(item, 'enabled', map, seq);
    } else {
      existing[k as 'desc' | 'events' | 'condition' | 'output' | 'priority'] = written(item, k, map, seq);
    }
  }
}

export function fmt(at: Location): string {
  return `${at.file}:${at.line}:${at.col}`;
}
