// Reads the Dockerfile into stages of instructions (line continuations,
// comments, ARG substitution, JSON and shell forms), and the .dockerignore
// patterns, so the image tests assert on data rather than on text. Covers the
// instructions this project's Dockerfile uses, not BuildKit's whole grammar.
import { readFileSync } from 'node:fs';

export interface Instruction {
  /** Upper-cased keyword: FROM, RUN, COPY... */
  op: string;
  /** The text after the keyword, continuation lines joined, ARGs not expanded. */
  raw: string;
  /** 1-based line of the keyword. */
  line: number;
}

export interface CopyInstruction {
  /** Stage name or index given by --from, or null for the build context. */
  from: string | null;
  sources: string[];
  dest: string;
}

export interface Stage {
  index: number;
  /** The image after ARG expansion, e.g. node:20-bookworm-slim. */
  image: string;
  name: string | null;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** ARGs declared before the first FROM, with their defaults. */
  globalArgs: Record<string, string>;
  stages: Stage[];
}

/** Logical lines: continuations joined, comments and blank lines dropped. */
export function logicalLines(text: string): { text: string; line: number }[] {
  const out: { text: string; line: number }[] = [];
  const lines = text.split('\n');
  let acc = '';
  let start = 0;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    const trimmed = l.trim();
    // A comment line inside a continuation is skipped, as Docker does.
    if (trimmed.startsWith('#')) continue;
    if (acc === '' && trimmed === '') continue;
    if (acc === '') start = i + 1;
    if (/\\\s*$/.test(l)) {
      acc += l.replace(/\\\s*$/, ' ');
      continue;
    }
    acc += l;
    if (acc.trim()) out.push({ text: acc.trim(), line: start });
    acc = '';
  }
  if (acc.trim()) out.push({ text: acc.trim(), line: start });
  return out;
}

/** ${NAME}, ${NAME:-default} and $NAME from `vars`; unknown names become ''. */
export function expand(s: string, vars: Record<string, string>): string {
  return s
    .replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_m, n: string, d?: string) => vars[n] || d || '')
    .replace(/\$([A-Za-z_][A-Za-z0-9_]*)/g, (_m, n: string) => vars[n] ?? '');
}

function parseArgDecl(raw: string): [string, string] {
  const eq = raw.indexOf('=');
  if (eq < 0) return [raw.trim(), ''];
  return [raw.slice(0, eq).trim(), raw.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1')];
}

export function parseDockerfile(text: string): Dockerfile {
  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const { text: l, line } of logicalLines(text)) {
    const m = /^([A-Za-z]+)\s*(.*)$/s.exec(l);
    if (!m) throw new Error(`Dockerfile:${line}: cannot parse "${l}"`);
    const op = m[1].toUpperCase();
    const raw = m[2];
    if (op === 'FROM') {
      const f = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(raw);
      if (!f) throw new Error(`Dockerfile:${line}: cannot parse FROM "${raw}"`);
      stages.push({ index: stages.length, image: expand(f[1], globalArgs), name: f[2] ?? null, instructions: [] });
      continue;
    }
    if (!stages.length) {
      if (op !== 'ARG') throw new Error(`Dockerfile:${line}: ${op} before the first FROM`);
      const [k, v] = parseArgDecl(raw);
      globalArgs[k] = v;
      continue;
    }
    stages[stages.length - 1].instructions.push({ op, raw, line });
  }
  return { globalArgs, stages };
}

export function readDockerfile(file: string): Dockerfile {
  return parseDockerfile(readFileSync(file, 'utf8'));
}

/** The JSON array of an exec-form ENTRYPOINT/CMD, or null for the shell form. */
export function execForm(raw: string): string[] | null {
  if (!raw.trim().startsWith('[')) return null;
  const v = JSON.parse(raw) as unknown;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new Error(`not a JSON string array: ${raw}`);
  return v as string[];
}

export function parseCopy(raw: string): CopyInstruction {
  const words = raw.trim().split(/\s+/);
  let from: string | null = null;
  const rest: string[] = [];
  for (const w of words) {
    if (w.startsWith('--from=')) from = w.slice('--from='.length);
    else if (w.startsWith('--')) continue; // --chown, --chmod, --link
    else rest.push(w);
  }
  if (rest.length < 2) throw new Error(`COPY needs a source and a destination: ${raw}`);
  return { from, sources: rest.slice(0, -1), dest: rest[rest.length - 1] };
}

/** LABEL k=v k2="v 2" ... as a map (values unexpanded). */
export function parseLabels(raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /([^\s=]+)=("(?:[^"\\]|\\.)*"|\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(raw))) out[m[1]] = m[2].startsWith('"') ? (JSON.parse(m[2]) as string) : m[2];
  return out;
}

/** The stage a --from names (by name or index). */
export function stageOf(df: Dockerfile, ref: string): Stage {
  const s = /^\d+$/.test(ref) ? df.stages[Number(ref)] : df.stages.find((x) => x.name === ref);
  if (!s) throw new Error(`no stage "${ref}"`);
  return s;
}

/** The ARGs a stage sees: global defaults it re-declares, then its own. */
export function stageArgs(df: Dockerfile, stage: Stage, overrides: Record<string, string> = {}): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const ins of stage.instructions) {
    if (ins.op !== 'ARG') continue;
    const [k, v] = parseArgDecl(ins.raw);
    vars[k] = overrides[k] ?? (v || df.globalArgs[k] || '');
  }
  return vars;
}

/** Packages an `apt-get install` in a RUN installs, or null when it installs none. */
export function aptInstalls(run: string): { packages: string[]; noRecommends: boolean; listsRemoved: boolean } | null {
  const m = /apt-get\s+install\s+([^&|;]*)/.exec(run);
  if (!m) return null;
  const words = m[1].trim().split(/\s+/);
  return {
    packages: words.filter((w) => !w.startsWith('-')),
    noRecommends: words.includes('--no-install-recommends'),
    listsRemoved: /rm\s+-rf\s+\/var\/lib\/apt\/lists\/\*/.test(run),
  };
}

// ---------------------------------------------------------------------------
// .dockerignore: Go filepath.Match patterns plus "**", with "!" exceptions;
// the last matching line wins, and a path is ignored when it or a parent is.

export interface IgnoreRule {
  pattern: string;
  negate: boolean;
  re: RegExp;
}

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      // "**/" matches any number of directories, "**" at the end anything.
      if (glob[i + 2] === '/') {
        re += '(?:.*/)?';
        i += 2;
      } else {
        re += '.*';
        i += 1;
      }
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

export function parseDockerignore(text: string): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    const negate = t.startsWith('!');
    const pattern = (negate ? t.slice(1) : t).replace(/^\/+/, '').replace(/\/+$/, '');
    rules.push({ pattern, negate, re: globToRegExp(pattern) });
  }
  return rules;
}

/** Whether a context-relative path ("sensor/cli/main.ts") is left out of the build context. */
export function isIgnored(rules: IgnoreRule[], relPath: string): boolean {
  const parts = relPath.replace(/^\.\//, '').split('/').filter(Boolean);
  let ignored = false;
  for (let n = 1; n <= parts.length; n++) {
    const p = parts.slice(0, n).join('/');
    for (const r of rules) if (r.re.test(p)) ignored = !r.negate;
    if (ignored && n < parts.length) {
      // A parent directory is out: only an exception deeper down brings a path back.
      const deeper = rules.some((r) => r.negate);
      if (!deeper) return true;
    }
  }
  return ignored;
}
