// proc.tty on the real kernel: a process with a controlling terminal (a
// pseudo-terminal, as `kubectl exec -it` gives one) shows the device number
// /proc/<pid>/stat calls tty_nr; one without shows 0. From the exec event
// itself, from the process cache on later events, and from /proc for a
// process that started before the sensor.
import { strict as assert } from 'node:assert';
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { Fields, ofPid, requireBpf, sleep, startTrace, TraceResult } from '../support';

/** argv running `script` (sh -c) with a new pseudo-terminal as its controlling terminal. */
function underPty(script: string): string[] {
  // bsdutils (essential on Debian) has script(1); python3's pty module otherwise.
  if (spawnSync('script', ['--version']).status === 0) return ['script', '-qec', script, '/dev/null'];
  return ['python3', '-c', 'import pty, sys; sys.exit(pty.spawn(sys.argv[1:]) >> 8)', 'sh', '-c', script];
}

interface Started {
  child: ChildProcess;
  out: () => string;
  done: Promise<number | null>;
}

/** In a session of its own (setsid): no terminal unless the command opens one. */
function start(argv: string[]): Started {
  const child = spawn(argv[0], argv.slice(1), { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const done = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, out: () => out, done };
}

async function until(what: string, ok: () => boolean, ms = 10000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** pid and tty_nr (field 7) from a /proc/<pid>/stat line; comm may hold spaces. */
function statOf(line: string): { pid: number; tty: number } {
  const rest = line.slice(line.lastIndexOf(')') + 2).trim().split(' ');
  return { pid: Number(line.slice(0, line.indexOf(' '))), tty: Number(rest[4]) >>> 0 };
}

const STAT_LINE = /^\d+ \(cat\) .*$/m;

describe('kernel: proc.tty, the controlling terminal', function () {
  let trace: TraceResult;
  let withTty: { pid: number; tty: number };
  let noTty: { pid: number; tty: number };
  let older: { pid: number; tty: number };
  let olderProc: Started | null = null;

  before(async function () {
    requireBpf(this);
    // Started before the sensor: its terminal comes from /proc when seeded.
    olderProc = start(underPty('echo $$; exec sleep 60'));
    await until('the older process', () => /^\d+\s*$/m.test(olderProc!.out()));
    const olderPid = Number(/^(\d+)\s*$/m.exec(olderProc.out())![1]);
    await until('the older process to exec sleep', () => fs.readFileSync(`/proc/${olderPid}/comm`, 'utf8').trim() === 'sleep');
    older = statOf(fs.readFileSync(`/proc/${olderPid}/stat`, 'utf8'));

    const t = await startTrace(['exec', 'exit', '-o', 'json']);
    const a = start(underPty('exec cat /proc/self/stat'));
    await a.done;
    const b = start(['cat', '/proc/self/stat']);
    await b.done;
    process.kill(older.pid, 'SIGKILL');
    await olderProc.done;
    trace = await t.stop(500);
    withTty = statOf(STAT_LINE.exec(a.out())![0]);
    noTty = statOf(STAT_LINE.exec(b.out())![0]);
  });

  after(function () {
    try {
      if (olderProc?.child.pid) process.kill(-olderProc.child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  });

  function catExec(pid: number): Fields {
    const e = ofPid(trace.events, pid, 'execve').find((x) => String(x['proc.exepath']).endsWith('/cat'));
    assert.ok(e, `exec of cat (pid ${pid}) traced`);
    return e;
  }

  it('shows a pseudo-terminal as /proc/<pid>/stat tty_nr on the exec event', function () {
    assert.notEqual(withTty.tty, 0, 'the process under script(1) has a terminal');
    // A pty slave is major 136 (Unix98 ptys).
    assert.equal(withTty.tty >> 8 & 0xfff, 136);
    assert.equal(catExec(withTty.pid)['proc.tty'], withTty.tty);
  });

  it('shows 0 for a process with no controlling terminal', function () {
    assert.equal(noTty.tty, 0);
    assert.equal(catExec(noTty.pid)['proc.tty'], 0);
  });

  it('carries it to later events of the process, from the process cache', function () {
    const [x] = ofPid(trace.events, withTty.pid, 'procexit');
    assert.ok(x, 'exit of the process under script(1)');
    assert.equal(x['proc.tty'], withTty.tty);
    const [y] = ofPid(trace.events, noTty.pid, 'procexit');
    assert.ok(y, 'exit of the process with no terminal');
    assert.equal(y['proc.tty'], 0);
  });

  it('reads it from /proc for a process older than the sensor', function () {
    assert.notEqual(older.tty, 0);
    const [x] = ofPid(trace.events, older.pid, 'procexit');
    assert.ok(x, `exit of the older process ${older.pid}`);
    assert.equal(x['proc.tty'], older.tty);
  });
});
