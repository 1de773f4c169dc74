// Hot reload: the rule files are watched (and SIGHUP asks for a reload). A
// new ruleset is loaded and compiled whole, then swapped in with one
// assignment; a ruleset with any error is refused and the previous one stays
// active, with the problems logged and counted.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Logger } from '../log';
import { CompiledRuleset } from './engine';
import { ruleFiles } from './files';
import { loadRulePaths, type LoadOptions } from './loader';
import { formatProblem, type Problem } from './types';

export interface ReloadStats {
  loads: number;
  failures: number;
  lastError: string | null;
  /** Date.now() of the ruleset in force. */
  loadedAt: number;
}

export class RuleLoadError extends Error {
  constructor(readonly problems: Problem[]) {
    super(`rules failed to load:\n${problems.filter((p) => p.severity === 'error').map(formatProblem).join('\n')}`);
  }
}

/** Load and compile, or throw RuleLoadError. Warnings go to the log. */
export function compileRulePaths(paths: readonly string[], log: Logger, opts: LoadOptions = {}): CompiledRuleset {
  const r = loadRulePaths(paths, opts);
  for (const p of r.problems) {
    if (p.severity === 'warning') log.warn({ file: p.file, line: p.line, col: p.col, problem: p.message }, 'rule warning');
  }
  if (!r.spec) throw new RuleLoadError(r.problems);
  return new CompiledRuleset(r.spec);
}

export interface ReloaderOptions {
  paths: readonly string[];
  log: Logger;
  load?: LoadOptions;
  /** Called with each ruleset that replaces the one in force. */
  onSwap(rules: CompiledRuleset): void;
  debounceMs?: number;
}

const RELEVANT = /\.ya?ml$|^\.\.data$/;

/** A digest of the rule files' contents: a reload that changes nothing is skipped. */
function digest(paths: readonly string[]): string {
  const h = createHash('sha256');
  for (const f of ruleFiles(paths)) {
    h.update(f).update('\0');
    try {
      h.update(fs.readFileSync(f));
    } catch {
      h.update('<unreadable>');
    }
  }
  return h.digest('hex');
}

export class RuleReloader {
  private current = '';

  private readonly watchers: fs.FSWatcher[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly st: ReloadStats = { loads: 0, failures: 0, lastError: null, loadedAt: 0 };

  constructor(private readonly o: ReloaderOptions) {}

  /** Watch the files and directories (a file's directory: editors and
   *  ConfigMaps replace files by rename). */
  watch(): void {
    const dirs = new Set<string>();
    for (const p of this.o.paths) {
      let dir = p;
      try {
        if (!fs.statSync(p).isDirectory()) dir = path.dirname(p);
      } catch {
        dir = path.dirname(p);
      }
      dirs.add(path.resolve(dir));
    }
    for (const d of dirs) {
      try {
        // Only rule files matter (and a ConfigMap's ..data symlink swap).
        const w = fs.watch(d, { persistent: false }, (_ev, name) => {
          if (name === null || RELEVANT.test(String(name))) this.schedule('file change');
        });
        w.on('error', (err) => this.o.log.warn({ dir: d, err: err.message }, 'rule directory watch failed; SIGHUP still reloads'));
        this.watchers.push(w);
      } catch (err) {
        this.o.log.warn({ dir: d, err: (err as Error).message }, 'cannot watch rule directory; SIGHUP still reloads');
      }
    }
  }

  schedule(reason: string): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.reload(reason);
    }, this.o.debounceMs ?? 250);
    this.timer.unref?.();
  }

  /** Remember what is in force now (the ruleset loaded at start). */
  setBaseline(): void {
    try {
      this.current = digest(this.o.paths);
    } catch {
      this.current = '';
    }
  }

  /** Load now; true when a new ruleset is in force. */
  reload(reason: string): boolean {
    let sum = '';
    try {
      sum = digest(this.o.paths);
    } catch {
      // a path vanished: let the load report it
    }
    if (sum && sum === this.current) {
      this.o.log.debug({ reason }, 'rule files unchanged');
      return false;
    }
    let rules: CompiledRuleset;
    try {
      rules = compileRulePaths(this.o.paths, this.o.log, this.o.load);
    } catch (err) {
      this.st.failures++;
      const problems = err instanceof RuleLoadError ? err.problems.filter((p) => p.severity === 'error') : [];
      this.st.lastError = problems.length ? formatProblem(problems[0]) : (err as Error).message;
      for (const p of problems) this.o.log.error({ file: p.file, line: p.line, col: p.col, problem: p.message }, 'rule error');
      this.o.log.error({ reason, errors: problems.length || 1, failures: this.st.failures }, 'rules not reloaded; the previous ruleset stays in force');
      return false;
    }
    this.current = sum;
    this.st.loads++;
    this.st.loadedAt = rules.loadedAt;
    this.st.lastError = null;
    this.o.onSwap(rules);
    this.o.log.info({ reason, rules: rules.rules.length, eventTypes: rules.eventTypes().length }, 'rules reloaded');
    return true;
  }

  stats(): ReloadStats {
    return { ...this.st };
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const w of this.watchers) w.close();
    this.watchers.length = 0;
  }
}
