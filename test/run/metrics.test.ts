// `sensor run` serves /metrics, /healthz and /readyz. With the API server
// refusing at start, /readyz says why it is not ready (the pod informer),
// and is never 200 before that; then known activity — a loop of opens, a
// container writing /etc/resolv.conf twice, a container without a pod —
// shows up in each named metric with the values it implies. A second sensor
// with tiny rings is flooded: the kernel drops are counted per ring and the
// sensor raises its own alert about them.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { removePodCgroups, runDetached, withLayout, type LaidOut } from '../cgroup-layouts';
import { containersUnavailable, makeBundle, removeBundle } from '../containers';
import { FakeApiServer, type Pod } from '../k8s/fake-apiserver';
import { podForContainer } from '../k8s/pod-for';
import { requireMock, startMockCluster, type MockCluster } from '../kafka/mock-cluster';
import { helper, requireBpf, run, sleep } from '../support';
import { startSensor, type RunningSensor } from '../sensor-run';
import { freePort, get, scrape, sum, value, type HttpAnswer, type Sample } from './prom';

const NODE = 'kt-metrics-node';

function podFor(c: LaidOut, name: string): Pod {
  return podForContainer(c, { name, namespace: 'shop', node: NODE, image: `registry.example/${name}:1` });
}

describe('sensor run: /metrics, /healthz, /readyz', function () {
  this.timeout(180_000);
  let api: FakeApiServer;
  let mc: MockCluster;
  let sensor: RunningSensor | undefined;
  let port: number;
  const made: LaidOut[] = [];
  let spool: string;
  const probes: { at: number; phase: string; r: HttpAnswer }[] = [];
  let phase = 'starting';
  let polling = true;
  let poller: Promise<void>;
  let m0: Sample[];
  let m1: Sample[];
  /** Right after the open loop, once its kernel counters show. */
  let mLoop: Sample[] = [];
  let writer: LaidOut;
  let readyRules = 0;

  before(async function () {
    requireBpf(this);
    requireMock(this);
    const why = containersUnavailable();
    if (why) {
      if (process.env.CI) throw new Error(why);
      process.stderr.write(`\n!!! SKIPPING metrics tests: ${why}\n\n`);
      this.skip();
    }
    mc = await startMockCluster(3);
    await mc.createTopic('metrics-alerts', 3, 3);
    api = new FakeApiServer();
    await api.start();
    const kubeconfig = api.writeKubeconfig();
    const mk = (script: string): LaidOut => {
      const c = withLayout(makeBundle(['/bin/sh', '-c', script]), 'cgroupfs');
      fs.writeFileSync(path.join(c.rootfs, 'etc/resolv.conf'), 'nameserver 10.0.0.10\n');
      made.push(c);
      return c;
    };
    writer = mk(`echo 'nameserver 6.6.6.6' > /etc/resolv.conf; echo 'nameserver 6.6.6.7' > /etc/resolv.conf # ${process.pid}`);
    api.addPod(podFor(writer, 'cart'));
    await api.setUnreachable('refuse');
    port = await freePort();
    spool = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-metrics-spool-'));
    poller = (async () => {
      while (polling) {
        probes.push({ at: Date.now(), phase, r: await get(port, '/readyz', 1000) });
        await sleep(100);
      }
    })();
    sensor = await startSensor(
      [
        '--kubeconfig', kubeconfig, '--node-name', NODE, '--metrics-addr', `127.0.0.1:${port}`, '--cgroup-root', '/sys/fs/cgroup',
        '--sink', 'stdout', '--sink', 'kafka', '--kafka-brokers', mc.bootstrap, '--kafka-topic', 'metrics-alerts',
        '--kafka-idempotent=false', '--spool-dir', spool, '--dedupe-window', '30s',
      ],
      { timeoutMs: 60_000 },
    );
    phase = 'ready-logged';
    readyRules = Number(sensor.logs().find((l) => l.msg === 'ready')?.rules);
    // Not ready while the API server refuses: the informer has not synced.
    await sensor.waitFor(() => probes.some((p) => p.phase === 'ready-logged' && p.r.status === 503), 10_000, 'a 503 from /readyz after ready');
    await api.setUnreachable(false);
    phase = 'api-up';
    await sensor.waitFor(() => probes.some((p) => p.phase === 'api-up' && p.r.status === 200), 30_000, '/readyz 200 once the informer synced');
    polling = false;
    await poller;

    m0 = await scrape(port);
    const loop = await run(helper('fileops'), ['loop', '5000', '/etc/hostname']);
    assert.equal(loop.status, 0);
    // Kernel counters are read every 250 ms: wait for the loop's to show.
    const filteredOf = (m: Sample[]) => value(m, 'kestrel_kernel_filtered_total', { ring: 'file', reason: 'open_read' }) ?? 0;
    for (let i = 0; i < 40; i++) {
      mLoop = await scrape(port);
      if (filteredOf(mLoop) - filteredOf(m0) >= 5000) break;
      await sleep(125);
    }
    await runDetached(writer);
    const stray = mk(`cat /etc/resolv.conf > /dev/null # no pod ${process.pid}`);
    await runDetached(stray);
    await sensor.waitFor(
      () => sensor!.alerts().some((a) => a.rule === 'DNS configuration modified' && a.output_fields['container.id'] === writer.ctrId.slice(0, 12)),
      20_000,
      'the DNS tampering alert',
    );
    // Let the second write reach dedupe and the Kafka sink acknowledge.
    const deadline = Date.now() + 20_000;
    for (;;) {
      m1 = await scrape(port);
      const merged = value(m1, 'kestrel_alerts_throttled_total', { reason: 'merged' }) ?? 0;
      const acked = value(m1, 'kestrel_sink_delivered_total', { sink: 'kafka' }) ?? 0;
      if ((merged >= 1 && acked >= 1) || Date.now() > deadline) break;
      await sleep(250);
    }
  });

  after(async function () {
    polling = false;
    await poller?.catch(() => undefined);
    if (sensor && sensor.child.exitCode === null) await sensor.stop('SIGTERM', 0);
    for (const c of made) {
      removeBundle(c);
      removePodCgroups(c);
    }
    await api?.stop();
    await mc?.stop();
    if (spool) fs.rmSync(spool, { recursive: true, force: true });
  });

  it('/readyz is never 200 before the programs, rules and informer are all there, and says what is missing', function () {
    const early = probes.filter((p) => p.phase !== 'api-up');
    assert.ok(early.length > 0);
    assert.deepEqual(early.filter((p) => p.r.status === 200), [], 'a 200 before the informer synced');
    const notReady = probes.find((p) => p.phase === 'ready-logged' && p.r.status === 503)!;
    const body = JSON.parse(notReady.r.body) as { status: string; checks: Record<string, { ok: boolean; detail?: string }> };
    assert.equal(body.status, 'fail');
    assert.equal(body.checks.programs.ok, true);
    assert.equal(body.checks.rules.ok, true);
    assert.equal(body.checks.informer.ok, false);
    assert.match(String(body.checks.informer.detail), /not synced/);
  });

  it('/healthz is 200 while the reader makes progress; unknown paths are 404', async function () {
    const h = await get(port, '/healthz');
    assert.equal(h.status, 200, h.body);
    assert.equal((JSON.parse(h.body) as { checks: { reader: { ok: boolean } } }).checks.reader.ok, true);
    assert.equal((await get(port, '/nope')).status, 404);
  });

  it('counts events by type, and the open loop\'s 5,000 unwatched opens as kept back in the kernel, not read', function () {
    // No default rule watches /etc/hostname: the interest set keeps its
    // read-only opens in the kernel and counts them apart from drops.
    const kept = (value(mLoop, 'kestrel_kernel_filtered_total', { ring: 'file', reason: 'open_read' }) ?? 0) -
      (value(m0, 'kestrel_kernel_filtered_total', { ring: 'file', reason: 'open_read' }) ?? 0);
    assert.ok(kept >= 5000, `filtered grew by ${kept}`);
    const d = sum(m1, 'kestrel_events_total', { type: 'openat' }) - sum(m0, 'kestrel_events_total', { type: 'openat' });
    assert.ok(d < 5000, `openat grew by ${d}: the loop's opens reached user space`);
    assert.ok((value(m1, 'kestrel_ring_records_total', { ring: 'file' }) ?? 0) > 0);
    assert.ok((value(m1, 'kestrel_events_total', { type: 'execve' }) ?? 0) > 0);
  });

  it('reports no kernel drops or decode errors for an ordinary load, per ring and reason', function () {
    for (const ring of ['process', 'file', 'net', 'dns', 'syscalls']) {
      for (const reason of ['ring_full', 'inflight_full']) assert.equal(value(m1, 'kestrel_kernel_drops_total', { ring, reason }), 0, `${ring}/${reason}`);
    }
    assert.equal(value(m1, 'kestrel_decode_errors_total'), 0);
  });

  it('counts alerts by rule and priority before dedupe, and the repeat as throttled', function () {
    assert.ok((value(m1, 'kestrel_alerts_total', { rule: 'DNS configuration modified', priority: 'Warning' }) ?? 0) >= 2);
    assert.ok((value(m1, 'kestrel_alerts_throttled_total', { reason: 'merged' }) ?? 0) >= 1);
    assert.equal(value(m1, 'kestrel_alerts_throttled_total', { reason: 'rate_limited' }), 0);
  });

  it('reports each sink: delivered, errors, queue depth, spool bytes, latency', function () {
    const printed = sensor!.alerts().length;
    const stdout = value(m1, 'kestrel_sink_delivered_total', { sink: 'stdout' }) ?? -1;
    assert.ok(stdout >= 1 && stdout <= printed, `stdout delivered ${stdout}, printed ${printed}`);
    assert.ok((value(m1, 'kestrel_sink_delivered_total', { sink: 'kafka' }) ?? 0) >= 1);
    // Errors count failed attempts (a first produce may meet a leader
    // election); what matters is that none of them lost an alert.
    assert.notEqual(value(m1, 'kestrel_sink_errors_total', { sink: 'kafka' }), undefined);
    assert.equal(sum(m1, 'kestrel_sink_dropped_total'), 0, 'no sink lost an alert');
    assert.equal(value(m1, 'kestrel_sink_queue_depth', { sink: 'stdout' }), 0);
    assert.notEqual(value(m1, 'kestrel_spool_bytes', { sink: 'kafka' }), undefined);
    for (const sink of ['stdout', 'kafka']) {
      const p99 = value(m1, 'kestrel_alert_latency_seconds', { sink, quantile: '0.99' });
      assert.ok(p99 !== undefined && p99 > 0 && p99 < 60, `${sink} p99 ${p99}`);
    }
  });

  it('reports enrichment misses, the pod cache and the process cache', function () {
    assert.ok((value(m1, 'kestrel_enrich_misses_total', { missing: 'pod' }) ?? 0) >= 1, 'the container without a pod');
    assert.equal(value(m1, 'kestrel_pod_cache_pods', { state: 'live' }), 1);
    assert.ok((value(m1, 'kestrel_process_cache_processes') ?? 0) > 10);
  });

  it('reports rules in force, rule evaluation time and event-loop lag', function () {
    assert.equal(value(m1, 'kestrel_rules_loaded'), readyRules);
    assert.equal(value(m1, 'kestrel_rule_reload_failures_total'), 0);
    // The containers' execs and opens at least; never more than were read.
    const judged = value(m1, 'kestrel_rule_evaluated_events_total') ?? 0;
    assert.ok(judged > 0 && judged <= sum(m1, 'kestrel_events_total'), `judged ${judged}`);
    const secs = value(m1, 'kestrel_rule_eval_seconds_total') ?? 0;
    assert.ok(secs > 0 && secs < 60, `eval seconds ${secs}`);
    const lag = value(m1, 'kestrel_event_loop_lag_seconds', { quantile: '0.99' });
    assert.ok(lag !== undefined && lag >= 0 && lag < 10, `lag ${lag}`);
    assert.equal(value(m1, 'kestrel_self_alerts_total'), 0);
  });
});

