// The image, checked without a container engine. Always: the Dockerfile read
// into stages and asserted on (multi-stage; the runtime installs libbpf1 and
// nothing else; it copies only what runs, from where the code looks for it;
// no install scripts; entry point and labels). With KESTREL_IMAGE_DRYRUN=1:
// the Dockerfile's stages are carried out in scratch directories (see
// image-dryrun.ts) with npm 10 as in the node:20 images, and the assembled
// runtime tree alone runs `sensor run` and raises an alert.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bpfDir } from '../../sensor/kernel/gadgets';
import { DEFAULT_RULES_DIR } from '../../sensor/rules/files';
import { ROOT, requireBpf } from '../support';
import { CHART_CAPS, expectAlert, grantable, runQuiet, startCapped } from './capped-sensor';
import {
  Dockerfile, Stage, aptInstalls, execForm, isIgnored, parseCopy, parseDockerignore, parseLabels, readDockerfile, stageArgs, stageOf,
} from './dockerfile';
import { StageResult, dryRun, listFiles, npm10Shims } from './image-dryrun';

const WORKDIR = '/opt/kestrel';
const ENTRY = `${WORKDIR}/dist/sensor/cli/main.js`;
const BUILD_PACKAGES = ['clang', 'llvm', 'libbpf-dev', 'make', 'gcc', 'libc6-dev', 'linux-libc-dev'];

function ops(stage: Stage, op: string): string[] {
  return stage.instructions.filter((i) => i.op === op).map((i) => i.raw);
}

function pkg(): { version: string; license: string; dependencies: Record<string, string>; devDependencies: Record<string, string>; allowScripts?: Record<string, boolean> } {
  return JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
}

