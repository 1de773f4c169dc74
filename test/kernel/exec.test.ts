// `sensor trace exec exit -o json` on the real kernel: what a process ran,
// with which arguments and parent, and how it ended.
import { strict as assert } from 'node:assert';
import { Fields, ofPid, requireBpf, Ran, run, sh, startTrace, TraceResult } from '../support';

describe('kernel: trace exec and exit', function () {
  let trace: TraceResult;
  const ran: Record<string, Ran> = {};
  const longArgs = Array.from({ length: 60 }, (_, i) => `arg${i}-` + 'x'.repeat(200));

  before(async function () {
    requireBpf(this);
    const t = await startTrace(['exec', 'exit', '-o', 'json']);
    ran.echo = await run('/bin/sh', ['-c', 'exec /bin/echo hello world']);
    ran.long = await run('/bin/true', longArgs);
    ran.bytes = await sh(`exec /bin/echo "$(printf 'a\\377b')" 'h\u00e9llo \u2713'`);
    ran.exit3 = await sh('exit 3');
    ran.killed = await sh('kill -KILL $$');
    ran.relative = await run('./echo', ['rel'], { cwd: '/bin' });
    trace = await t.stop();
  });

  function execsOf(r: Ran): Fields[] {
    return ofPid(trace.events, r.pid, 'execve');
  }

  it('shows sh and then echo, same pid, our process as parent', function () {
    const ev = execsOf(ran.echo);
    assert.equal(ev.length, 2, JSON.stringify(ev));
    const [sh0, echo] = ev;
    assert.equal(sh0['proc.exepath'], '/bin/sh');
    assert.deepEqual(sh0['proc.args'], ['/bin/sh', '-c', 'exec /bin/echo hello world']);
    assert.equal(echo['proc.exepath'], '/bin/echo');
    assert.deepEqual(echo['proc.args'], ['/bin/echo', 'hello', 'world']);
    assert.equal(echo['proc.cmdline'], '/bin/echo hello world');
    assert.equal(echo['proc.name'], 'echo');
    for (const e of ev) {
      assert.equal(e['proc.pid'], ran.echo.pid);
      assert.equal(e['proc.ppid'], process.pid);
      assert.equal(e['user.uid'], 0);
      assert.equal(e['evt.res'], 'SUCCESS');
      assert.match(String(e['evt.time']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    }
  });

  it('resolves the executable the kernel mapped, symlinks followed', function () {
    const [, echo] = execsOf(ran.echo);
    const real = require('node:fs').realpathSync('/bin/echo');
    assert.equal(echo['proc.exepath_resolved'], real);
  });

  it('makes a relative exec path absolute against the cwd', function () {
    const [e] = execsOf(ran.relative);
    // The cwd is the kernel's: /bin is a symlink to usr/bin on merged-usr systems.
    const cwd = require('node:fs').realpathSync('/bin');
    assert.equal(e['proc.cwd'], cwd);
    assert.equal(e['proc.exepath'], `${cwd}/echo`);
    assert.deepEqual(e['proc.args'], ['./echo', 'rel']);
  });

  it('flags a long argument vector as truncated and never garbles it', function () {
    const [e] = execsOf(ran.long);
    assert.ok(e, 'exec of /bin/true seen');
    const args = e['proc.args'] as string[];
    assert.equal(e['proc.args_truncated'], true);
    assert.equal(e['proc.argc'], longArgs.length + 1);
    assert.ok(args.length > 10 && args.length <= longArgs.length + 1, `captured ${args.length} args`);
    const full = ['/bin/true', ...longArgs];
    // Every captured argument but the last is whole; the last is a prefix.
    args.slice(0, -1).forEach((a, i) => assert.equal(a, full[i]));
    const last = args.length - 1;
    assert.ok(full[last].startsWith(args[last]), 'last argument is a prefix of the real one');
    const bytes = args.reduce((n, a) => n + Buffer.byteLength(a) + 1, 0);
    assert.ok(bytes >= 8000 && bytes <= 8192, `captured ${bytes} bytes`);
  });

  it('keeps non-UTF-8 bytes as \\xNN and valid UTF-8 as is', function () {
    const ev = execsOf(ran.bytes);
    const echo = ev.find((e) => e['proc.exepath'] === '/bin/echo');
    assert.ok(echo, JSON.stringify(ev));
    assert.deepEqual(echo['proc.args'], ['/bin/echo', 'a\\xffb', 'h\u00e9llo \u2713']);
  });

  it('reports exit codes and killing signals', function () {
    const [x3] = ofPid(trace.events, ran.exit3.pid, 'procexit');
    assert.equal(ran.exit3.status, 3);
    assert.equal(x3['proc.exit_code'], 3);
    assert.equal(x3['proc.exit_signal'], '');
    const [k] = ofPid(trace.events, ran.killed.pid, 'procexit');
    assert.equal(ran.killed.signal, 'SIGKILL');
    assert.equal(k['proc.exit_signal'], 'SIGKILL');
    const [ok] = ofPid(trace.events, ran.echo.pid, 'procexit');
    assert.equal(ok['proc.exit_code'], 0);
  });

  it('exits 0 on SIGINT and reports no loss', function () {
    assert.equal(trace.code, 0, trace.stderr);
    assert.match(trace.stderr, /"msg":"stopped"/);
    assert.doesNotMatch(trace.stderr, /events were lost/);
  });
});