describe('sensor run: kernel drops are metrics and an alert', function () {
  this.timeout(120_000);
  let sensor: RunningSensor | undefined;

  before(function () {
    requireBpf(this);
  });

  after(async function () {
    if (sensor && sensor.child.exitCode === null) await sensor.stop('SIGTERM', 0);
  });

  it('a flood into 4 KiB rings is counted per ring and raises "Sensor dropped kernel events"', async function () {
    const port = await freePort();
    // Read-only opens no rule can match stay in the kernel (the interest
    // set): a rule that watches the flooded file, yet never fires, lets them
    // through to fill the ring.
    const watch = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kt-drops-')), 'watch.yaml');
    fs.writeFileSync(watch, `
- rule: Hostname read (kept in view, never fires)
  desc: Lets reads of /etc/hostname leave the kernel.
  events: [open]
  condition:
    all:
      - { fact: fd.name, operator: equal, value: /etc/hostname }
      - { fact: proc.name, operator: equal, value: "<never>" }
  output: "x | fd.name=%fd.name"
  priority: DEBUG
  tags: [T1005]
`);
    sensor = await startSensor(['--no-k8s', '--ring-size', '4096', '--metrics-addr', `127.0.0.1:${port}`, '--no-default-rules', '--rules', path.join(__dirname, '../../../rules/00-macros.yaml'), '--rules', watch]);
    const loop = await run(helper('fileops'), ['loop', '200000', '/etc/hostname']);
    assert.equal(loop.status, 0);
    const alert = await sensor.waitFor(
      () => sensor!.alerts().find((a) => a.rule === 'Sensor dropped kernel events' && a.output_fields['kestrel.ring'] === 'file'),
      10_000,
      'the drop alert',
    );
    assert.equal(alert.priority, 'Critical');
    assert.ok((alert.output_fields['kestrel.dropped'] as number) > 0);
    const m = await scrape(port);
    const drops = value(m, 'kestrel_kernel_drops_total', { ring: 'file', reason: 'ring_full' }) ?? 0;
    assert.ok(drops > 0, 'file ring drops in /metrics');
    assert.ok(drops >= (alert.output_fields['kestrel.dropped'] as number));
    assert.ok((value(m, 'kestrel_self_alerts_total') ?? 0) >= 1);
    const r = await sensor.stop('SIGTERM', 0);
    assert.equal(r.code, 0);
    fs.rmSync(path.dirname(watch), { recursive: true, force: true });
  });
});
