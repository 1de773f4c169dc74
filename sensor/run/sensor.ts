// The continuous sensor, wired: rules, health and metrics endpoint, context
// (process, container, pod), sinks, the pipeline, then the kernel programs.
// The endpoint starts first so /readyz says "not yet" while the informer
// syncs and the programs load. SIGTERM or SIGINT: not ready, detach, flush
// the sinks within the shutdown timeout, exit 0.
import * as os from 'node:os';
import { buildSinks } from '../config';
import type { EventType } from '../decode/types';
import { createEnrichStage, wantsK8s, type EnrichStage } from '../enrich/setup';
import { BootClock } from '../kernel/clock';
import { DEFAULT_RING_SIZE, type ObjectName } from '../kernel/gadgets';
import { KernelSource, stopSummary } from '../kernel/source';
import type { Logger } from '../log';
import type { RunOptions } from '../cli/run';
import { registerInstruments, type Instruments } from '../metrics/instruments';
import { startMetricsServer, type MetricsServer } from '../metrics/server';
import { createTelemetry, type Telemetry } from '../metrics/telemetry';
import type { CompiledRuleset } from '../rules/engine';
import { deriveInterest } from '../rules/interest';
import { RuleLoadError, RuleReloader, compileRulePaths } from '../rules/reload';
import type { AlertPath } from '../config/build';
import { Health } from './health';
import { Pipeline } from './pipeline';
import { DropAlerter } from './self-alert';

/** What `sensor run` was asked for (sensor/cli/run.ts parses it), and its logger. */
export interface SensorRunOptions extends Omit<RunOptions, 'logLevel'> {
  log: Logger;
}

/** Every gadget: the process events build the tree, the rest feed rules. */
const RUN_TYPES: EventType[] = ['exec', 'fork', 'exit', 'open', 'connect', 'accept', 'dns', 'syscall'];

