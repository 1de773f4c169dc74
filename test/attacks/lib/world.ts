// Everything the scenarios run against, made once: the image, the network
// and its remote end, decoy runtime sockets and binaries on the host, the
// fake API server serving a pod for every case, and one `sensor run` child
// with the default rules. Then it runs cases and judges what the sensor said.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { FakeApiServer } from '../../k8s/fake-apiserver';
import { startSensor, type AlertLine, type RunningSensor } from '../../sensor-run';
import { HELPERS, sleep } from '../../support';
import { alertsOf, judge, judgeAll, type Who } from './check';
import { buildImage, buildTokenVolume, imageUnavailable } from './image';
import { MARKERS } from './markers';
import { NET } from './net-plan';
import { startNetwork, networkUnavailable, type Network } from './network';
import { PodContainer } from './pod';
import type { Case, DriveContext, Scenario, WorldView } from './types';

export const NODE = 'kt-attack-node';

export interface CaseOutcome {
  /** gap: a documented miss (Case.gap) that is still missed. */
  status: 'pass' | 'fail' | 'skip' | 'gap';
  reason?: string;
  /** The alerts of the case's pod (or host process). */
  alerts: AlertLine[];
  output: string;
}

/** Why the scenarios cannot run here, or null. */
export function worldUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'not running as root';
  if (spawnSync('runc', ['--version']).status !== 0) return 'runc is not installed';
  if (!fs.readFileSync('/proc/filesystems', 'utf8').includes('overlay')) return 'the kernel has no overlayfs';
  if (spawnSync('script', ['--version']).status !== 0) return 'script(1) (bsdutils) is not installed';
  return imageUnavailable() ?? networkUnavailable();
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

function hostDisk(): string | null {
  for (const d of ['/dev/vda', '/dev/sda', '/dev/nvme0n1', '/dev/xvda']) {
    try {
      if (fs.statSync(d).isBlockDevice()) return d;
    } catch {
      // not this one
    }
  }
  return null;
}

/** A block device root may open here: some machines refuse their root disk even to root. */
function readableBlockDevice(): string | null {
  const candidates = [hostDisk(), '/dev/zram0', ...Array.from({ length: 8 }, (_, i) => `/dev/loop${i}`)];
  for (const d of candidates) {
    if (!d) continue;
    try {
      if (!fs.statSync(d).isBlockDevice()) continue;
      fs.closeSync(fs.openSync(d, 'r'));
      return d;
    } catch {
      // refused or absent
    }
  }
  return null;
}

function quote(argv: string[]): string {
  return argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
}

export class World implements WorldView {
  readonly socketDir: string;
  readonly decoyBinDir: string;
  readonly hostScratch: string;
  readonly hostDisk = hostDisk();
  readonly readableBlockDevice = readableBlockDevice();
  private readonly pods = new Map<Case, PodContainer>();
  private readonly servers: net.Server[] = [];
  private network: Network | undefined;
  private api: FakeApiServer | undefined;
  sensor: RunningSensor | undefined;
  private stopped = false;
  private readonly onExit = (): void => this.removeSync();

  private constructor(readonly root: string, private readonly log: (s: string) => void) {
    this.socketDir = path.join(root, 'host-run');
    this.decoyBinDir = path.join(root, 'host-bin');
    this.hostScratch = path.join(root, 'host-scratch');
    process.once('exit', this.onExit);
  }

  static async start(scenarios: Scenario[], opts: { log?: (s: string) => void; sensorArgs?: string[] } = {}): Promise<World> {
    const w = new World(fs.mkdtempSync(path.join(os.tmpdir(), 'kt-attacks-')), opts.log ?? (() => undefined));
    try {
      await w.setUp(scenarios, opts.sensorArgs ?? []);
      return w;
    } catch (err) {
      await w.stop();
      throw err;
    }
  }

