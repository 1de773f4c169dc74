// Picks each setting's value from the first source that gives it (flag >
// environment > file > default) and parses it by kind. A value that does not
// parse becomes a problem naming its source; nothing throws here.
import { accessSync, constants } from 'node:fs';
import type { ConfigFile } from './file';
import { Setting, SETTINGS } from './settings';
import * as v from './values';

export type Origin = 'flag' | 'env' | 'file' | 'default';

export interface Resolved {
  value: unknown;
  origin: Origin;
  /** How to name the source in a message: --flag, env NAME, key (line N of FILE). */
  where: string;
}

export interface Sources {
  /** parseArgs values (strings, string arrays, or true for a bare flag in non-strict mode). */
  flags: Readonly<Record<string, unknown>>;
  env: NodeJS.ProcessEnv;
  file?: ConfigFile;
}

function readable(path: string): string {
  try {
    accessSync(path, constants.R_OK);
  } catch (err) {
    throw new v.ValueError(`cannot read ${JSON.stringify(path)} (${(err as NodeJS.ErrnoException).code}); check the path and the file's permissions`);
  }
  return path;
}

function keyFields(raw: unknown): Record<string, string[]> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new v.ValueError('must map rule names to lists of output fields, e.g. {"Terminal shell in container": [proc.name, container.id]}');
  }
  const out: Record<string, string[]> = {};
  for (const [rule, fields] of Object.entries(raw)) {
    if (!Array.isArray(fields) || fields.some((f) => typeof f !== 'string' || !f)) {
      throw new v.ValueError(`the entry for rule ${JSON.stringify(rule)} must be a list of field names, e.g. [proc.name, fd.name]`);
    }
    out[rule] = fields as string[];
  }
  return out;
}

/** Parses one raw value as the setting's kind; throws ValueError. */
export function parseSetting(s: Setting, raw: unknown): unknown {
  switch (s.kind) {
    case 'string':
      return v.parseString(raw);
    case 'int':
      return v.parseInt(raw, s.min ?? 0, s.max);
    case 'bool':
      return v.parseBool(raw);
    case 'duration':
      return v.parseDuration(raw);
    case 'bytes': {
      const n = v.parseBytes(raw);
      if (n < (s.min ?? 0)) throw new v.ValueError(`must be at least ${s.min} byte(s)`);
      return n;
    }
    case 'list': {
      const items = v.parseList(raw);
      return s.values ? [...new Set(items.map((x) => v.parseEnum(x, s.values!)))] : items;
    }
    case 'map':
      return v.parseMap(raw, s.split ?? false);
    case 'enum':
      return v.parseEnum(raw, s.values!);
    case 'url':
      return v.parseUrl(raw);
    case 'file':
      return readable(v.parseString(raw));
    case 'priority':
      return v.parsePriority(raw);
    case 'keyfields':
      return keyFields(raw);
    case 'secret':
      if (typeof raw !== 'string' || raw === '') throw new v.ValueError('is empty');
      return raw;
  }
}

/** The documented default, parsed; undefined when the doc shows "(...)". */
export function defaultOf(s: Setting): unknown {
  return s.def.startsWith('(') ? undefined : parseSetting(s, s.def);
}

function fileWhere(src: Sources, yaml: string): string {
  const fv = src.file!.values.get(yaml)!;
  return `${yaml} (line ${fv.line} of ${src.file!.path})`;
}

/** Every setting's value; problems get one line each. */
export function resolveAll(src: Sources, problems: string[]): Map<string, Resolved> {
  const out = new Map<string, Resolved>();
  for (const s of SETTINGS) {
    if (s.id === 'config') continue; // read by the caller before anything else
    const given: { raw: unknown; origin: Origin; where: string }[] = [];
    if (s.flag && src.flags[s.flag] !== undefined) given.push({ raw: src.flags[s.flag], origin: 'flag', where: `--${s.flag}` });
    const e = s.env ? src.env[s.env] : undefined;
    if (s.env && e !== undefined && e !== '') given.push({ raw: e, origin: 'env', where: `env ${s.env}` });
    if (s.yaml && src.file?.values.has(s.yaml)) {
      given.push({ raw: src.file.values.get(s.yaml)!.value, origin: 'file', where: fileWhere(src, s.yaml) });
    }
    // Maps (OTLP headers) merge by key across sources, the stronger source winning.
    const use = s.kind === 'map' ? [...given].reverse() : given.slice(0, 1);
    let value: unknown;
    for (const g of use) {
      if (g.raw === true && s.kind !== 'bool') {
        problems.push(`${g.where} needs a value, e.g. ${g.where}=...`);
        continue;
      }
      const split = s.kind === 'map' && g.origin === 'env' ? { ...s, split: true } : s;
      try {
        const parsed = parseSetting(split, g.raw);
        value = s.kind === 'map' ? { ...(value as Record<string, string> | undefined), ...(parsed as Record<string, string>) } : parsed;
      } catch (err) {
        if (!(err instanceof v.ValueError)) throw err;
        problems.push(`${g.where}: ${err.message}`);
      }
    }
    if (value !== undefined) {
      const top = given[0]!;
      out.set(s.id, { value, origin: top.origin, where: top.where });
    } else if (given.length === 0) {
      out.set(s.id, { value: defaultOf(s), origin: 'default', where: s.flag ? `--${s.flag}` : s.env ?? s.yaml ?? s.id });
    }
  }
  return out;
}
