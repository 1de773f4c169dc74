// The YAML configuration file: parsed with line numbers, every key checked
// against the settings table (an unknown key is an error that names the
// nearest valid one), leaf values handed back by dotted path.
import { readFileSync } from 'node:fs';
import { isMap, isScalar, LineCounter, parseDocument, Document, Node, YAMLMap } from 'yaml';
import { didYouMean } from './errors';
import { FORBIDDEN_YAML, SETTINGS } from './settings';

export interface FileValue {
  value: unknown;
  line: number;
}

export interface ConfigFile {
  path: string;
  /** Leaf settings by YAML path (e.g. "kafka.brokers"). */
  values: Map<string, FileValue>;
  /** Top-level keys the caller claimed, as plain values. */
  extra: Record<string, unknown>;
}

const LEAVES = new Set(SETTINGS.filter((s) => s.yaml).map((s) => s.yaml!));
const GROUPS = new Set<string>();
for (const leaf of LEAVES) {
  const parts = leaf.split('.');
  for (let i = 1; i < parts.length; i++) GROUPS.add(parts.slice(0, i).join('.'));
}

/** Valid keys directly under prefix ('' for the top level). */
function childKeys(prefix: string, callerKeys: ReadonlySet<string>): string[] {
  const out = new Set<string>(prefix ? [] : callerKeys);
  for (const p of [...LEAVES, ...GROUPS]) {
    if (prefix ? p.startsWith(`${prefix}.`) : true) {
      const rest = prefix ? p.slice(prefix.length + 1) : p;
      if (rest && !rest.includes('.')) out.add(rest);
    }
  }
  return [...out];
}

/** Reads and checks a config file; pushes each problem found. */
export function loadConfigFile(path: string, callerKeys: ReadonlySet<string>, problems: string[]): ConfigFile {
  const out: ConfigFile = { path, values: new Map(), extra: {} };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    problems.push(`--config ${path}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); check the path`);
    return out;
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length) {
    for (const e of doc.errors) problems.push(`${path}: not valid YAML: ${e.message.split('\n')[0]}`);
    return out;
  }
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) return out;
  if (!isMap(doc.contents)) {
    problems.push(`${path}: the file must be a YAML mapping (key: value lines), e.g. "sinks: [stdout]"`);
    return out;
  }
  const lineOf = (n: Node | null | undefined): number => (n?.range ? lines.linePos(n.range[0]).line : 0);
  const at = (key: string, n: Node | null | undefined): string => `${key} (line ${lineOf(n)} of ${path})`;

  const walk = (map: YAMLMap, prefix: string): void => {
    for (const pair of map.items) {
      const keyNode = pair.key as Node | null;
      if (!isScalar(keyNode) || typeof keyNode.value !== 'string') {
        problems.push(`${path} line ${lineOf(keyNode)}: keys must be plain names`);
        continue;
      }
      const key = keyNode.value;
      const full = prefix ? `${prefix}.${key}` : key;
      const valueNode = pair.value as Node | null;
      const value = valueNode ? valueNode.toJS(doc as Document) : null;
      if (!prefix && callerKeys.has(key)) {
        out.extra[key] = value;
      } else if (FORBIDDEN_YAML[full]) {
        problems.push(`${at(full, keyNode)}: ${FORBIDDEN_YAML[full]}`);
      } else if (LEAVES.has(full)) {
        if (value !== null) out.values.set(full, { value, line: lineOf(valueNode ?? keyNode) });
      } else if (GROUPS.has(full)) {
        if (isMap(valueNode)) walk(valueNode, full);
        else if (value !== null) problems.push(`${at(full, keyNode)}: must be a mapping of ${childKeys(full, callerKeys).join(', ')}`);
      } else {
        problems.push(`${at(full, keyNode)}: unknown key${didYouMean(key, childKeys(prefix, callerKeys))}; valid keys here: ${childKeys(prefix, callerKeys).sort().join(', ')}`);
      }
    }
  };
  walk(doc.contents, '');
  return out;
}
