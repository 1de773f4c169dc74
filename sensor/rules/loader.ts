// Loads rule files into a RuleSetSpec: first pass merges items (items.ts),
// second pass resolves names and checks every condition, event type,
// priority, tag and output field. Problems carry file:line:column; a load
// with any error yields no ruleset.
import * as fs from 'node:fs';
import { PRIORITIES, type Priority } from '../alerts/types';
import { FIELD_NAMES, fieldType } from './catalog';
import { checkCondition, type CheckContext } from './check-condition';
import { EVENT_NAMES, expandEventType } from './event-types';
import { ruleFiles } from './files';
import { addList, addMacro, addRule, type LoadState, type RuleState, type Written } from './items';
import { outputFieldRefs } from './output';
import { didYouMean } from './suggest';
import type { Condition, Location, Problem, RuleSetSpec, RuleSpec } from './types';
import { parseYaml } from './yaml-source';

export interface LoadResult {
  /** null when any error was found. */
  spec: RuleSetSpec | null;
  problems: Problem[];
}

export interface LoadOptions {
  /** Items appended to lists after loading, e.g. the API server's address. */
  extraListItems?: Record<string, unknown[]>;
}

const MITRE = /^T\d{4}(\.\d{3})?$/;
const PRIORITY_BY_NAME = new Map<string, Priority>(PRIORITIES.map((p) => [p.toUpperCase(), p]));
PRIORITY_BY_NAME.set('INFO', 'Informational');

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Loads files or directories (see files.ts for the order). */
export function loadRulePaths(paths: readonly string[], opts: LoadOptions = {}): LoadResult {
  const files = ruleFiles(paths);
  return loadRuleTexts(files.map((f) => ({ file: f, text: fs.readFileSync(f, 'utf8') })), opts);
}

export function loadRuleTexts(sources: readonly { file: string; text: string }[], opts: LoadOptions = {}): LoadResult {
  const problems: Problem[] = [];
  const st: LoadState = {
    lists: new Map(),
    macros: new Map(),
    rules: new Map(),
    error: (at, message) => problems.push({ severity: 'error', ...at, message }),
    warn: (at, message) => problems.push({ severity: 'warning', ...at, message }),
  };
  let seq = 0;
  for (const { file, text } of sources) {
    const parsed = parseYaml(file, text);
    problems.push(...parsed.problems);
    const top = parsed.value;
    if (top === null || top === undefined) {
      if (!parsed.problems.length) st.warn({ file, line: 1, col: 1 }, 'the file is empty');
      continue;
    }
    if (!Array.isArray(top)) {
      st.error(parsed.map.locate(top), 'a rule file is a list of items (- list: ..., - macro: ..., - rule: ...)');
      continue;
    }
    top.forEach((item, i) => {
      seq++;
      const at = parsed.map.locate(top, i);
      if (!isObject(item)) {
        st.error(at, 'each item is a mapping starting with list:, macro: or rule:');
        return;
      }
      const kinds = ['list', 'macro', 'rule'].filter((k) => k in item);
      if (kinds.length !== 1) {
        const first = Object.keys(item)[0] ?? '';
        st.error(at, kinds.length
          ? `an item is one of list, macro or rule; this one has ${kinds.join(' and ')}`
          : `unknown item "${first}": an item starts with list:, macro: or rule:${didYouMean(first, ['list', 'macro', 'rule'])}`);
        return;
      }
      if (kinds[0] === 'list') addList(item, parsed.map, seq, st);
      else if (kinds[0] === 'macro') addMacro(item, parsed.map, seq, st);
      else addRule(item, parsed.map, seq, st);
    });
  }
  const spec = resolve(st, sources.map((s) => s.file), opts);
  problems.sort((a, b) => (a.file === b.file ? a.line - b.line || a.col - b.col : 0));
  return { spec: problems.some((p) => p.severity === 'error') ? null : spec, problems };
}

function resolveLists(st: LoadState, opts: LoadOptions): Map<string, unknown[]> {
  const out = new Map<string, unknown[]>();
  const listSeq = new Map([...st.lists.values()].map((l) => [l.name, l.seq]));
  // Lists are declared in order, so expanding in declaration order sees every
  // list an item may name; a name declared later stays a literal.
  const ordered = [...st.lists.values()].sort((a, b) => a.seq - b.seq);
  for (const l of ordered) {
    const items: unknown[] = [];
    for (const w of l.items) {
      for (const it of w.raw) {
        if (typeof it === 'string' && out.has(it) && (listSeq.get(it) ?? Infinity) < w.seq) items.push(...out.get(it)!);
        else items.push(it);
      }
    }
    out.set(l.name, [...new Set(items)]);
  }
  for (const [name, extra] of Object.entries(opts.extraListItems ?? {})) {
    if (!extra.length) continue;
    out.set(name, [...new Set([...(out.get(name) ?? []), ...extra])]);
  }
  return out;
}