/** Runs until SIGTERM/SIGINT; the exit code. */
export async function runSensor(opts: SensorRunOptions): Promise<number> {
  const { log, config } = opts;
  for (const w of config.warnings) log.warn({ config: config.configFile ?? null }, w);
  const loadOpts = { extraListItems: { k8s_apiserver_ips: opts.apiServerIps } };
  let rules;
  try {
    rules = compileRulePaths(opts.rulePaths, log, loadOpts);
  } catch (err) {
    if (err instanceof RuleLoadError) {
      process.stderr.write(err.message + '\n');
      return 1;
    }
    throw err;
  }
  const hostname = os.hostname();
  const health = new Health({ informer: wantsK8s(opts) });
  health.rulesLoaded();

  // Filled in as start-up goes on; the signal handler and the metrics read
  // whatever exists.
  let stage: EnrichStage | undefined;
  let path: AlertPath | undefined;
  let pipeline: Pipeline | undefined;
  let reloader: RuleReloader | undefined;
  let source: KernelSource | undefined;
  let drops: DropAlerter | undefined;
  let telemetry: Telemetry | undefined;
  let instruments: Instruments | undefined;
  let server: MetricsServer | undefined;

  let stopSignal: string | null = null;
  let stopAt = 0;
  let wake: (() => void) | null = null;
  const onSignal = (sig: string) => () => {
    if (stopSignal) return;
    stopSignal = sig;
    stopAt = Date.now();
    health.draining();
    wake?.();
  };
  const onTerm = onSignal('SIGTERM');
  const onInt = onSignal('SIGINT');
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onInt);

  let code = 0;
  let dropTimer: NodeJS.Timeout | undefined;
  try {
    if (config.metrics.listen || config.metrics.otlpEndpoint) {
      const resource: Record<string, string> = { 'service.name': 'kestrel-sensor', 'host.name': hostname };
      const node = opts.nodeName ?? process.env.NODE_NAME;
      if (node) resource['k8s.node.name'] = node;
      if (config.clusterName) resource['k8s.cluster.name'] = config.clusterName;
      telemetry = createTelemetry({
        resource,
        ...(config.metrics.otlpEndpoint ? { otlpEndpoint: config.metrics.otlpEndpoint, otlpIntervalMs: config.metrics.otlpIntervalMs } : {}),
        ...(config.otlp?.headers ? { otlpHeaders: config.otlp.headers } : {}),
      });
    }
    if (config.metrics.listen && telemetry) {
      const t = telemetry;
      try {
        server = await startMetricsServer({
          ...config.metrics.listen,
          scrape: (req, res) => t.handleScrape(req, res),
          live: () => health.live(),
          ready: () => health.ready(),
        });
        log.info({ addr: `${server.address.host}:${server.address.port}` }, 'serving /metrics, /healthz, /readyz');
      } catch (err) {
        // The default address is a convenience (a second sensor on one host
        // finds it taken); one the user asked for must work.
        if (config.metrics.explicit) throw err;
        log.warn({ err: (err as Error).message }, 'no metrics endpoint: the default address is taken; set --metrics-addr');
      }
    }

    stage = await createEnrichStage({
      log,
      kubeconfig: opts.kubeconfig,
      nodeName: opts.nodeName,
      noK8s: opts.noK8s,
      ...(config.cgroupRoot ? { cgroupRoot: config.cgroupRoot } : {}),
      eventClockNs: BootClock.nowNs,
    });
    const st = stage;
    health.informerFrom(() => st.pods?.synced ?? true);
    path = await buildSinks(config, log, { nodeName: st.enricher.nodeName, hostname });
    const ap = path;
    const pl = (pipeline = new Pipeline({
      enricher: st.enricher,
      clock: new BootClock(),
      hostname,
      rules,
      emit: (a) => ap.dedupe.push(a),
      onError: (err, ev) => log.error({ err: (err as Error).message, type: ev.type }, 'event evaluation failed'),
    }));
    const onSwap = (r: CompiledRuleset): void => {
      // Kernel first: a wider set is in force before the new rules judge.
      if (config.kernelFilter) source?.setInterest(deriveInterest(r));
      pl.setRules(r);
    };
    const rl = (reloader = new RuleReloader({ paths: opts.rulePaths, log, load: loadOpts, onSwap }));
    const da = (drops = new DropAlerter({ hostname, nodeName: st.enricher.nodeName, emit: (a) => ap.dedupe.push(a) }));
    if (telemetry) {
      instruments = registerInstruments(telemetry.meter, {
        source: () => source?.stats() ?? null,
        pipeline: () => pl.stats(),
        alertsByRule: () => pl.alertsByRule(),
        dedupe: () => ap.dedupe.stats(),
        sinks: () => ap.sink.statsBySink(),
        enrich: () => st.enricher.stats(),
        processes: () => st.processes.stats(),
        pods: () => st.pods?.stats() ?? null,
        rules: () => ({ loaded: pl.ruleset.rules.length, reload: rl.stats() }),
        selfAlerts: () => da.sent,
      });
    }
    if (!stopSignal) {
      const ringSizes: Partial<Record<ObjectName, number>> | undefined = opts.ringSize
        ? Object.fromEntries(Object.keys(DEFAULT_RING_SIZE).map((k) => [k, opts.ringSize]))
        : undefined;
      const src = (source = KernelSource.start({
        types: RUN_TYPES,
        onEvent: pl.onEvent,
        log,
        ringSizes,
        interest: config.kernelFilter ? deriveInterest(rules) : null,
        onDrops: (ring, reason, added, total) => {
          log.warn({ ring, reason, added, total }, 'kernel dropped events');
          da.onDrops(ring, reason, added, total);
        },
      }));
      health.programsAttached(() => src.progress());
      dropTimer = setInterval(() => da.flush(), 1000);
      dropTimer.unref();
      st.seed();
      rl.setBaseline();
      if (opts.reload) rl.watch();
      log.info(
        { rules: rules.rules.length, eventTypes: rules.eventTypes().length, files: rules.spec.files.length, k8s: st.pods !== null, sinks: config.sinks, format: config.format },
        'ready',
      );
      process.on('SIGHUP', () => rl.reload('SIGHUP'));
      await new Promise<void>((resolve) => {
        wake = resolve;
        if (stopSignal) resolve();
      });
    }
  } catch (err) {
    // A start-up failure (a port in use, a program the kernel refuses):
    // say it plainly, then release whatever was set up.
    log.error({ err: (err as Error).message }, 'the sensor could not start');
    code = 1;
  } finally {
    process.removeListener('SIGTERM', onTerm);
    process.removeListener('SIGINT', onInt);
    if (dropTimer) clearInterval(dropTimer);
    reloader?.close();
    log.debug({ reason: stopSignal }, 'stopping: detaching the programs');
    const stats = source ? await source.stop() : null;
    log.debug('stopping: rings drained; flushing the sinks');
    stage?.stop();
    drops?.flush(true);
    path?.dedupe.close();
    // The timeout counts from the signal: detaching the tracepoints already
    // took part of it (about 2 s for 60 links here, see detachAsync). The
    // sinks keep delivering meanwhile; they get at least half a second more.
    const deadline = Math.max((stopAt || Date.now()) + config.shutdownTimeoutMs, Date.now() + 500);
    if (path) await path.sink.close(deadline);
    log.debug('stopping: sinks closed');
    instruments?.stop();
    await telemetry?.shutdown();
    await server?.close();
    if (stats && pipeline && path && reloader && stage) {
      const summary = {
        ...stopSummary(stopSignal ?? 'error', stats),
        pipeline: pipeline.stats(),
        dedupe: path.dedupe.stats(),
        sink: path.sink.stats(),
        sinks: path.sink.statsBySink(),
        rules: reloader.stats(),
        enrich: stage.enricher.stats(),
        selfAlerts: drops?.sent ?? 0,
      };
      const lost = summary.drops > 0 || stats.decodeErrors > 0 || Object.keys(summary.sink.dropped).length > 0;
      if (lost) log.warn(summary, 'stopped; events or alerts were lost');
      else log.info(summary, 'stopped');
    } else if (stopSignal) {
      log.info({ reason: stopSignal }, 'stopped during start-up');
    }
  }
  return code;
}
