// `sensor trace open -o json` on the real kernel: the path is the kernel's,
// however the caller spelled it.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { capture, Fields, helper, lossNote, ofPid, requireBpf, Ran, run, sh, startTrace, TraceResult } from '../support';

describe('kernel: trace open', function () {
  let trace: TraceResult;
  let dir: string;
  let deepDir: string;
  const ran: Record<string, Ran> = {};
  const fileops = helper('fileops');

  before(async function () {
    requireBpf(this);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sensor-open-'));
    fs.symlinkSync('/etc/hostname', path.join(dir, 'x'));
    // A directory whose absolute path is close to PATH_MAX (4096).
    deepDir = dir;
    while (deepDir.length < 3900) deepDir = path.join(deepDir, 'd'.repeat(200));
    fs.mkdirSync(deepDir, { recursive: true });
    fs.writeFileSync(path.join(deepDir, 'f'), 'x');
    // And one beyond it: reachable only relatively.
    const e250 = 'e'.repeat(250);
    // One component at a time: the shell's cd cannot take a path past PATH_MAX.
    const into = `cd '${deepDir}' && mkdir -p ${e250} && cd -P ${e250} && mkdir -p ${e250} && cd -P ${e250}`;
    capture('/bin/sh', ['-c', `${into} && echo x > g`]);
    fs.writeFileSync(Buffer.from(path.join(dir, 'bad-\xff-name'), 'latin1'), 'x');
    // Deeper than the 160 levels the kernel walk follows, yet short.
    fs.mkdirSync(path.join(dir, ...Array(200).fill('z')), { recursive: true });

    const t = await startTrace(['open', '-o', 'json']);
    ran.cdRelative = await sh('cd /etc && exec cat ./hostname >/dev/null');
    ran.symlink = await run('/bin/cat', [path.join(dir, 'x')]);
    ran.dotdot = await run('/bin/cat', ['/etc/../etc/./hostname']);
    ran.dirfd = await run(fileops, ['openat', '/etc', 'hostname']);
    ran.procRoot = await run('/bin/cat', ['/proc/self/root/etc/hostname']);
    ran.write = await run(fileops, ['open', path.join(dir, 'w'), 'w']);
    ran.creat = await run(fileops, ['creat', path.join(dir, 'c')]);
    ran.openat2 = await run(fileops, ['openat2', '/etc/hostname']);
    ran.missing = await run(fileops, ['open', '/nonexistent/dir/file']);
    ran.missingDots = await run(fileops, ['open', '/nonexistent/../nonexistent//dir/./file']);
    ran.missingRel = await run(fileops, ['open', 'not-here'], { cwd: dir });
    ran.missingDirfd = await run(fileops, ['openat', '/etc', 'no-such-file']);
    ran.deep = await run(fileops, ['open', path.join(deepDir, 'f')]);
    ran.tooDeep = await sh(`${into} && exec ${fileops} open g`);
    ran.manyLevels = await run(fileops, ['open', path.join(dir, ...Array(200).fill('z'), 'nofile'), 'w']);
    ran.bad = await sh(`exec ${fileops} open "$(printf '${dir}/bad-\\377-name')"`);
    trace = await t.stop();
  });

  after(function () {
    if (dir) capture('/bin/rm', ['-rf', dir]); // rm(1) copes with paths beyond PATH_MAX
  });

  /** The open of `name` (by fd.nameraw) by the process of `r`. */
  function openOf(r: Ran, raw?: string): Fields {
    const ev = ofPid(trace.events, r.pid).filter((e) => raw === undefined || e['fd.nameraw'] === raw);
    assert.ok(ev.length > 0, `no open by pid ${r.pid}${raw ? ' of ' + raw : ''}${lossNote(trace)}`);
    return ev[ev.length - 1];
  }

  it('resolves "cd /etc && cat ./hostname" to /etc/hostname', function () {
    const e = openOf(ran.cdRelative, './hostname');
    assert.equal(e['fd.name'], '/etc/hostname');
    assert.equal(e['evt.res'], 'SUCCESS');
    assert.equal(e['fd.typechar'], 'f');
    assert.ok((e['fd.num'] as number) >= 0);
  });

  it('follows a symlink to its target', function () {
    const e = openOf(ran.symlink, path.join(dir, 'x'));
    assert.equal(e['fd.name'], '/etc/hostname');
  });

  it('normalises .. and .', function () {
    assert.equal(openOf(ran.dotdot, '/etc/../etc/./hostname')['fd.name'], '/etc/hostname');
  });

  it('resolves an openat relative to a directory fd', function () {
    const e = openOf(ran.dirfd, 'hostname');
    assert.equal(e['fd.name'], '/etc/hostname');
    assert.equal(e['evt.type'], 'openat');
    assert.ok((e['evt.dirfd'] as number) >= 0);
  });

  it('sees through /proc/self/root', function () {
    assert.equal(openOf(ran.procRoot, '/proc/self/root/etc/hostname')['fd.name'], '/etc/hostname');
  });

  it('names O_WRONLY|O_CREAT|O_TRUNC', function () {
    const e = openOf(ran.write, path.join(dir, 'w'));
    assert.equal(e['evt.flags'], 'O_WRONLY|O_CREAT|O_TRUNC');
    assert.equal(e['evt.is_open_write'], true);
    assert.equal(e['evt.type'], 'open');
    assert.equal(e['fd.name'], fs.realpathSync(path.join(dir, 'w')));
  });

  it('traces creat and openat2', function () {
    const c = openOf(ran.creat, path.join(dir, 'c'));
    assert.equal(c['evt.type'], 'creat');
    assert.equal(c['evt.flags'], 'O_WRONLY|O_CREAT|O_TRUNC');
    assert.equal(c['evt.mode'], '0600');
    const o2 = openOf(ran.openat2, '/etc/hostname');
    assert.equal(o2['evt.type'], 'openat2');
    assert.equal(o2['fd.name'], '/etc/hostname');
  });

  it('shows ENOENT and the requested path for a failed open', function () {
    const e = openOf(ran.missing, '/nonexistent/dir/file');
    assert.equal(e['evt.res'], 'ENOENT');
    assert.equal(e['evt.rawres'], -2);
    assert.equal(e['fd.name'], '/nonexistent/dir/file');
    assert.equal(e['fd.num'], -1);
    assert.equal(e['fd.name_resolved'], false);
  });

  it('folds "..", "." and "//" of a failed absolute open, keeping the spelling in fd.nameraw', function () {
    const e = openOf(ran.missingDots, '/nonexistent/../nonexistent//dir/./file');
    assert.equal(e['evt.res'], 'ENOENT');
    assert.equal(e['fd.name'], '/nonexistent/dir/file');
    assert.equal(e['fd.name_resolved'], false);
  });

  it('makes a failed relative open absolute against its base directory', function () {
    assert.equal(openOf(ran.missingRel, 'not-here')['fd.name'], path.join(fs.realpathSync(dir), 'not-here'));
    const d = openOf(ran.missingDirfd, 'no-such-file');
    assert.equal(d['evt.res'], 'ENOENT');
    assert.equal(d['fd.name'], '/etc/no-such-file');
  });

  it('resolves a path near PATH_MAX exactly', function () {
    const want = fs.realpathSync(path.join(deepDir, 'f'));
    assert.ok(want.length > 3900 && want.length < 4096, `path length ${want.length}`);
    const e = openOf(ran.deep);
    assert.equal(e['fd.name'], want);
    assert.equal(e['fd.name_truncated'], false);
  });

  it('flags a path longer than PATH_MAX as truncated and keeps its tail', function () {
    const want = path.join(fs.realpathSync(deepDir), 'e'.repeat(250), 'e'.repeat(250), 'g');
    assert.ok(want.length > 4096);
    const e = openOf(ran.tooDeep, 'g');
    assert.equal(e['fd.name_truncated'], true);
    assert.ok(want.endsWith(e['fd.name'] as string), `${e['fd.name']} is a tail of the real path`);
  });

  it('flags a path deeper than the walk bound as truncated', function () {
    const e = openOf(ran.manyLevels);
    assert.equal(e['evt.res'], 'SUCCESS');
    assert.equal(e['fd.name_truncated'], true);
    assert.ok((e['fd.name'] as string).endsWith('/z/z/nofile'));
  });

  it('escapes non-UTF-8 bytes in paths', function () {
    const real = fs.realpathSync(dir);
    const e = openOf(ran.bad);
    assert.equal(e['fd.name'], `${real}/bad-\\xff-name`);
    assert.equal(e['fd.nameraw'], `${dir}/bad-\\xff-name`);
  });
});
