// The interest set on the real kernel: with the default rules' set in force,
// a read-only open of a file no rule watches leaves no record and counts as
// filtered; watched files and every write still make records; a reload with
// a rule on the file lets its open through; the TypeScript mirror of the
// program decides as the program does; the maps' C layout matches ours.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { toFields } from '../../sensor/decode/fields';
import { EV_PATH_DEPTH, FILTER_REASONS, InterestCfg, InterestKey, INTEREST_BLOOM_BITS, INTEREST_NAME_MAX } from '../../sensor/decode/layout';
import type { OpenEvent, SensorEvent } from '../../sensor/decode/types';
import { objectPath } from '../../sensor/kernel/gadgets';
import { encodeInterest, kernelVerdict, type OpenInput } from '../../sensor/kernel/interest';
import { BpfObject } from '../../sensor/kernel/object';
import { KernelSource } from '../../sensor/kernel/source';
import { createLogger } from '../../sensor/log';
import { DEFAULT_RULES_DIR } from '../../sensor/rules/files';
import { deriveInterest, type InterestSet } from '../../sensor/rules/interest';
import { compileRulePaths } from '../../sensor/rules/reload';
import { helper, requireBpf, ROOT, run, sleep, type Ran } from '../support';

const log = createLogger(process.env.TEST_LOG_LEVEL ?? 'error');

/** Mount points, deepest first, to count the crossings of a path. */
function mountPoints(): string[] {
  return fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(' ')[4].replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))));
}

