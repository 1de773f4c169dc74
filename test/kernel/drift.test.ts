// proc.exe_drift in a real runc container: a binary the container copied in
// and made executable is drift when run (directly, through a symlink, after a
// rename); the image's own /bin/sh and /bin/echo are not. A host process
// running a file it just wrote is never drift.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Container, containersUnavailable, makeBundle, removeBundle, runContainer } from '../containers';
import { Fields, ofPid, requireBpf, run, startTrace, TraceResult } from '../support';

// busybox picks its applet from argv[0]: run the copy through symlinks named
// after applets. The first sleep keeps the shell alive while the sensor
// resolves its cgroup: a cgroup newer than the resolver's last walk (rate
// limited to one a second) is found through /proc/<pid>/cgroup, which needs
// the process still there.
const SCRIPT = [
  'sleep 1',
  '/bin/busybox cp /bin/busybox /tmp/x',
  '/bin/busybox chmod +x /tmp/x',
  'ln -s x /tmp/echo',
  '/tmp/echo drifted',
  'mv /tmp/x /tmp/y',
  'ln -s y /tmp/cat',
  '/tmp/cat /etc/hostname',
  '/bin/echo image',
].join(' && ') + ` # ${process.pid}`;

describe('kernel: proc.exe_drift in a runc container', function () {
  let trace: TraceResult;
  let ctr: Container;
  let hostDir: string;
  let hostPid: number;

  before(async function () {
    requireBpf(this);
    const why = containersUnavailable();
    if (why) {
      if (process.env.CI) throw new Error(`container tests need runc and busybox: ${why}`);
      process.stderr.write(`\n!!! SKIPPING drift tests: ${why}\n\n`);
      this.skip();
    }
    ctr = makeBundle(['/bin/sh', '-c', SCRIPT]);
    hostDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sensor-drift-'));
    const t = await startTrace(['exec', 'open', 'syscall', '-o', 'json']);
    const r = await runContainer(ctr);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `drifted\n${ctr.id}\nimage\n`);
    fs.copyFileSync('/bin/true', path.join(hostDir, 'x'));
    fs.chmodSync(path.join(hostDir, 'x'), 0o755);
    hostPid = (await run(path.join(hostDir, 'x'), [])).pid;
    trace = await t.stop(500);
  });

  after(function () {
    if (ctr) removeBundle(ctr);
    if (hostDir) fs.rmSync(hostDir, { recursive: true, force: true });
  });

  /** The container workload's events: its shell's mount namespace, less runc's init. */
  function inContainer(): Fields[] {
    const sh = trace.events.find((e) => e['evt.type'] === 'execve' && (e['proc.args'] as string[])?.[2] === SCRIPT);
    assert.ok(sh, 'the container shell was traced');
    return trace.events.filter((e) => e['proc.mntns'] === sh['proc.mntns'] && !String(e['proc.name']).startsWith('runc'));
  }

  function execOf(exepath: string): Fields {
    const e = inContainer().find((x) => x['evt.type'] === 'execve' && x['proc.exepath'] === exepath);
    assert.ok(e, `exec of ${exepath} in the container`);
    return e;
  }

  it('is false for the image\'s /bin/sh and /bin/echo', function () {
    assert.equal(execOf('/bin/sh')['proc.exe_drift'], false);
    assert.equal(execOf('/bin/echo')['proc.exe_drift'], false);
  });

  it('is true for the copy made executable, run through a symlink to it', function () {
    const e = execOf('/tmp/echo');
    assert.equal(e['proc.exepath_resolved'], '/tmp/x');
    assert.equal(e['proc.exe_drift'], true);
    assert.equal(e['container.full_id'], ctr.cgroupsPath.split('/').pop());
  });

  it('follows the file through a rename, and stays on the process\'s later events', function () {
    const e = execOf('/tmp/cat');
    assert.equal(e['proc.exepath_resolved'], '/tmp/y');
    assert.equal(e['proc.exe_drift'], true);
    const reads = ofPid(inContainer(), e['proc.pid'] as number).filter((x) => x['fd.name'] === '/etc/hostname');
    assert.ok(reads.length > 0, 'the drifted cat opened /etc/hostname');
    for (const r of reads) assert.equal(r['proc.exe_drift'], true);
  });

  it('is false for a host process running a file it just wrote', function () {
    const [e] = ofPid(trace.events, hostPid, 'execve');
    assert.ok(e, 'exec of the host copy traced');
    assert.equal(e['proc.is_container'], false);
    assert.equal(e['proc.exe_drift'], false);
  });

  it('carries proc.exe_drift and proc.tty on every event', function () {
    for (const e of trace.events) {
      assert.equal(typeof e['proc.exe_drift'], 'boolean', JSON.stringify(e));
      assert.ok(e['proc.tty'] === null || typeof e['proc.tty'] === 'number', JSON.stringify(e));
    }
    // runc runs these containers with "terminal": false.
    assert.equal(execOf('/bin/sh')['proc.tty'], 0);
  });
});
