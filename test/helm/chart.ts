// Runs the real helm on helm/kestrel and parses what it renders back into
// objects, so the tests compare data, not text.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { helmTools } from './tools';

export const ROOT = path.resolve(__dirname, '../../..');
export const CHART = path.join(ROOT, 'helm', 'kestrel');
export const RULES = path.join(ROOT, 'rules');
export const CI_VALUES = path.join(CHART, 'ci');
export const RELEASE = 'kt';
export const NAMESPACE = 'security';

// Loosely typed Kubernetes objects: the tests check their shape themselves.
export type K8sObject = Record<string, any>;

export interface HelmResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function helm(args: string[]): HelmResult {
  const t = helmTools();
  const r = spawnSync(t.helm, args, { encoding: 'utf8', env: t.env, cwd: ROOT, maxBuffer: 64 << 20, timeout: 60_000 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Helm's error text without its INFO lines about the rules/ symlink. */
export function errorText(r: HelmResult): string {
  return r.stderr
    .split('\n')
    .filter((l) => !/^level=INFO /.test(l))
    .join('\n');
}

let scratch: string | undefined;
/** A values file with this content (text, or an object written as JSON), in
 *  a scratch directory removed at exit. */
export function valuesFile(values: unknown): string {
  if (!scratch) {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'kestrel-helm-'));
    const dir = scratch;
    process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  }
  const p = path.join(scratch, `v${Math.random().toString(36).slice(2)}.yaml`);
  // JSON is YAML that helm's YAML 1.1 parser and ours read alike ("yes"
  // stays a string).
  fs.writeFileSync(p, typeof values === 'string' ? values : JSON.stringify(values, null, 2));
  return p;
}

export interface RenderOptions {
  /** Values files, applied in order. */
  files?: string[];
  /** Inline values (one more values file, applied last). */
  values?: unknown;
  chart?: string;
}

function templateArgs(o: RenderOptions): string[] {
  const args = ['template', RELEASE, o.chart ?? CHART, '--namespace', NAMESPACE];
  for (const f of o.files ?? []) args.push('-f', f);
  if (o.values !== undefined) args.push('-f', valuesFile(o.values));
  return args;
}

/** helm template, expected to fail: its result. */
export function renderFails(o: RenderOptions): HelmResult {
  const r = helm(templateArgs(o));
  assert.notEqual(r.status, 0, `helm template succeeded but should have failed:\n${r.stdout.slice(0, 2000)}`);
  return r;
}

export class Rendered {
  constructor(
    readonly objects: K8sObject[],
    readonly text: string,
  ) {}

  all(kind: string): K8sObject[] {
    return this.objects.filter((o) => o.kind === kind);
  }

  maybe(kind: string, name?: string): K8sObject | undefined {
    const hits = this.all(kind).filter((o) => name === undefined || o.metadata?.name === name);
    assert.ok(hits.length <= 1, `${hits.length} ${kind} objects named ${name}`);
    return hits[0];
  }

  one(kind: string, name?: string): K8sObject {
    const o = this.maybe(kind, name);
    assert.ok(o, `no ${kind}${name ? ` named ${name}` : ''} in ${this.objects.map((x) => `${x.kind}/${x.metadata?.name}`).join(', ')}`);
    return o;
  }

  get daemonSet(): K8sObject {
    return this.one('DaemonSet');
  }

  get podSpec(): K8sObject {
    return this.daemonSet.spec.template.spec;
  }

  get container(): K8sObject {
    const cs = this.podSpec.containers as K8sObject[];
    assert.equal(cs.length, 1, 'one container');
    return cs[0]!;
  }

  get args(): string[] {
    return this.container.args as string[];
  }

  /** The container's env as name -> EnvVar. */
  get env(): Map<string, K8sObject> {
    const m = new Map<string, K8sObject>();
    for (const e of (this.container.env ?? []) as K8sObject[]) {
      assert.ok(!m.has(e.name), `env ${e.name} is set twice`);
      m.set(e.name, e);
    }
    return m;
  }

  /** A plain env value; fails when the variable is absent or from valueFrom. */
  envValue(name: string): string {
    const e = this.env.get(name);
    assert.ok(e, `env ${name} is not set`);
    assert.equal(typeof e.value, 'string', `env ${name} has no plain value: ${JSON.stringify(e)}`);
    return e.value as string;
  }

  /** The volume mounted at mountPath, and its mount. */
  mountAt(mountPath: string): { mount: K8sObject; volume: K8sObject } {
    const mount = ((this.container.volumeMounts ?? []) as K8sObject[]).find((m) => m.mountPath === mountPath);
    assert.ok(mount, `nothing is mounted at ${mountPath}`);
    const volume = ((this.podSpec.volumes ?? []) as K8sObject[]).find((v) => v.name === mount.name);
    assert.ok(volume, `the mount at ${mountPath} names volume ${mount.name}, which is not declared`);
    return { mount, volume };
  }

  hasMountAt(mountPath: string): boolean {
    return ((this.container.volumeMounts ?? []) as K8sObject[]).some((m) => m.mountPath === mountPath);
  }
}

/** helm template with these values; fails the test if helm does. */
export function render(o: RenderOptions = {}): Rendered {
  const r = helm(templateArgs(o));
  assert.equal(r.status, 0, `helm template failed:\n${errorText(r)}`);
  const objects: K8sObject[] = [];
  for (const doc of parseAllDocuments(r.stdout)) {
    assert.deepEqual(doc.errors, [], `rendered YAML does not parse: ${doc.errors.join('; ')}`);
    const o = doc.toJS() as K8sObject | null;
    if (o !== null) objects.push(o);
  }
  return new Rendered(objects, r.stdout);
}

/** The repository's rule files that the default ruleset is made of. */
export function repoRuleFiles(): string[] {
  return fs
    .readdirSync(RULES)
    .filter((f) => /\.ya?ml$/.test(f) && !/\.tests\.ya?ml$/.test(f))
    .sort();
}

/** The chart's ci/*.yaml values files (examples and test cases). */
export function ciValuesFiles(): string[] {
  return fs
    .readdirSync(CI_VALUES)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => path.join(CI_VALUES, f));
}
