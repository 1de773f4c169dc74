// A dry run of the Dockerfile without a container engine: every stage gets a
// scratch directory as its root; COPY copies from the build context (minus
// .dockerignore) or from another stage's root; RUN runs the command as
// written, in the stage's WORKDIR under that root, with the stage's ARGs and
// ENV. apt-get cannot run outside the image: those RUNs are checked to do
// nothing else, and their packages to be installed here (Debian 12, the
// images' base). What this proves: the build steps work on the sources as the
// context gives them, and the runtime stage's files alone run the sensor.
// What it cannot prove: the base images' contents, apt inside them, layers.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  Dockerfile, IgnoreRule, aptInstalls, execForm, expand, isIgnored, parseCopy, stageArgs, stageOf,
} from './dockerfile';

export interface DryRunOptions {
  context: string;
  dockerfile: Dockerfile;
  ignore: IgnoreRule[];
  /** Scratch directory; stage roots go below it. */
  work: string;
  /** Environment for RUN (PATH with the npm to use, npm cache...). */
  env: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

export interface StageResult {
  root: string;
  workdir: string;
  /** Packages apt-get would have installed, checked present on this host instead. */
  apt: string[];
  entrypoint: string[] | null;
  cmd: string[] | null;
  labels: string[];
}

/** Absolute paths a RUN may name although the dry run does not map them. */
const UNMAPPED_OK = [/^\/var\/lib\/apt\/lists\/\*$/, /^\/dev\/null$/];

function absolutePaths(cmd: string): string[] {
  const out: string[] = [];
  const re = /(?:^|[\s="'])(\/[A-Za-z0-9_.*/-]+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(cmd))) out.push(m[1]);
  return out;
}

function copyTree(src: string, dest: string, filter: (src: string) => boolean): void {
  if (!filter(src)) return;
  const st = fs.lstatSync(src);
  if (st.isDirectory()) {
    fs.mkdirSync(dest, { recursive: true });
    for (const e of fs.readdirSync(src)) copyTree(path.join(src, e), path.join(dest, e), filter);
  } else if (st.isSymbolicLink()) {
    fs.symlinkSync(fs.readlinkSync(src), dest);
  } else {
    fs.copyFileSync(src, dest);
    fs.chmodSync(dest, st.mode & 0o7777);
  }
}

function dpkgInstalled(pkg: string): boolean {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('install ok installed');
}

export function dryRun(o: DryRunOptions): StageResult[] {
  const log = o.log ?? (() => undefined);
  const results: StageResult[] = [];
  for (const stage of o.dockerfile.stages) {
    const root = path.join(o.work, `stage-${stage.index}`);
    fs.mkdirSync(root, { recursive: true });
    const res: StageResult = { root, workdir: '/', apt: [], entrypoint: null, cmd: null, labels: [] };
    results.push(res);
    const vars = stageArgs(o.dockerfile, stage);
    const envVars: Record<string, string> = {};
    const inRoot = (p: string): string => path.join(root, path.posix.resolve(res.workdir, p));
    for (const ins of stage.instructions) {
      const where = `Dockerfile:${ins.line} (stage ${stage.name ?? stage.index})`;
      switch (ins.op) {
        case 'ARG':
        case 'LABEL':
        case 'USER':
          if (ins.op === 'LABEL') res.labels.push(expand(ins.raw, vars));
          break;
        case 'ENV': {
          const [k, ...v] = ins.raw.split(/[=\s]/);
          envVars[k] = expand(v.join('=').trim(), { ...vars, ...envVars });
          break;
        }
        case 'WORKDIR':
          res.workdir = path.posix.resolve(res.workdir, expand(ins.raw.trim(), vars));
          fs.mkdirSync(path.join(root, res.workdir), { recursive: true });
          break;
        case 'COPY': {
          const c = parseCopy(expand(ins.raw, vars));
          const destDir = c.sources.length > 1 || c.dest.endsWith('/');
          for (const s of c.sources) {
            let src: string;
            let filter: (p: string) => boolean = () => true;
            if (c.from === null) {
              const rel = path.posix.normalize(s).replace(/\/$/, '');
              if (isIgnored(o.ignore, rel)) throw new Error(`${where}: COPY ${s}: excluded by .dockerignore`);
              src = path.join(o.context, rel);
              filter = (p) => !isIgnored(o.ignore, path.relative(o.context, p));
            } else {
              src = path.join(results[stageOf(o.dockerfile, c.from).index].root, s);
            }
            if (!fs.existsSync(src)) throw new Error(`${where}: COPY source ${s} does not exist (${src})`);
            const isDir = fs.statSync(src).isDirectory();
            // A directory source copies its contents; a file goes into a
            // directory destination under its own name.
            const dest = isDir || !destDir ? inRoot(c.dest) : path.join(inRoot(c.dest), path.basename(s));
            if (isDir) {
              fs.mkdirSync(dest, { recursive: true });
              for (const e of fs.readdirSync(src)) copyTree(path.join(src, e), path.join(dest, e), filter);
            } else {
              fs.mkdirSync(path.dirname(dest), { recursive: true });
              copyTree(src, dest, filter);
            }
          }
          break;
        }
        case 'RUN': {
          const apt = aptInstalls(ins.raw);
          if (apt || /apt-get/.test(ins.raw)) {
            const rest = ins.raw
              .split('&&')
              .map((p) => p.trim())
              .filter((p) => !/^(DEBIAN_FRONTEND=\S+\s+)?apt-get\s+(update|install)\b/.test(p) && !/^rm -rf \/var\/lib\/apt\/lists\/\*$/.test(p));
            if (rest.length) throw new Error(`${where}: an apt RUN also does "${rest.join(' && ')}", which the dry run cannot run`);
            const missing = (apt?.packages ?? []).filter((p) => !dpkgInstalled(p));
            if (missing.length) throw new Error(`${where}: apt packages not installed on this host to stand in for the image: ${missing.join(' ')}`);
            res.apt.push(...(apt?.packages ?? []));
            log(`${where}: apt-get install ${apt?.packages.join(' ')} (present on this host)`);
            break;
          }
          const unmapped = absolutePaths(ins.raw).filter((p) => !UNMAPPED_OK.some((re) => re.test(p)));
          if (unmapped.length) throw new Error(`${where}: RUN names absolute paths the dry run cannot map: ${unmapped.join(' ')}`);
          const cwd = path.join(root, res.workdir);
          log(`${where}: RUN ${ins.raw}`);
          const r = spawnSync('/bin/sh', ['-c', ins.raw], {
            cwd,
            env: { ...o.env, ...vars, ...envVars, PWD: cwd },
            encoding: 'utf8',
            maxBuffer: 64 * 1024 * 1024,
          });
          if (r.status !== 0) throw new Error(`${where}: RUN failed (${r.status ?? r.signal}): ${ins.raw}\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
          break;
        }
        case 'ENTRYPOINT':
          res.entrypoint = execForm(ins.raw);
          break;
        case 'CMD':
          res.cmd = execForm(ins.raw);
          break;
        default:
          throw new Error(`${where}: the dry run does not know ${ins.op}`);
      }
    }
  }
  return results;
}

/** Every file below dir, relative to it. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(path.relative(dir, p));
    }
  };
  walk(dir);
  return out;
}

/**
 * A directory holding `npm` and `npx` that run npm 10, the npm of the
 * node:20 images, installed once into `prefix` from the registry.
 */
export function npm10Shims(prefix: string): string {
  const cli = path.join(prefix, 'node_modules/npm/bin/npm-cli.js');
  if (!fs.existsSync(cli)) {
    const r = spawnSync('npm', ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--no-save', 'npm@10'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`cannot install npm 10 into ${prefix}: ${r.stderr}`);
  }
  const bin = path.join(prefix, 'shims');
  fs.mkdirSync(bin, { recursive: true });
  for (const [name, file] of [['npm', 'npm-cli.js'], ['npx', 'npx-cli.js']]) {
    const shim = path.join(bin, name);
    fs.writeFileSync(shim, `#!/bin/sh\nexec "${process.execPath}" "${path.join(prefix, 'node_modules/npm/bin', file)}" "$@"\n`);
    fs.chmodSync(shim, 0o755);
  }
  return bin;
}