describe('image: the Dockerfile', function () {
  let df: Dockerfile;
  let runtime: Stage;

  before(function () {
    df = readDockerfile(path.join(ROOT, 'Dockerfile'));
    runtime = df.stages[df.stages.length - 1];
  });

  it('is multi-stage: a node:20-bookworm build, a node:20-bookworm-slim runtime', function () {
    assert.ok(df.stages.length >= 2, `${df.stages.length} stage(s)`);
    assert.equal(df.stages[0].image, 'node:20-bookworm');
    assert.equal(runtime.image, 'node:20-bookworm-slim');
    assert.equal(runtime.name, null, 'the last stage is the image');
  });

  it('builds the BPF objects and the TypeScript as scripts/build.sh does, with the toolchain from apt', function () {
    const build = stageOf(df, 'build');
    const apt = ops(build, 'RUN').map(aptInstalls).find(Boolean);
    assert.ok(apt, 'the build stage installs its toolchain');
    assert.deepEqual([...apt.packages].sort(), [...BUILD_PACKAGES].sort());
    assert.ok(apt.noRecommends && apt.listsRemoved);
    const runs = ops(build, 'RUN').join('\n');
    const buildSh = readFileSync(path.join(ROOT, 'scripts/build.sh'), 'utf8');
    // The production steps of build.sh, word for word, are in the build stage.
    for (const step of ['make -s -C bpf OUT="$PWD/dist/bpf"', 'npx tsc -p .']) {
      assert.ok(buildSh.includes(step), `scripts/build.sh no longer runs ${step}: update the Dockerfile`);
      assert.ok(runs.includes(step), `the build stage does not run ${step}`);
    }
  });

  it('installs only libbpf1 in the runtime, without recommends, apt lists removed', function () {
    const installs = ops(runtime, 'RUN').map(aptInstalls).filter((x) => x !== null);
    assert.equal(installs.length, 1, 'one apt-get install in the runtime stage');
    assert.deepEqual(installs[0]!.packages, ['libbpf1']);
    assert.ok(installs[0]!.noRecommends, '--no-install-recommends');
    assert.ok(installs[0]!.listsRemoved, 'rm -rf /var/lib/apt/lists/* in the same RUN');
    const other = ops(runtime, 'RUN').filter((r) => !aptInstalls(r));
    assert.deepEqual(other, [], 'no other RUN in the runtime stage');
  });

  it('copies into the runtime only what runs: dist/sensor, dist/bpf, production node_modules, rules/, package.json', function () {
    const copies = ops(runtime, 'COPY').map(parseCopy);
    const got = copies.map((c) => `${c.from ?? 'context'}:${c.sources.join(',')}->${c.dest}`).sort();
    assert.deepEqual(got, [
      'build:/src/dist/bpf->./dist/bpf',
      'build:/src/dist/sensor->./dist/sensor',
      'context:package.json->./',
      'context:rules/->./rules/',
      'deps:/src/node_modules->./node_modules',
    ]);
    // The node_modules come from a stage whose only install omits dev dependencies.
    const deps = stageOf(df, 'deps');
    const installs = ops(deps, 'RUN').filter((r) => /\bnpm (ci|install)\b/.test(r));
    assert.equal(installs.length, 1);
    assert.match(installs[0], /npm ci --omit=dev\b/);
    assert.equal(deps.image, runtime.image, 'production modules are installed on the runtime base');
    // Nothing of the toolchain or the sources: no COPY of bpf/, sensor/, test/, from the context.
    for (const c of copies.filter((x) => x.from === null)) {
      for (const s of c.sources) assert.doesNotMatch(s, /^(bpf|sensor|test|bench|scripts|node_modules|dist)\b/, s);
    }
  });

  it('copies each file to where the code looks for it (bpfDir, DEFAULT_RULES_DIR, the entry point)', function () {
    const distRoot = path.join(ROOT, 'dist');
    // Where the compiled code resolves its objects and rules, relative to the repo root.
    const bpfRel = path.relative(ROOT, bpfDir());
    const rulesRel = path.relative(ROOT, DEFAULT_RULES_DIR);
    assert.ok(!process.env.SENSOR_BPF_DIR, 'SENSOR_BPF_DIR must be unset for this check');
    assert.equal(bpfRel, 'dist/bpf');
    assert.equal(rulesRel, 'rules');
    assert.ok(existsSync(path.join(distRoot, 'sensor/cli/main.js')));
    const dests = ops(runtime, 'COPY').map(parseCopy).map((c) => path.posix.resolve(WORKDIR, c.dest).replace(/\/$/, ''));
    assert.ok(dests.includes(`${WORKDIR}/${bpfRel}`));
    assert.ok(dests.includes(`${WORKDIR}/${rulesRel}`));
    assert.ok(dests.includes(`${WORKDIR}/dist/sensor`));
    assert.deepEqual(ops(runtime, 'WORKDIR'), [WORKDIR]);
  });

  it('has the entry point node /opt/kestrel/dist/sensor/cli/main.js and the default command run', function () {
    assert.deepEqual(execForm(ops(runtime, 'ENTRYPOINT').at(-1)!), ['node', ENTRY]);
    assert.deepEqual(execForm(ops(runtime, 'CMD').at(-1)!), ['run']);
  });

  it('carries the OCI labels, with the license and version of package.json', function () {
    const labels = Object.assign({}, ...ops(runtime, 'LABEL').map(parseLabels)) as Record<string, string>;
    const vars = stageArgs(df, runtime);
    const expandVar = (v: string): string => v.replace(/\$\{(\w+)\}/g, (_m, n: string) => vars[n] ?? df.globalArgs[n] ?? '');
    for (const k of ['title', 'description', 'licenses', 'version', 'revision', 'source']) {
      assert.ok(`org.opencontainers.image.${k}` in labels, `label org.opencontainers.image.${k}`);
    }
    assert.equal(labels['org.opencontainers.image.title'], 'kestrel-sensor');
    assert.equal(labels['org.opencontainers.image.licenses'], pkg().license);
    assert.equal(expandVar(labels['org.opencontainers.image.version']), pkg().version);
  });

  it('runs no install script: every npm ci has --ignore-scripts, and no dependency is allowed one', function () {
    const npmRuns = df.stages.flatMap((s) => ops(s, 'RUN')).filter((r) => /\bnpm (ci|install)\b/.test(r));
    assert.ok(npmRuns.length >= 2);
    for (const r of npmRuns) assert.match(r, /npm ci\b[^&]*--ignore-scripts/, r);
    // npm 11 reads allowScripts; the images' npm 10 does not, so the
    // Dockerfile refuses all. That loses nothing only while no package with an
    // install script is allowed one.
    const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { hasInstallScript?: boolean }> };
    const withScripts = Object.entries(lock.packages)
      .filter(([, p]) => p.hasInstallScript)
      .map(([k]) => k.replace(/^.*node_modules\//, ''));
    const allow = pkg().allowScripts ?? {};
    for (const name of withScripts) {
      assert.equal(allow[name], false, `${name} has an install script and allowScripts does not deny it: the image (npm ci --ignore-scripts) would differ from npm ci here`);
    }
  });

  it('runs as uid 0 (the capabilities come from the pod spec, see SECURITY.md)', function () {
    assert.deepEqual(ops(runtime, 'USER'), ['0:0']);
  });

  it('keeps node_modules, dist, .git and test output out of the build context, and nothing the Dockerfile copies', function () {
    const rules = parseDockerignore(readFileSync(path.join(ROOT, '.dockerignore'), 'utf8'));
    for (const p of ['node_modules', 'node_modules/koffi/package.json', 'dist', 'dist/bpf/file.bpf.o', '.git', 'bench/run.ts', 'test/support.ts', 'sensor/x/node_modules/y', 'bpf/x.o', 'tmp/spool']) {
      assert.ok(isIgnored(rules, p), `${p} should be ignored`);
    }
    for (const stage of df.stages) {
      for (const c of ops(stage, 'COPY').map(parseCopy).filter((x) => x.from === null)) {
        for (const s of c.sources) assert.ok(!isIgnored(rules, s.replace(/\/$/, '')), `${s} is copied but ignored`);
      }
    }
    for (const p of ['sensor/cli/main.ts', 'bpf/file.bpf.c', 'bpf/include/vmlinux.h', 'rules/40-execution.yaml', 'tsconfig.json', 'package-lock.json']) {
      assert.ok(!isIgnored(rules, p), `${p} must reach the build`);
    }
  });
});

describe('image: dry run of the Dockerfile (KESTREL_IMAGE_DRYRUN=1)', function () {
  this.timeout(15 * 60_000);
  let work = '';
  let stages: StageResult[] = [];
  let df: Dockerfile;
  let npmVersion = '';

  before(function () {
    if (process.env.KESTREL_IMAGE_DRYRUN !== '1') {
      process.stderr.write('\n(image dry run skipped: set KESTREL_IMAGE_DRYRUN=1; it installs npm 10 and runs npm ci twice, about 2 minutes)\n');
      this.skip();
    }
    df = readDockerfile(path.join(ROOT, 'Dockerfile'));
    work = mkdtempSync(path.join(os.tmpdir(), 'kestrel-image-'));
    const shims = npm10Shims(path.join(os.tmpdir(), 'kestrel-npm10'));
    npmVersion = execFileSync(path.join(shims, 'npm'), ['--version'], { encoding: 'utf8' }).trim();
    // A private npm cache, seeded from this host's so that the registry is
    // asked only for what it lacks; `npm cache clean` then empties only it.
    const cache = path.join(work, 'npm-cache');
    const hostCache = path.join(os.homedir(), '.npm/_cacache');
    if (existsSync(hostCache)) cpSync(hostCache, path.join(cache, '_cacache'), { recursive: true });
    stages = dryRun({
      context: ROOT,
      dockerfile: df,
      ignore: parseDockerignore(readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')),
      work,
      env: { ...process.env, PATH: `${shims}:${process.env.PATH}`, npm_config_cache: cache, npm_config_update_notifier: 'false', SENSOR_BPF_DIR: '' },
      log: (l) => process.stderr.write(`  ${l}\n`),
    });
  });

  after(function () {
    if (work && !process.env.KESTREL_KEEP_DRYRUN) rmSync(work, { recursive: true, force: true });
  });

  it('used npm 10, as the node:20 images have, and built every object', function () {
    assert.match(npmVersion, /^10\./);
    const build = stages[stageOf(df, 'build').index];
    assert.ok(existsSync(path.join(build.root, 'src/node_modules/typescript')), 'the build stage has its dev dependencies');
    assert.ok(existsSync(path.join(build.root, 'src/dist/sensor/cli/main.js')));
  });

  it('leaves in the runtime tree no compiler output but the BPF objects, no sources, no dev dependencies', function () {
    const rt = stages[stages.length - 1];
    const files = listFiles(path.join(rt.root, WORKDIR.slice(1)));
    assert.ok(files.includes('dist/sensor/cli/main.js'));
    for (const o of ['process', 'file', 'net', 'dns', 'syscalls']) assert.ok(files.includes(`dist/bpf/${o}.bpf.o`), o);
    assert.deepEqual(files.filter((f) => /\.(c|h|ts)$/.test(f) && !f.startsWith('node_modules/') ), []);
    assert.deepEqual(files.filter((f) => f.startsWith('dist/') && !f.startsWith('dist/sensor/') && !f.startsWith('dist/bpf/')), []);
    const top = new Set(files.filter((f) => f.startsWith('node_modules/')).map((f) => f.split('/').slice(1, f.split('/')[1].startsWith('@') ? 3 : 2).join('/')));
    for (const dep of Object.keys(pkg().dependencies)) assert.ok(top.has(dep), `dependency ${dep} missing from the runtime node_modules`);
    assert.ok(top.has(`@koromix/koffi-linux-${process.arch === 'arm64' ? 'arm64' : 'x64'}`), "koffi's prebuilt module");
    // Dev-only packages (the lockfile marks them "dev": true) stay out; a
    // devDependency that a production package also needs (@types/node) is in.
    const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
    const devOnly = Object.entries(lock.packages).filter(([k, v]) => k.startsWith('node_modules/') && v.dev).map(([k]) => k.slice('node_modules/'.length));
    assert.ok(devOnly.includes('typescript') && devOnly.includes('mocha'));
    assert.deepEqual(devOnly.filter((d) => top.has(d)), [], 'dev-only packages in the runtime node_modules');
  });

  it('runs `sensor run` from the runtime tree alone, with the chart capabilities, and raises an alert', async function () {
    requireBpf(this);
    const rt = stages[stages.length - 1];
    const [node, entry] = rt.entrypoint!;
    assert.equal(node, 'node');
    assert.deepEqual(rt.cmd, ['run']);
    // The entry point and working directory, under the stage's root.
    const sensor = startCapped(grantable(CHART_CAPS).have, [], { entry: path.join(rt.root, entry), cwd: path.join(rt.root, rt.workdir) });
    try {
      assert.ok(await sensor.ready, sensor.stderr());
      const { alert } = await expectAlert(sensor, 'Sensitive authentication file read', () => runQuiet('/bin/cat', ['/etc/shadow']));
      assert.equal(alert.output_fields['fd.name'], '/etc/shadow');
    } finally {
      await sensor.stop();
    }
  });
});