  private async setUp(scenarios: Scenario[], sensorArgs: string[]): Promise<void> {
    const image = path.join(this.root, 'image');
    const tokenDir = path.join(this.root, 'token');
    for (const d of [image, tokenDir, this.socketDir, this.decoyBinDir, this.hostScratch, path.join(this.root, 'pods')]) fs.mkdirSync(d);
    this.log('building the image (busybox, dash, bash, helpers)');
    buildImage(image);
    buildTokenVolume(tokenDir);
    // The node's runtime sockets, as a hostPath volume shows them; and a
    // decoy of the runtime binary (never the real one).
    for (const name of ['docker.sock', 'containerd.sock', 'app.sock']) this.servers.push(await unixHttpServer(path.join(this.socketDir, name)));
    fs.copyFileSync('/bin/busybox', path.join(this.decoyBinDir, 'runc'));
    fs.chmodSync(path.join(this.decoyBinDir, 'runc'), 0o755);
    this.log('making the pod network and its remote end');
    this.network = await startNetwork(path.join(HELPERS, 'attackops'));
    this.api = new FakeApiServer();
    await this.api.start();
    const env = { image, netns: `/run/netns/${this.network.podNs}`, tokenDir, workDir: path.join(this.root, 'pods'), nodeName: NODE };
    const names = new Set<string>();
    for (const sc of scenarios) {
      for (const c of sc.cases) {
        if (c.hostProcName) continue;
        let name = `${sc.row.toLowerCase()}-${c.kind === 'attack' ? 'attack' : slug(c.name)}`.slice(0, 60).replace(/-$/, '');
        for (let i = 2; names.has(name); i++) name = `${name.slice(0, 57)}-${i}`;
        names.add(name);
        const podOpts = typeof c.pod === 'function' ? c.pod(this) : (c.pod ?? {});
        const pc = new PodContainer(name, `registry.example/attacks/${sc.row.toLowerCase()}:1.0`, podOpts, env);
        this.pods.set(c, pc);
        this.api.addPod(pc.pod());
      }
    }
    this.log(`starting sensor run with the default rules (the API server serves ${this.pods.size} pod${this.pods.size === 1 ? "" : "s"})`);
    this.sensor = await startSensor([
      '--kubeconfig', this.api.writeKubeconfig(path.join(this.root)), '--node-name', NODE,
      '--dedupe-window', '0', '--rate-limit', '0', '--k8s-api-ip', NET.apiServer, '--no-reload', ...sensorArgs,
    ], { timeoutMs: 60000 });
    const api = this.api;
    await this.sensor.waitFor(() => api.watchCount > 0, 20000, 'the sensor to list and watch the pods');
  }

  /** Who a case's alerts belong to. */
  who(c: Case): Who {
    if (c.hostProcName) return { containerId: 'host' };
    const p = this.pods.get(c)!;
    return { containerId: p.shortId, pod: p.name };
  }

  alertsFor(c: Case): AlertLine[] {
    const all = this.sensor?.alerts() ?? [];
    if (!c.hostProcName) return alertsOf(all, this.who(c));
    return all.filter(
      (a) => a.output_fields['container.id'] === 'host' && (a.output_fields['proc.name'] === c.hostProcName || a.output_fields['proc.pname'] === c.hostProcName),
    );
  }

  private script(c: Case): string {
    const marker = c.kind === 'benign' ? MARKERS[c.marker ?? 'file'] : undefined;
    const m = marker ? (c.hostProcName ? marker.hostScript : marker.script) : '';
    // The closing builtin keeps the last step a child of the shell.
    const script = typeof c.script === 'function' ? c.script(this) : (c.script ?? '');
    return `${script}\n${m ?? ''}\necho kestrel-case-done`;
  }

  /** Perform a case for real; resolves with what it printed. */
  async perform(c: Case): Promise<string> {
    if (c.hostProcName) {
      // A shell (dash) under the case's process name, so its alerts are known by it.
      const sh = path.join(this.hostScratch, c.hostProcName);
      fs.copyFileSync('/bin/dash', sh);
      fs.chmodSync(sh, 0o755);
      const r = spawnSync(sh, ['-c', this.script(c)], { cwd: this.hostScratch, encoding: 'utf8', env: { ...process.env, SCRATCH: this.hostScratch, HELPERS }, timeout: 20000 });
      return `${r.stdout}${r.stderr}`;
    }
    const pod = this.pods.get(c)!;
    if (c.drive) {
      await c.drive(this.driver(pod));
      return pod.output();
    }
    pod.prepare(['/bin/sh', '-c', this.script(c)]);
    await pod.start();
    await pod.waitStopped(20000);
    return pod.output();
  }

