// Rule fixtures: for each rule, events that must fire it and near-misses that
// must not. Every case runs through the compiled engine and through
// json-rules-engine; both must agree with the fixture.
import * as fs from 'node:fs';
import type { Fields } from '../decode/fields';
import { FIELD_NAMES, fieldType } from './catalog';
import { CompiledRuleset } from './engine';
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
        if (!['rule', 'fire', 'no_fire'].includes(k)) err(map.locateKey(entry, k), `unknown key "${k}"${didYouMean(k, ['rule', 'fire', 'no_fire'])}`);
      }
      const rule = rules.get(entry.rule);
      if (!rule) return err(map.locate(entry, 'rule'), `no rule named "${entry.rule}"${didYouMean(entry.rule, rules.keys())}`);
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
          cases.push({ rule: rule.name, name, expect, event: ev as Fields, at: cat });
        });
      }
    });
  }
  return { cases, problems };
}

export async function runFixtures(cases: readonly FixtureCase[], spec: RuleSetSpec): Promise<CaseResult[]> {
  const compiled = new CompiledRuleset(spec);
  const reference = new ReferenceEngine(spec);
  const out: CaseResult[] = [];
  for (const c of cases) {
    const a = compiled.evaluate(c.event).some((r) => r.name === c.rule);
    const b = (await reference.evaluate(c.event)).includes(c.rule);
    const want = c.expect === 'fire';
    out.push({ ...c, compiled: a, reference: b, ok: a === want && b === want });
  }
  return out;
}