describe('kernel: the interest set keeps unwatched opens in the kernel', function () {
  this.timeout(120_000);
  const fileops = helper('fileops');
  let dir: string;
  let src: KernelSource;
  let events: OpenEvent[] = [];
  let defaults: InterestSet;
  let bound: string | null = null;

  before(async function () {
    requireBpf(this);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kestrel-interest-'));
    fs.writeFileSync(path.join(dir, 'data.txt'), 'x');
    // A service-account volume as the kubelet lays it out: token -> ..data/token.
    const sa = path.join(dir, 'var/run/secrets/kubernetes.io/serviceaccount');
    fs.mkdirSync(path.join(sa, '..2024_01_01_00_00_00.1'), { recursive: true });
    fs.writeFileSync(path.join(sa, '..2024_01_01_00_00_00.1/token'), 'jwt');
    fs.symlinkSync('..2024_01_01_00_00_00.1', path.join(sa, '..data'));
    fs.symlinkSync('..data/token', path.join(sa, 'token'));
    fs.symlinkSync('/etc/hostname', path.join(dir, 'link'));
    // Symlinks named like a token to an unwatched file: only the path string
    // given says "token" (the token rule also reads fd.nameraw). One string
    // is short, one longer than the kernel's stack buffer (128 bytes).
    for (const top of ['b', 'c'.repeat(120)]) {
      const d = path.join(dir, top, 'secrets/kubernetes.io/serviceaccount');
      fs.mkdirSync(d, { recursive: true });
      fs.symlinkSync(path.join(dir, 'data.txt'), path.join(d, 'token'));
      fs.symlinkSync(path.join(dir, 'data.txt'), path.join(d, 'token2'));
    }
    fs.mkdirSync(path.join(dir, 'pam.d'));
    fs.writeFileSync(path.join(dir, 'pam.d/login'), 'x');
    // A file bind-mounted under a watched name: judged by the name it is
    // mounted as (the walk crosses from the mount's root to its mount point).
    fs.mkdirSync(path.join(dir, 'mnt'));
    fs.writeFileSync(path.join(dir, 'mnt/token'), '');
    if (spawnSync('mount', ['--bind', path.join(dir, 'data.txt'), path.join(dir, 'mnt/token')]).status === 0) bound = path.join(dir, 'mnt/token');

    defaults = deriveInterest(compileRulePaths([DEFAULT_RULES_DIR], log));
    src = KernelSource.start({
      types: ['open'],
      onEvent: (ev: SensorEvent) => {
        if (ev.type === 'open') events.push(ev);
      },
      log,
      interest: defaults,
      onDrops: () => {},
    });
  });

  after(async function () {
    await src?.stop();
    if (bound) spawnSync('umount', [bound]);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Run a helper and collect its open records. */
  async function opens(args: string[]): Promise<{ ran: Ran; recs: OpenEvent[] }> {
    const ran = await run(fileops, args);
    await sleep(30);
    src.drain();
    const recs = events.filter((e) => e.pid === ran.pid);
    events = events.filter((e) => e.pid !== ran.pid);
    return { ran, recs };
  }

  function filtered(): number {
    src.checkDrops();
    return src.stats().rings.find((r) => r.ring === 'file')!.filtered.open_read;
  }

  it('a read-only open of an unwatched file: no record, and the filtered counter grows by it', async function () {
    const target = path.join(dir, 'data.txt');
    const before = filtered();
    const { recs } = await opens(['loop', '500', target]);
    const grew = filtered() - before;
    assert.equal(recs.filter((e) => e.path === target).length, 0, 'no record of the unwatched file');
    assert.ok(grew >= 500, `the filtered counter grew by ${grew}, not by the 500 opens at least`);
    const one = await opens(['open', target]);
    assert.match(one.ran.stdout, /^\d+ \d+\n$/, 'the open itself succeeded');
    assert.equal(one.recs.filter((e) => e.raw === target).length, 0);
  });

  it('watched reads make records: /etc/shadow, a service-account token, a file under pam.d, a block device; /dev/null does not', async function () {
    const token = path.join(dir, 'var/run/secrets/kubernetes.io/serviceaccount/token');
    // A block device under any name is watched (D06), by its file type.
    const blk = fs.readdirSync('/dev').map((n) => `/dev/${n}`).find((p) => {
      try {
        return fs.statSync(p).isBlockDevice();
      } catch {
        return false;
      }
    });
    const cases: [string, string][] = [
      ['/etc/shadow', '/etc/shadow'],
      [token, path.join(dir, 'var/run/secrets/kubernetes.io/serviceaccount/..2024_01_01_00_00_00.1/token')],
      [path.join(dir, 'pam.d/login'), path.join(dir, 'pam.d/login')],
    ];
    if (blk) {
      const node = path.join(dir, 'disk-node');
      const rdev = fs.statSync(blk).rdev;
      if (spawnSync('mknod', [node, 'b', String(Math.floor(rdev / 256) & 0xfff), String(rdev & 0xff)]).status === 0) cases.push([node, node]);
    }
    const dn = await opens(['open', '/dev/null']);
    assert.equal(dn.recs.filter((e) => e.raw === '/dev/null').length, 0, '/dev/null was not kept back');
    for (const [p, want] of cases) {
      const { recs } = await opens(['open', p]);
      const r = recs.find((e) => e.raw === p);
      assert.ok(r, `no record of the read of ${p}`);
      assert.equal(r.path, want);
      assert.ok(r.ret >= 0);
    }
  });

  it('a rule on the path string given: a symlink named like a token passes by it, short or long', async function () {
    const rule = path.join(dir, 'raw-rule.yaml');
    fs.writeFileSync(rule, `- rule: Token by the path given
  desc: d
  events: [open]
  condition: { all: [{ fact: fd.nameraw, operator: regex, value: "secrets/kubernetes\\\\.io/serviceaccount/token$" }] }
  output: "x | fd.name=%fd.name"
  priority: WARNING
  tags: [T1528]
`);
    const set = deriveInterest(compileRulePaths([rule], log));
    assert.deepEqual(set.read?.raw, ['secrets/kubernetes.io/serviceaccount/token']);
    src.setInterest(set);
    try {
      await rawCases();
    } finally {
      src.setInterest(defaults);
    }
  });

  async function rawCases(): Promise<void> {
    for (const top of ['b', 'c'.repeat(120)]) {
      const p = path.join(dir, top, 'secrets/kubernetes.io/serviceaccount/token');
      assert.ok(p.length > 128 === (top !== 'b'));
      const { recs } = await opens(['open', p]);
      const r = recs.find((e) => e.raw === p);
      assert.ok(r, `no record of ${p}`);
      assert.equal(r.path, path.join(dir, 'data.txt'));
      const other = path.join(dir, top, 'secrets/kubernetes.io/serviceaccount/token2');
      assert.equal((await opens(['open', other])).recs.filter((e) => e.raw === other).length, 0, `${other} was not kept back`);
    }
  }

  it('writes of unwatched files always make records (the drift tracker needs them)', async function () {
    const w = path.join(dir, 'written');
    const { recs } = await opens(['open', w, 'w']);
    assert.ok(recs.some((e) => e.path === w && e.ret >= 0), 'no record of the write-open');
    const c = await opens(['creat', path.join(dir, 'created')]);
    assert.ok(c.recs.some((e) => e.path === path.join(dir, 'created')));
  });

  it('a bind-mounted file is judged by the name it is mounted as', async function () {
    if (!bound) this.skip();
    const { recs } = await opens(['open', bound!]);
    const r = recs.find((e) => e.raw === bound);
    assert.ok(r, 'the read of a file mounted as "token" passed');
    assert.equal(r.path, bound);
  });

  /** A set on the file's name's end, its directory, its type and the path string. */
  function customSet(): InterestSet {
    const file = path.join(dir, 'custom.yaml');
    fs.writeFileSync(file, `
- rule: Custom reads
  desc: Reads the test watches by every kind of atom.
  events: [open]
  condition:
    any:
      - { fact: fd.filename, operator: endsWith, value: .txt }
      - { fact: fd.directory, operator: in, value: [${path.join(dir, 'pam.d')}] }
      - { fact: fd.typechar, operator: equal, value: c }
      - { fact: fd.nameraw, operator: endsWith, value: /token2 }
  output: "x | fd.name=%fd.name"
  priority: NOTICE
  tags: [T1005]
`);
    const set = deriveInterest(compileRulePaths([DEFAULT_RULES_DIR + '/00-macros.yaml', file], log));
    assert.deepEqual(set.read && [set.read.suffix, set.read.parent, set.read.types, set.read.raw], [['.txt'], ['pam.d'], [2], ['/token2']]);
    return set;
  }

  /** Failed opens judged by the end of the path string: ENOENT of *.txt passes. */
  function failedSet(): InterestSet {
    const file = path.join(dir, 'failed.yaml');
    fs.writeFileSync(file, `
- rule: Missing text files
  desc: Reads of .txt files, found or not.
  events: [open]
  condition:
    all:
      - { fact: fd.filename, operator: endsWith, value: .txt }
      - { fact: evt.res, operator: in, value: [SUCCESS, ENOENT] }
  output: "x | fd.name=%fd.name"
  priority: NOTICE
  tags: [T1005]
`);
    const set = deriveInterest(compileRulePaths([file], log));
    assert.deepEqual(set.failed, { pass: [], judge: [2], raw: ['.txt'] });
    return set;
  }

  const SETS: Record<string, () => InterestSet> = {
    'the default rules': () => defaults,
    'a set of every kind of atom': customSet,
    'failed opens judged by the path string': failedSet,
  };
  for (const [which, make] of Object.entries(SETS)) {
    it(`the TypeScript mirror decides as the kernel does, open by open: ${which}`, async function () {
      const set = make();
      src.setInterest(set);
      try {
        await compareWithMirror(set);
      } finally {
        src.setInterest(defaults);
      }
    });
  }

  async function compareWithMirror(set: InterestSet): Promise<void> {
    const enc = encodeInterest(set);
    const mounts = mountPoints();
    const cases: { args: string[]; raw: string; syscall: OpenInput['syscall'] }[] = [
      { args: ['open', path.join(dir, 'data.txt')], raw: path.join(dir, 'data.txt'), syscall: 'open' },
      { args: ['openat', dir, 'data.txt'], raw: 'data.txt', syscall: 'openat' },
      { args: ['open', '/etc/hostname'], raw: '/etc/hostname', syscall: 'open' },
      { args: ['open', path.join(dir, 'link')], raw: path.join(dir, 'link'), syscall: 'open' },
      { args: ['open', '/usr/lib/os-release'], raw: '/usr/lib/os-release', syscall: 'open' },
      { args: ['open', '/proc/self/status'], raw: '/proc/self/status', syscall: 'open' },
      { args: ['open', '/sys/kernel/mm/transparent_hugepage/enabled'], raw: '/sys/kernel/mm/transparent_hugepage/enabled', syscall: 'open' },
      { args: ['open', '/dev/null'], raw: '/dev/null', syscall: 'open' },
      { args: ['open', '/etc/shadow'], raw: '/etc/shadow', syscall: 'open' },
      { args: ['openat', '/etc', 'passwd'], raw: 'passwd', syscall: 'openat' },
      { args: ['open', path.join(dir, 'no-such-file')], raw: path.join(dir, 'no-such-file'), syscall: 'open' },
      { args: ['open', path.join(dir, 'pam.d/login')], raw: path.join(dir, 'pam.d/login'), syscall: 'open' },
      ...['b', 'c'.repeat(120)].flatMap((top) => ['token', 'token2'].map((t) => {
        const p = path.join(dir, top, 'secrets/kubernetes.io/serviceaccount', t);
        return { args: ['open', p], raw: p, syscall: 'open' as const };
      })),
      { args: ['openat', path.join(dir, 'b/secrets/kubernetes.io/serviceaccount'), 'token'], raw: 'token', syscall: 'openat' },
      // Not path.join: it would tidy away the odd ends.
      ...['no-such.txt', 'no-such-file', 'no-such.txt/.', 'no-such-dir/', 'no-such.txt/..'].map((f) => ({ args: ['open', `${dir}/${f}`], raw: `${dir}/${f}`, syscall: 'open' as const })),
      { args: ['openat', dir, 'missing.txt'], raw: 'missing.txt', syscall: 'openat' },
      ...(bound ? [{ args: ['open', bound], raw: bound, syscall: 'open' as const }] : []),
    ];
    let kept = 0;
    for (const c of cases) {
      const { ran, recs } = await opens(c.args);
      const [, fdText] = ran.stdout.trim().split(' ');
      const ret = Number(fdText);
      let input: OpenInput = { syscall: c.syscall, flags: 0, ret, raw: c.raw };
      if (ret >= 0) {
        // The path the kernel walks: symlinks resolved (/proc/self is one).
        const full = c.raw.startsWith('/') ? c.raw.replace(/^\/proc\/self\//, `/proc/${process.pid}/`) : path.join(c.args[1], c.raw);
        const real = fs.realpathSync(full);
        const names = real.split('/').filter(Boolean).reverse();
        if (names[names.length - 1] === 'proc') names[names.length - 2] = String(ran.pid);
        const crossings = mounts.filter((m) => m !== '/' && (real === m || real.startsWith(m + '/'))).length;
        input = { ...input, names, mounts: crossings, iMode: fs.statSync(real).mode };
      }
      const want = kernelVerdict(enc, input);
      const got = recs.some((e) => e.raw === c.raw) ? 'pass' : 'kept';
      assert.equal(got, want === 'pass' ? 'pass' : 'kept', `${c.args.join(' ')}: the mirror says ${want}, the kernel ${got}`);
      if (got === 'kept') kept++;
    }
    assert.ok(kept >= 4, `only ${kept} of the cases were kept back: the comparison is near vacuous`);
  }


  it('a reload with a rule on the file lets the same open through, and the rule fires on it', async function () {
    const target = path.join(dir, 'data.txt');
    const userRules = path.join(dir, 'user.yaml');
    fs.writeFileSync(userRules, `
- rule: Temp data read
  desc: A read of the test's data file.
  events: [open]
  condition:
    all:
      - { fact: fd.name, operator: pathPrefix, value: ${dir} }
      - { fact: fd.filename, operator: equal, value: data.txt }
      - { condition: open_read_success }
  output: "Temp data read | fd.name=%fd.name"
  priority: NOTICE
  tags: [T1005]
`);
    const rules = compileRulePaths([DEFAULT_RULES_DIR, userRules], log);
    assert.equal((await opens(['open', target])).recs.filter((e) => e.raw === target).length, 0, 'kept back before the reload');
    src.setInterest(deriveInterest(rules));
    const { recs } = await opens(['open', target]);
    const r = recs.find((e) => e.raw === target);
    assert.ok(r, 'the open makes a record once a rule watches the file');
    assert.deepEqual(rules.evaluate(toFields(r, null)).map((x) => x.name), ['Temp data read']);
    // And back: the default set keeps it in the kernel again.
    src.setInterest(defaults);
    assert.equal((await opens(['open', target])).recs.filter((e) => e.raw === target).length, 0, 'kept back after reloading the defaults');
  });

  it('without an interest set every open is traced (as sensor trace runs)', async function () {
    const target = path.join(dir, 'data.txt');
    src.setInterest(null);
    try {
      const { recs } = await opens(['open', target]);
      assert.ok(recs.some((e) => e.raw === target));
    } finally {
      src.setInterest(defaults);
    }
  });
});

describe('kernel: the file object on kernels without bpf_rdonly_cast', function () {
  it('its compat programs pass the verifier in place of the filtering ones', function () {
    requireBpf(this);
    const obj = BpfObject.open(objectPath('file'));
    try {
      obj.chooseCompat(true);
      obj.load();
      obj.attach();
      assert.equal(obj.attachedPrograms, 4, 'compat_open, compat_openat, exit_openat2, exit_creat');
    } finally {
      obj.close();
    }
  });
});

describe('layout: the interest maps in C and TypeScript agree', function () {
  it('struct interest_key and struct interest_cfg', function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kestrel-layout-'));
    try {
      const src = path.join(dir, 'l.c');
      fs.writeFileSync(src, `#include <stdio.h>
#include <stddef.h>
#include <linux/types.h>
#include "events.h"
#define F(s, f) printf("\\"%s.%s\\":%zu,", #s, #f, offsetof(struct s, f))
int main(void) {
  printf("{");
  F(interest_key, len); F(interest_key, gen); F(interest_key, name);
  F(interest_cfg, flags); F(interest_cfg, types); F(interest_cfg, depth); F(interest_cfg, suffix_lens);
  F(interest_cfg, raw_lens); F(interest_cfg, fail_raw_lens); F(interest_cfg, bloom);
  F(interest_cfg, fail_pass); F(interest_cfg, fail_judge);
  printf("\\"key\\":%zu,\\"cfg\\":%zu,\\"name_max\\":%d,\\"bloom_bits\\":%d,\\"depth\\":%d,\\"filter_reasons\\":%d}", sizeof(struct interest_key), sizeof(struct interest_cfg), INTEREST_NAME_MAX, INTEREST_BLOOM_BITS, EV_PATH_DEPTH, EV_FILTER_REASONS);
  return 0;
}
`);
      const cc = spawnSync('gcc', ['-I', path.join(ROOT, 'bpf/include'), src, '-o', path.join(dir, 'l')], { encoding: 'utf8' });
      assert.equal(cc.status, 0, cc.stderr);
      const c = JSON.parse(spawnSync(path.join(dir, 'l'), { encoding: 'utf8' }).stdout) as Record<string, number>;
      assert.equal(c.key, InterestKey.size);
      assert.equal(c.cfg, InterestCfg.size);
      assert.equal(c.name_max, INTEREST_NAME_MAX);
      assert.equal(c.bloom_bits, INTEREST_BLOOM_BITS);
      assert.equal(c.depth, EV_PATH_DEPTH);
      assert.equal(c.filter_reasons, FILTER_REASONS);
      assert.deepEqual(
        { len: c['interest_key.len'], gen: c['interest_key.gen'], name: c['interest_key.name'] },
        { len: InterestKey.len, gen: InterestKey.gen, name: InterestKey.name },
      );
      const cfgNames: Record<string, keyof typeof InterestCfg> = {
        flags: 'flags', types: 'types', depth: 'depth', suffix_lens: 'suffixLens', raw_lens: 'rawLens',
        fail_raw_lens: 'failRawLens', bloom: 'bloom', fail_pass: 'failPass', fail_judge: 'failJudge',
      };
      for (const [cn, tn] of Object.entries(cfgNames)) assert.equal(InterestCfg[tn], c[`interest_cfg.${cn}`], `offsetof(interest_cfg, ${cn})`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
