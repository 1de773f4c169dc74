// Start, filter and stop: nothing stays attached or open after stop, SIGTERM
// exits cleanly, and the filters print only what they name.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import { KernelSource } from '../../sensor/kernel/source';
import { createLogger } from '../../sensor/log';
import { requireBpf, run, sh, startTrace } from '../support';

/** This process's fds that hold BPF objects, links or perf events. */
function bpfFds(): string[] {
  return fs
    .readdirSync('/proc/self/fd')
    .map((fd) => {
      try {
        return fs.readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        return '';
      }
    })
    .filter((l) => /bpf|perf_event/.test(l));
}

describe('kernel: lifecycle and filters', function () {
  before(function () {
    requireBpf(this);
  });

  it('stop() detaches and closes every program, link, map and ring', async function () {
    const before = bpfFds();
    let seen = 0;
    const src = KernelSource.start({ types: ['exec', 'open'], log: createLogger('silent'), onEvent: () => seen++ });
    const during = bpfFds();
    assert.ok(during.length > before.length + 8, `holds BPF fds while running (${during.length})`);
    await run('/bin/true', []);
    await new Promise((r) => setTimeout(r, 300));
    const stats = await src.stop();
    assert.ok(seen > 0 && stats.events === seen);
    assert.deepEqual(bpfFds(), before);
    // Stopping twice is harmless.
    await src.stop();
  });

  it('exits 0 on SIGTERM', async function () {
    const t = await startTrace(['exec', '-o', 'json']);
    const r = await t.stop(0, 'SIGTERM');
    assert.equal(r.code, 0);
    assert.match(r.stderr, /"reason":"SIGTERM"/);
  });

  it('--comm and --pid keep only what they name', async function () {
    const byComm = await startTrace(['exec', 'open', '-o', 'json', '--comm', 'cat']);
    await sh('cat /etc/hostname > /dev/null; echo hi > /dev/null; ls / > /dev/null');
    const c = await byComm.stop();
    assert.ok(c.events.length > 0);
    assert.ok(c.events.every((e) => e['proc.name'] === 'cat'), 'only cat');
    // Exec and open come from different rings; they are merged in kernel-time
    // order, so the exec of cat comes before its opens.
    assert.equal(c.events[0]['evt.type'], 'execve');
    const times = c.events.map((e) => e['evt.ktime'] as number);
    assert.deepEqual(times, [...times].sort((a, b) => a - b));

    const byPid = await startTrace(['open', '-o', 'json', '--pid', String(process.pid + 1e6)]);
    await run('/bin/cat', ['/etc/hostname']);
    const p = await byPid.stop();
    assert.equal(p.events.length, 0);
  });

  it('prints columns with a header and names', async function () {
    const t = await startTrace(['open', '--comm', 'cat']);
    await run('/bin/cat', ['/etc/hostname']);
    const r = await t.stop();
    assert.match(r.lines[0], /^CONTAINER\s+TIME\s+PID\s+PPID\s+UID\s+COMM\s+FD\s+ERR\s+FLAGS\s+PATH$/);
    assert.ok(r.lines.some((l) => /\scat\s+\d+\s+O_RDONLY\s+\/etc\/hostname$/.test(l)), r.lines.join('\n'));
  });
});
