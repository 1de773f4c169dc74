// Reads a rule or fixture file into plain values while remembering where each
// object, array and key came from, so every error can name file:line:column.
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml';
import type { Location, Problem } from './types';

interface Where {
  at: Location;
  /** Where each key's value (map) or each element (array) starts. */
  children: Map<string | number, Location>;
  /** Where each key itself is written (maps only). */
  keys: Map<string, Location>;
}

export class SourceMap {
  private readonly where = new WeakMap<object, Where>();
  /** Nodes left to convert: aliases can multiply a small file (billion laughs). */
  budget = 1_000_000;

  constructor(readonly file: string) {}

  record(obj: object, w: Where): void {
    this.where.set(obj, w);
  }

  /** Where `obj` (or its member `key`) is written; the file start if unknown. */
  locate(obj: unknown, key?: string | number): Location {
    const w = obj !== null && typeof obj === 'object' ? this.where.get(obj) : undefined;
    if (!w) return { file: this.file, line: 1, col: 1 };
    if (key !== undefined) return w.children.get(key) ?? w.at;
    return w.at;
  }

  /** Where the key itself is written (for "unknown key" errors). */
  locateKey(obj: unknown, key: string): Location {
    const w = obj !== null && typeof obj === 'object' ? this.where.get(obj) : undefined;
    return w?.keys.get(key) ?? this.locate(obj, key);
  }
}

export interface ParsedFile {
  value: unknown;
  map: SourceMap;
  problems: Problem[];
}

function convert(node: Node | null | undefined, doc: Document, lc: LineCounter, map: SourceMap, depth = 0): unknown {
  if (!node) return null;
  if (depth > 64) throw new Error('nested more than 64 levels deep');
  if (--map.budget < 0) throw new Error('the file expands to more than 1,000,000 values (aliases?)');
  const pos = (n: Node | null | undefined): Location => {
    const off = n?.range?.[0] ?? node.range?.[0] ?? 0;
    const lp = lc.linePos(off);
    return { file: map.file, line: lp.line, col: lp.col };
  };
  if (isAlias(node)) return convert(node.resolve(doc) as Node | undefined, doc, lc, map, depth + 1);
  if (isScalar(node)) return node.value;
  if (isSeq(node)) {
    const out: unknown[] = [];
    const children = new Map<number, Location>();
    node.items.forEach((item, i) => {
      children.set(i, pos(item as Node));
      out.push(convert(item as Node, doc, lc, map, depth + 1));
    });
    map.record(out, { at: pos(node), children, keys: new Map() });
    return out;
  }
  if (isMap(node)) {
    const out: Record<string, unknown> = {};
    const children = new Map<string, Location>();
    const keys = new Map<string, Location>();
    for (const pair of node.items) {
      const k = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      keys.set(k, pos(pair.key as Node));
      children.set(k, pos((pair.value as Node) ?? (pair.key as Node)));
      Object.defineProperty(out, k, {
        value: convert(pair.value as Node, doc, lc, map, depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    map.record(out, { at: pos(node), children, keys });
    return out;
  }
  return null;
}

export function parseYaml(file: string, text: string): ParsedFile {
  const lc = new LineCounter();
  const map = new SourceMap(file);
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const problems: Problem[] = [];
  for (const e of [...doc.errors, ...doc.warnings]) {
    const off = e.pos?.[0] ?? 0;
    const lp = lc.linePos(off);
    problems.push({
      severity: doc.errors.includes(e as never) ? 'error' : 'warning',
      file,
      line: lp.line,
      col: lp.col,
      message: `YAML: ${e.message.split('\n')[0]}`,
    });
  }
  if (problems.some((p) => p.severity === 'error')) return { value: null, map, problems };
  try {
    return { value: convert(doc.contents as Node | null, doc, lc, map), map, problems };
  } catch (err) {
    problems.push({ severity: 'error', file, line: 1, col: 1, message: (err as Error).message });
    return { value: null, map, problems };
  }
}