function findMacroCycle(macros: Map<string, Condition>): string[] | null {
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const refs = (c: Condition, acc: string[]): string[] => {
    if ('all' in c) c.all.forEach((x) => refs(x, acc));
    else if ('any' in c) c.any.forEach((x) => refs(x, acc));
    else if ('not' in c) refs(c.not, acc);
    else if ('condition' in c) acc.push(c.condition);
    return acc;
  };
  const visit = (name: string): string[] | null => {
    if (state.get(name) === 2) return null;
    if (state.get(name) === 1) return [...stack.slice(stack.indexOf(name)), name];
    state.set(name, 1);
    stack.push(name);
    const c = macros.get(name);
    for (const r of c ? refs(c, []) : []) {
      const cyc = visit(r);
      if (cyc) return cyc;
    }
    stack.pop();
    state.set(name, 2);
    return null;
  };
  for (const name of macros.keys()) {
    const cyc = visit(name);
    if (cyc) return cyc;
  }
  return null;
}

function resolve(st: LoadState, files: string[], opts: LoadOptions): RuleSetSpec {
  const lists = resolveLists(st, opts);
  const listSeq = new Map([...st.lists.values()].map((l) => [l.name, l.seq]));
  const macroSeq = new Map([...st.macros.values()].map((m) => [m.name, m.seq]));
  for (const name of Object.keys(opts.extraListItems ?? {})) if (!listSeq.has(name)) listSeq.set(name, 0);
  const ctxFor = (w: Written): CheckContext => ({ map: w.map, lists, listSeq, macroSeq, seq: w.seq, error: st.error });

  const macros = new Map<string, Condition>();
  for (const m of st.macros.values()) {
    const c = checkCondition(m.condition.raw, ctxFor(m.condition), m.condition.at);
    if (c) macros.set(m.name, c);
  }
  const cycle = findMacroCycle(macros);
  if (cycle) {
    const m = st.macros.get(cycle[0])!;
    st.error(m.at, `macros refer to each other in a loop: ${cycle.join(' -> ')}`);
    macros.clear();
  }
  const rules: RuleSpec[] = [];
  for (const r of st.rules.values()) {
    const spec = resolveRule(r, st, ctxFor);
    if (spec) rules.push(spec);
  }
  return { rules, macros, lists, files };
}

function resolveEvents(w: Written, st: LoadState, name: string): string[] | null {
  const raw = typeof w.raw === 'string' ? [w.raw] : w.raw;
  if (!Array.isArray(raw) || raw.length === 0) {
    st.error(w.at, `rule "${name}": "events" takes event types, e.g. [open, exec] (${Object.keys({ exec: 1, open: 1, connect: 1, dns: 1, syscall: 1 }).join(', ')}, ...)`);
    return null;
  }
  const out = new Set<string>();
  let ok = true;
  raw.forEach((e, i) => {
    const types = typeof e === 'string' ? expandEventType(e) : null;
    if (!types) {
      st.error(w.map.locate(raw, i), `unknown event type ${JSON.stringify(e)}${typeof e === 'string' ? didYouMean(e, EVENT_NAMES) : ''}`);
      ok = false;
      return;
    }
    types.forEach((t) => out.add(t));
  });
  return ok ? [...out].sort() : null;
}

function resolvePriority(w: Written, st: LoadState, name: string): Priority | null {
  const p = typeof w.raw === 'string' ? PRIORITY_BY_NAME.get(w.raw.toUpperCase()) : undefined;
  if (!p) {
    const given = typeof w.raw === 'string' ? w.raw.toUpperCase() : String(w.raw);
    st.error(w.at, `rule "${name}": priority ${JSON.stringify(w.raw)} is not one of ${PRIORITIES.map((x) => x.toUpperCase()).join(', ')}${didYouMean(given, PRIORITY_BY_NAME.keys())}`);
  }
  return p ?? null;
}

function resolveTags(r: RuleState, st: LoadState): string[] | null {
  const tags: string[] = [];
  for (const w of r.tags) {
    if (!Array.isArray(w.raw) || w.raw.some((t) => typeof t !== 'string')) {
      st.error(w.at, `rule "${r.name}": "tags" takes an array of strings, e.g. [T1611, container_escape]`);
      return null;
    }
    tags.push(...(w.raw as string[]));
  }
  if (!tags.some((t) => MITRE.test(t))) st.warn(r.at, `rule "${r.name}" has no MITRE ATT&CK technique tag (e.g. T1611)`);
  return [...new Set(tags)];
}

