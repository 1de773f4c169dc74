// The process cache fed by the real kernel: a seeded cache plus fork/exec/
// exit events give a process started five shells deep its whole ancestry,
// up to this test process (known only from /proc), and a process that is
// gone within a millisecond still gets its full context from its exec event.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import type { ExitEvent, SensorEvent } from '../../sensor/decode/types';
import { parseStat } from '../../sensor/enrich/proc-seed';
import { ProcessCache, ProcessInfo, SeedResult } from '../../sensor/enrich/process-cache';
import { KernelSource } from '../../sensor/kernel/source';
import { createLogger } from '../../sensor/log';
import { requireBpf, run, sleep } from '../support';

/** What the cache said when the exec event was handled (entries change later). */
interface AtExec {
  info: ProcessInfo | undefined;
  ancestors: ProcessInfo[];
  ktime: number;
}

function quote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

describe('kernel: process cache', function () {
  let src: KernelSource | undefined;
  let cache: ProcessCache;
  let seeded: SeedResult;
  const execs = new Map<number, AtExec[]>();
  const exits = new Map<number, ExitEvent>();

  async function exitOf(pid: number, timeoutMs = 5000): Promise<ExitEvent> {
    for (let waited = 0; !exits.has(pid) && waited < timeoutMs; waited += 20) await sleep(20);
    const ev = exits.get(pid);
    assert.ok(ev, `exit of ${pid} seen (source: ${JSON.stringify(src?.stats().rings)})`);
    return ev;
  }

  before(function () {
    requireBpf(this);
    cache = new ProcessCache();
    src = KernelSource.start({
      types: ['exec', 'fork', 'exit'],
      log: createLogger('silent'),
      onEvent: (ev: SensorEvent) => {
        cache.onEvent(ev);
        if (ev.type === 'exit') exits.set(ev.pid, ev);
        if (ev.type !== 'exec') return;
        const info = cache.lookup(ev.pid, ev.startTime);
        const at: AtExec = {
          info: info && { ...info },
          ancestors: info ? cache.ancestors(info).map((a) => ({ ...a })) : [],
          ktime: ev.ktime,
        };
        execs.set(ev.pid, [...(execs.get(ev.pid) ?? []), at]);
      },
    });
    // Seed after attaching: a process started in between is then both in
    // /proc and in the ring, and the cache takes it once.
    seeded = cache.seed();
  });

  after(async function () {
    await src?.stop();
  });

  it('seeds this process from /proc', function () {
    assert.ok(seeded.seeded > 10, JSON.stringify(seeded));
    const ticks = parseStat(fs.readFileSync('/proc/self/stat'))!.startTicks;
    const self = cache.lookup(process.pid, ticks * 1e7);
    assert.ok(self, 'this process is in the cache');
    assert.deepEqual([self.origin, self.precise, self.exepath], ['proc', false, fs.readlinkSync('/proc/self/exe')]);
    assert.deepEqual(self.args, fs.readFileSync('/proc/self/cmdline', 'utf8').split('\0').slice(0, -1));
  });

  it('gives a process five shells deep its five ancestors, up to this process', async function () {
    // Each shell prints its pid, then starts the next; "; true" keeps dash
    // from exec'ing the last command in place. The innermost execs /bin/true.
    let script = 'echo $$; exec /bin/true';
    for (let i = 0; i < 4; i++) script = `echo $$; /bin/sh -c ${quote(script)}; true`;
    const procReads = cache.stats().procReads;
    const r = await run('/bin/sh', ['-c', script]);
    assert.equal(r.status, 0);
    const pids = r.stdout.trim().split('\n').map(Number);
    assert.equal(pids.length, 5);
    assert.equal(pids[0], r.pid);
    const truePid = pids[4];
    await exitOf(truePid);

    const execOfTrue = (execs.get(truePid) ?? []).find((x) => x.info?.exepath === '/bin/true');
    assert.ok(execOfTrue, `exec of /bin/true seen: ${JSON.stringify(execs.get(truePid))}`);
    assert.deepEqual(execOfTrue.info!.args, ['/bin/true']);
    const anc = execOfTrue.ancestors;
    assert.deepEqual(anc.map((a) => a.pid), [pids[3], pids[2], pids[1], pids[0], process.pid]);
    assert.deepEqual(anc.slice(0, 4).map((a) => [a.name, a.exepath, a.origin]), Array(4).fill(['sh', '/bin/sh', 'event']));
    assert.equal(anc[3].args[0], '/bin/sh');
    assert.equal(anc[3].ppid, process.pid);
    const self = anc[4];
    assert.equal(self.name, fs.readFileSync('/proc/self/comm', 'utf8').trim());
    assert.equal(self.exepath, fs.readlinkSync('/proc/self/exe'));
    assert.equal(self.origin, 'proc');
    // Everything came from events and the seed, not from /proc at event time.
    assert.equal(cache.stats().procReads, procReads);
    // Past this process the chain goes on, from the seed, to pid 1 or the container's init.
    const more = cache.ancestors(cache.lookup(truePid, execOfTrue.info!.startTime)!, 50);
    assert.ok(more.length > 5 && more[more.length - 1].parent === null, JSON.stringify(more.map((a) => a.pid)));
  });

  it('gives a process that execs and exits within a millisecond its full context', async function () {
    const cwd = fs.realpathSync(os.tmpdir());
    const procReads = cache.stats().procReads;
    const quick: { pid: number; us: number }[] = [];
    const slow: number[] = [];
    for (let i = 0; i < 50 && quick.length < 5; i++) {
      const r = await run('/bin/true', ['short', String(i)], { cwd });
      const exit = await exitOf(r.pid);
      const at = execs.get(r.pid)?.[0];
      assert.ok(at?.info, `exec of ${r.pid} found its process`);
      const us = (exit.ktime - at.ktime) / 1000;
      if (us >= 1000) {
        slow.push(Math.round(us));
        continue;
      }
      quick.push({ pid: r.pid, us });
      const info = at.info;
      assert.deepEqual(
        [info.exepath, info.exeResolved, info.args, info.cwd, info.name, info.uid],
        ['/bin/true', fs.realpathSync('/bin/true'), ['/bin/true', 'short', String(i)], cwd, 'true', process.getuid!()],
      );
      assert.deepEqual(at.ancestors.map((a) => a.pid), [process.pid, ...cache.ancestors(cache.lookup(process.pid, at.ancestors[0].startTime)!, 4).map((a) => a.pid)]);
      assert.equal(at.ancestors[0].exepath, fs.readlinkSync('/proc/self/exe'));
    }
    assert.ok(quick.length > 0, `no run of /bin/true lasted under 1 ms from exec to exit (µs: ${slow.join(', ')})`);
    assert.equal(cache.stats().procReads, procReads, 'the context came from the exec event, not /proc');
    // Late events still find them during the grace period.
    for (const q of quick) assert.equal(cache.lookup(q.pid, execs.get(q.pid)![0].info!.startTime)?.exited, true);
  });
});
