// A harness for `sensor run` as a child process: waits for its "ready" log
// line, parses the alerts it prints (JSON lines on stdout) and its logs
// (JSON lines on stderr), and waits for what a test expects.
import { ChildProcess, spawn } from 'node:child_process';
import { SENSOR, sleep } from './support';

export type Json = Record<string, unknown>;

export interface AlertLine extends Json {
  rule: string;
  priority: string;
  tags: string[];
  output: string;
  output_fields: Json;
  count?: number;
}

export interface RunningSensor {
  child: ChildProcess;
  alerts(): AlertLine[];
  logs(): Json[];
  stderr(): string;
  /** Poll until fn returns a value (not undefined/false), or fail after ms. */
  waitFor<T>(fn: () => T | undefined | false, ms: number, what: string): Promise<T>;
  /** Signal it (SIGTERM by default) and resolve once it exited. */
  stop(signal?: NodeJS.Signals, settleMs?: number): Promise<{ code: number | null; alerts: AlertLine[]; logs: Json[] }>;
}

function parseLines(text: string): Json[] {
  const out: Json[] = [];
  for (const l of text.split('\n')) {
    if (!l.startsWith('{')) continue;
    try {
      out.push(JSON.parse(l) as Json);
    } catch {
      // a line cut by the read; the next parse sees it whole
    }
  }
  return out;
}

/** Sensors still running when the test process exits (a test failed
 *  before stopping its own) are killed, not left to run on. */
const alive = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of alive) c.kill('SIGKILL');
});

export function startSensor(args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<RunningSensor> {
  const child = spawn(process.execPath, [SENSOR, 'run', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...opts.env },
  });
  alive.add(child);
  child.once('exit', () => alive.delete(child));
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const s: RunningSensor = {
    child,
    alerts: () => parseLines(out) as AlertLine[],
    logs: () => parseLines(err),
    stderr: () => err,
    async waitFor(fn, ms, what) {
      const end = Date.now() + ms;
      for (;;) {
        const v = fn();
        if (v !== undefined && v !== false) return v as never;
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}; sensor stderr (tail):\n${err.slice(-3000)}`);
        if (child.exitCode !== null) throw new Error(`sensor exited (${child.exitCode}) while waiting for ${what}:\n${err.slice(-3000)}`);
        await sleep(50);
      }
    },
    async stop(signal = 'SIGTERM', settleMs = 500) {
      await sleep(settleMs);
      if (child.exitCode === null) child.kill(signal);
      const code = await exited;
      return { code, alerts: s.alerts(), logs: s.logs() };
    },
  };
  const timeoutMs = opts.timeoutMs ?? 30000;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`sensor run was not ready within ${timeoutMs} ms; stderr:\n${err}`));
    }, timeoutMs);
    const check = (): void => {
      if (err.includes('"msg":"ready"')) {
        clearTimeout(timer);
        child.stderr!.off('data', check);
        resolve(s);
      }
    };
    child.stderr!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`sensor run exited (${code}) before ready; stderr:\n${err}`));
    });
  });
}