function resolveOutput(w: Written, st: LoadState, name: string): string | null {
  if (typeof w.raw !== 'string' || !w.raw.trim()) {
    st.error(w.at, `rule "${name}": "output" takes a sentence, then |, then key=%field pairs`);
    return null;
  }
  let ok = true;
  for (const f of outputFieldRefs(w.raw)) {
    if (!fieldType(f)) {
      st.error(w.at, `rule "${name}": output names unknown field %${f}${didYouMean(f, FIELD_NAMES)}`);
      ok = false;
    }
  }
  if (!w.raw.includes('|')) st.warn(w.at, `rule "${name}": output has no "|": write a sentence, then | key=%field pairs`);
  return ok ? w.raw : null;
}

/** An exception's value tuples become `not any(all(field comp value ...))`. */
function exceptionCondition(r: RuleState, st: LoadState, ctxFor: (w: Written) => CheckContext): Condition | null | undefined {
  const alternatives: unknown[] = [];
  const names = new Set<string>();
  for (const e of r.exceptions) {
    if (names.has(e.name)) {
      st.error(e.at, `rule "${r.name}": two exceptions are named "${e.name}"`);
      return null;
    }
    names.add(e.name);
    const fieldsRaw = e.fields!.raw;
    const fields = typeof fieldsRaw === 'string' ? [fieldsRaw] : fieldsRaw;
    if (!Array.isArray(fields) || !fields.length || fields.some((f) => typeof f !== 'string')) {
      st.error(e.fields!.at, `exception "${e.name}": "fields" takes field names`);
      return null;
    }
    const compsRaw = e.comps?.raw;
    const comps = compsRaw === undefined ? [] : typeof compsRaw === 'string' ? [compsRaw] : compsRaw;
    if (!Array.isArray(comps) || (comps.length && comps.length !== fields.length)) {
      st.error(e.comps!.at, `exception "${e.name}": "comps" needs one operator per field (${fields.length})`);
      return null;
    }
    for (const w of e.values) {
      w.raw.forEach((tuple, i) => {
        const t = fields.length === 1 && !Array.isArray(tuple) ? [tuple] : tuple;
        const at = w.map.locate(w.raw, i);
        if (!Array.isArray(t) || t.length !== fields.length) {
          st.error(at, `exception "${e.name}": each value is a tuple of ${fields.length} (${fields.join(', ')})`);
          return;
        }
        const all = fields.map((f, k) => {
          const c = {
            fact: f,
            operator: (comps[k] as string | undefined) ?? (Array.isArray(t[k]) ? 'in' : 'equal'),
            value: t[k],
          };
          // Problems in this generated condition point at what was written:
          // the field name, its comp, the value in the tuple.
          const fieldAt = Array.isArray(fieldsRaw) ? e.fields!.map.locate(fieldsRaw, k) : e.fields!.at;
          const compAt = Array.isArray(compsRaw) ? e.comps!.map.locate(compsRaw, k) : e.comps?.at;
          const children = new Map<string | number, Location>([
            ['fact', fieldAt],
            ['operator', compAt ?? fieldAt],
            ['value', t === tuple ? w.map.locate(tuple, k) : at],
          ]);
          w.map.record(c, { at, children, keys: new Map() });
          return c;
        });
        alternatives.push({ all, __ctx: w });
      });
    }
  }
  if (!alternatives.length) return undefined;
  const checked: Condition[] = [];
  for (const alt of alternatives as { all: unknown[]; __ctx: Written }[]) {
    const w = alt.__ctx;
    const c = checkCondition({ all: alt.all }, ctxFor(w), w.at);
    if (!c) return null;
    checked.push(c);
  }
  return { not: { any: checked } };
}

function resolveRule(r: RuleState, st: LoadState, ctxFor: (w: Written) => CheckContext): RuleSpec | null {
  const desc = r.desc!.raw;
  if (typeof desc !== 'string' || !desc.trim()) st.error(r.desc!.at, `rule "${r.name}": "desc" takes a sentence`);
  const events = resolveEvents(r.events!, st, r.name);
  const priority = resolvePriority(r.priority!, st, r.name);
  const tags = resolveTags(r, st);
  const output = resolveOutput(r.output!, st, r.name);
  let enabled = true;
  if (r.enabled) {
    if (typeof r.enabled.raw !== 'boolean') st.error(r.enabled.at, `rule "${r.name}": "enabled" is true or false`);
    else enabled = r.enabled.raw;
  }
  const cond = checkCondition(r.condition!.raw, ctxFor(r.condition!), r.condition!.at);
  const exc = exceptionCondition(r, st, ctxFor);
  if (!events || !priority || !tags || output === null || !cond || exc === null || typeof desc !== 'string') return null;
  return {
    name: r.name,
    desc: desc.trim(),
    events,
    condition: exc ? { all: [cond, exc] } : cond,
    output,
    priority,
    tags,
    enabled,
    source: r.at as Location,
  };
}


