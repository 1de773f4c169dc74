// Rule fixtures: for each rule, events that must fire it and near-misses that
// must not. Every case runs through the compiled engine and through
// json-rules-engine; both must agree with the fixture. An entry may add items
// to lists for its cases (`lists: {k8s_apiserver_ips: [192.0.2.1]}`), as the
// sensor or a user's file would: lists that are empty by default.
import * as fs from 'node:fs';
import type { Fields } from '../decode/fields';
import { FIELD_NAMES, fieldType } from './catalog';
import { CompiledRuleset } from './engine';
import { loadRuleTexts } from './loader';
import { ReferenceEngine } from './reference';
import { didYouMean } from './suggest';
import type { Location, Problem, RuleSetSpec } from './types';
import { parseYaml } from './yaml-source';

export interface FixtureCase {
  rule: string;
  name: string;
  expect: 'fire' | 'no_fire';
  event: Fields;
  at: Location;
  /** Items appended to lists for this case. */
  lists?: Record<string, unknown[]>;
}

export interface CaseResult extends FixtureCase {
  compiled: boolean;
  reference: boolean;
  ok: boolean;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function readFixtures(files: readonly string[], spec: RuleSetSpec): { cases: FixtureCase[]; problems: Problem[] } {
  const problems: Problem[] = [];
  const cases: FixtureCase[] = [];
  const rules = new Map(spec.rules.map((r) => [r.name, r]));
  for (const file of files) {
    const parsed = parseYaml(file, fs.readFileSync(file, 'utf8'));
    problems.push(...parsed.problems);
    const { map } = parsed;
    const err = (at: Location, message: string): void => void problems.push({ severity: 'error', ...at, message });
    if (!Array.isArray(parsed.value)) {
      if (parsed.value !== null) err(map.locate(parsed.value), 'a fixture file is a list of {rule, fire, no_fire}');
      continue;
    }
    parsed.value.forEach((entry, i) => {
      const at = map.locate(parsed.value, i);
      if (!isObject(entry) || typeof entry.rule !== 'string') return err(at, 'each entry needs "rule": the rule name');
      for (const k of Object.keys(entry)) {
        if (!['rule', 'lists', 'fire', 'no_fire'].includes(k)) err(map.locateKey(entry, k), `unknown key "${k}"${didYouMean(k, ['rule', 'lists', 'fire', 'no_fire'])}`);
      }
      const rule = rules.get(entry.rule);
      if (!rule) return err(map.locate(entry, 'rule'), `no rule named "${entry.rule}"${didYouMean(entry.rule, rules.keys())}`);
      let lists: Record<string, unknown[]> | undefined;
      if (entry.lists !== undefined) {
        if (!isObject(entry.lists)) return err(map.locate(entry, 'lists'), '"lists" takes a mapping of list names to items to append');
        for (const [name, items] of Object.entries(entry.lists)) {
          if (!spec.lists.has(name)) return err(map.locateKey(entry.lists, name), `no list named "${name}"${didYouMean(name, spec.lists.keys())}`);
          if (!Array.isArray(items) || items.some((x) => x === null || typeof x === 'object')) {
            return err(map.locate(entry.lists, name), `"${name}": the items to append are a list of strings or numbers`);
          }
        }
        lists = entry.lists as Record<string, unknown[]>;
      }
      for (const expect of ['fire', 'no_fire'] as const) {
        const list = entry[expect] ?? [];
        if (!Array.isArray(list)) {
          err(map.locate(entry, expect), `"${expect}" takes a list of {name, event}`);
          continue;
        }
        list.forEach((c, k) => {
          const cat = map.locate(list, k);
          if (!isObject(c) || !isObject(c.event)) return err(cat, 'a case is {name, event: {field: value, ...}}');
          const name = typeof c.name === 'string' ? c.name : `${expect} #${k + 1}`;
          const ev = c.event;
          for (const f of Object.keys(ev)) {
            if (!fieldType(f)) err(map.locateKey(ev, f), `unknown field "${f}"${didYouMean(f, FIELD_NAMES)}`);
          }
          if (typeof ev['evt.type'] !== 'string') return err(cat, `case "${name}": the event needs evt.type`);
          if (expect === 'fire' && !rule.events.includes(ev['evt.type'])) {
            return err(map.locate(ev, 'evt.type'), `case "${name}": rule "${rule.name}" does not apply to evt.type ${ev['evt.type']} (its events: ${rule.events.join(', ')})`);
          }
          cases.push({ rule: rule.name, name, expect, event: ev as Fields, at: cat, ...(lists ? { lists } : {}) });
        });
      }
    });
  }
  return { cases, problems };
}

/** The ruleset with a case's list items appended: the same files loaded again. */
function withLists(spec: RuleSetSpec, lists: Record<string, unknown[]>): RuleSetSpec {
  const { spec: out, problems } = loadRuleTexts(
    spec.files.map((file) => ({ file, text: fs.readFileSync(file, 'utf8') })),
    { extraListItems: lists },
  );
  if (!out) throw new Error(`the rules do not load with the fixture's lists: ${problems.map((p) => p.message).join('; ')}`);
  return out;
}

export async function runFixtures(cases: readonly FixtureCase[], spec: RuleSetSpec): Promise<CaseResult[]> {
  const engines = new Map<string, { compiled: CompiledRuleset; reference: ReferenceEngine }>();
  const enginesFor = (lists: Record<string, unknown[]> | undefined): { compiled: CompiledRuleset; reference: ReferenceEngine } => {
    const key = lists ? JSON.stringify(lists) : '';
    let e = engines.get(key);
    if (!e) {
      const s = lists ? withLists(spec, lists) : spec;
      e = { compiled: new CompiledRuleset(s), reference: new ReferenceEngine(s) };
      engines.set(key, e);
    }
    return e;
  };
  const out: CaseResult[] = [];
  for (const c of cases) {
    const { compiled, reference } = enginesFor(c.lists);
    const a = compiled.evaluate(c.event).some((r) => r.name === c.rule);
    const b = (await reference.evaluate(c.event)).includes(c.rule);
    const want = c.expect === 'fire';
    out.push({ ...c, compiled: a, reference: b, ok: a === want && b === want });
  }
  return out;
}