  private driver(pod: PodContainer): DriveContext {
    return {
      start: async (argv) => {
        pod.prepare(argv);
        await pod.start();
      },
      exec: (argv, opts = {}) =>
        new Promise((resolve, reject) => {
          const cmd = opts.tty ? ['script', '-qec', quote(['runc', 'exec', '-t', pod.runcId, ...argv]), '/dev/null'] : ['runc', 'exec', pod.runcId, ...argv];
          const child = spawn(cmd[0], cmd.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
          let out = '';
          child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
          child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
          child.stdin.end();
          const timer = setTimeout(() => child.kill('SIGKILL'), 20000);
          child.on('error', reject);
          child.on('exit', () => {
            clearTimeout(timer);
            resolve(out);
          });
        }),
      stop: async () => {
        pod.kill();
        await pod.waitStopped(10000);
      },
    };
  }

  /**
   * Run a scenario's cases (a few pods at a time), wait until every attack
   * and variant alert and every twin's marker arrived (or a deadline), let
   * the sensor settle, and judge each case.
   */
  async runScenario(sc: Scenario, opts: { parallel?: number; waitMs?: number; settleMs?: number } = {}): Promise<Map<Case, CaseOutcome>> {
    const out = new Map<Case, CaseOutcome>();
    const why = sc.unavailable?.(this);
    const runnable = sc.cases.filter((c) => {
      const skip = why ?? c.unavailable?.(this) ?? null;
      if (skip) out.set(c, { status: 'skip', reason: skip, alerts: [], output: '' });
      return !skip;
    });
    const outputs = new Map<Case, string>();
    const errors = new Map<Case, string>();
    const queue = [...runnable];
    const workers = Array.from({ length: Math.min(opts.parallel ?? 3, queue.length) }, async () => {
      for (let c = queue.shift(); c; c = queue.shift()) {
        try {
          outputs.set(c, await this.perform(c));
        } catch (err) {
          errors.set(c, (err as Error).message);
        }
      }
    });
    await Promise.all(workers);
    const sensor = this.sensor!;
    const ready = (c: Case): boolean => {
      if (errors.has(c) || c.gap) return true;
      const alerts = this.alertsFor(c);
      if (c.kind === 'benign') return alerts.some((a) => a.rule === MARKERS[c.marker ?? 'file'].rule);
      return judge(alerts, c.expect ?? [], sc, this.who(c)).every((p) => p === null);
    };
    try {
      await sensor.waitFor(() => runnable.every(ready), opts.waitMs ?? 10000, 'every alert');
    } catch (err) {
      // A missing alert is judged below, case by case; a dead sensor is not.
      if (sensor.child.exitCode !== null) throw err;
    }
    await sleep(opts.settleMs ?? 1500);
    for (const c of runnable) {
      const alerts = this.alertsFor(c);
      const output = outputs.get(c) ?? '';
      const fail = (reason: string): void => {
        out.set(c, { status: 'fail', reason, alerts, output });
        if (process.env.KT_ATTACKS_DEBUG) {
          // Where did its alert go: to another container, the host, nowhere?
          const cmd = this.script(c).split('\n')[0];
          const near = sensor.alerts().filter((a) => String(a.output_fields['proc.cmdline'] ?? '').includes(cmd.slice(0, 40)));
          process.stderr.write(`DEBUG ${c.name}: alerts whose command line holds ${JSON.stringify(cmd.slice(0, 40))}: ${JSON.stringify(near.map((a) => [a.rule, a.output_fields['container.id'], a.output_fields['k8s.pod.name'], a.output_fields['proc.name']]))}\n`);
        }
      };
      if (errors.has(c)) {
        fail(`the case could not be performed: ${errors.get(c)}`);
        continue;
      }
      if (c.kind === 'benign') {
        const marker = MARKERS[c.marker ?? 'file'];
        const bad = alerts.filter((a) => sc.rules.includes(a.rule));
        if (!alerts.some((a) => a.rule === marker.rule)) fail(`no proof the sensor saw it: its marker alert "${marker.rule}" never came`);
        else if (bad.length) fail(`the benign twin raised ${bad.map((a) => `"${a.rule}" (${String(a.output_fields['proc.cmdline'])})`).join(', ')}`);
        else out.set(c, { status: 'pass', alerts, output });
        continue;
      }
      const verdicts = judgeAll(alerts, c.expect ?? [], sc, this.who(c));
      const problems = verdicts.map((v) => v.problem).filter((p): p is string => p !== null);
      if (problems.length && c.gap) out.set(c, { status: 'gap', reason: `known gap: ${c.gap}`, alerts, output });
      else if (problems.length) fail(problems.join('\n'));
      else out.set(c, { status: 'pass', alerts, output });
    }
    return out;
  }

  /** Remove what this world made; safe to call twice. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    if (this.sensor && this.sensor.child.exitCode === null) await this.sensor.stop('SIGTERM', 0);
    if (process.env.KT_ATTACKS_DEBUG && this.sensor) {
      // The sensor's warnings and errors (drops, enrichment misses) explain many a missing alert.
      for (const l of this.sensor.logs()) if (Number(l.level) >= 40) process.stderr.write(`sensor: ${JSON.stringify(l)}\n`);
    }
    for (const s of this.servers) s.close();
    await this.api?.stop();
    this.removeSync();
  }

  private removeSync(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.sensor && this.sensor.child.exitCode === null) this.sensor.child.kill('SIGKILL');
    for (const p of this.pods.values()) p.remove();
    this.network?.stop();
    fs.rmSync(this.root, { recursive: true, force: true });
    process.removeListener('exit', this.onExit);
  }

  /** What the network's remote end saw (connections, DNS questions, reverse-shell replies). */
  peerRecords(): ReturnType<Network['records']> {
    return this.network?.records() ?? [];
  }
}

/** An HTTP-ish server on a Unix socket: a container runtime's API, answering any request. */
function unixHttpServer(file: string): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer((s) => {
      s.on('error', () => undefined);
      s.once('data', () => s.end('HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n[{"Id":"kestrel-decoy","Names":["/decoy"]}]\n'));
    });
    srv.once('error', reject);
    srv.listen(file, () => resolve(srv));
  });
}
