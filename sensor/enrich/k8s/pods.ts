// Pod metadata by container ID for the containers of this node. One pod
// informer per node (list + watch with spec.nodeName=<node>), so the API
// server sends each sensor only its own node's pods.
//
// Lookups answer from memory and never wait, never throw: while the API
// server is away they keep answering with what was last known, and misses are
// counted. Reconnects back off exponentially with jitter; a 410 Gone (the
// resourceVersion is too old) relists, and what the relist shows gone is
// moved to the grace cache like any deletion.
import type { V1Pod } from '@kubernetes/client-node';
import type { Logger } from '../../log';
import { Backoff, BackoffOptions, DEFAULT_BACKOFF, checkBackoff } from './backoff';
import { InformerHandle, createPodInformer, loadKubeConfig, loadLibrary } from './client';
import { PodIndex } from './store';
import type { PodCacheStats, PodContainerInfo, PodInfo } from './types';

export interface PodCacheOptions {
  /** This node's name as spec.nodeName spells it (the downward API's fieldRef spec.nodeName). */
  nodeName: string;
  /** A kubeconfig file; unset inside a pod, to use its service account. */
  kubeconfig?: string;
  /** How long a deleted pod and its containers still answer lookups. */
  graceMs?: number;
  /** Most gone pods plus container IDs kept at once. */
  maxGone?: number;
  backoff?: Partial<BackoffOptions>;
  /** The server ends each watch after this; the next resumes from the last resourceVersion. */
  watchTimeoutSeconds?: number;
  /** Bound on a list, and on the wait for a watch's response headers. */
  requestTimeoutMs?: number;
  /** A watch the server closes sooner than this with nothing on it is a flap: back off before the next. */
  minWatchMs?: number;
  /** How often memory held by expired grace entries is freed. */
  sweepIntervalMs?: number;
  now?: () => number;
  random?: () => number;
  log?: Logger;
}

export const POD_CACHE_DEFAULTS = {
  graceMs: 5 * 60_000,
  maxGone: 20_000,
  watchTimeoutSeconds: 300,
  requestTimeoutMs: 30_000,
  minWatchMs: 1_000,
};

// RFC 1123 subdomain: what a node name may be. Checked because it goes into a field selector.
const NODE_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

export class PodCache {
  private readonly index: PodIndex;
  private readonly backoff: Backoff;
  private readonly opts: Required<Omit<PodCacheOptions, 'kubeconfig' | 'log' | 'backoff'>> & Pick<PodCacheOptions, 'kubeconfig' | 'log'>;
  private handle: InformerHandle | undefined;
  private retry: NodeJS.Timeout | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  private running = false;
  private failing = false;
  private lists = 0;
  private watchErrors = 0;
  private expired = 0;
  private lastSyncAt: number | undefined;
  private waiters: Array<(synced: boolean) => void> = [];

  /** Throws when an option is wrong, saying which and what it should be. */
  constructor(options: PodCacheOptions) {
    const o = { ...POD_CACHE_DEFAULTS, now: Date.now, random: Math.random, sweepIntervalMs: 0, ...options };
    if (typeof o.nodeName !== 'string' || !NODE_NAME.test(o.nodeName)) {
      throw new Error(`k8s: nodeName must be this node's name (set NODE_NAME from the downward API, fieldRef spec.nodeName), got ${JSON.stringify(o.nodeName)}`);
    }
    const positive = (name: string, v: number): void => {
      if (!(Number.isFinite(v) && v > 0)) throw new Error(`k8s: ${name} must be a positive number, got ${v}`);
    };
    if (!(Number.isFinite(o.graceMs) && o.graceMs >= 0)) throw new Error(`k8s: graceMs must be 0 or more milliseconds, got ${o.graceMs}`);
    positive('maxGone', o.maxGone);
    positive('watchTimeoutSeconds', o.watchTimeoutSeconds);
    positive('requestTimeoutMs', o.requestTimeoutMs);
    if (!(Number.isFinite(o.minWatchMs) && o.minWatchMs >= 0)) throw new Error(`k8s: minWatchMs must be 0 or more, got ${o.minWatchMs}`);
    if (!o.sweepIntervalMs) o.sweepIntervalMs = Math.min(60_000, Math.max(1_000, o.graceMs / 4));
    positive('sweepIntervalMs', o.sweepIntervalMs);
    const backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    checkBackoff(backoff);
    this.opts = o;
    this.backoff = new Backoff(backoff, o.random);
    this.index = new PodIndex({ graceMs: o.graceMs, maxGone: o.maxGone, now: o.now });
  }

  /** True once the first list has been applied; stays true while the server is away. */
  get synced(): boolean {
    return this.lists > 0;
  }

  /**
   * Loads the client and the kubeconfig (throwing if either is unusable), then
   * makes the first list and opens the watch. Resolves after that first
   * attempt whether or not the server answered: failures are retried in the
   * background, and `synced` or `waitForSync` tell when the cache is filled.
   */
  async start(): Promise<void> {
    if (this.running) return;
    const lib = await loadLibrary();
    const kc = loadKubeConfig(lib, this.opts.kubeconfig);
    this.running = true;
    this.handle = createPodInformer(lib, kc, {
      nodeName: this.opts.nodeName,
      watchTimeoutSeconds: this.opts.watchTimeoutSeconds,
      requestTimeoutMs: this.opts.requestTimeoutMs,
      hooks: {
        listed: () => this.onListed(),
        opened: () => this.heard(),
        event: (type, obj) => this.onEvent(type, obj),
        ended: (err, ms, events) => this.onWatchEnded(err, ms, events),
      },
    });
    const inf = this.handle.informer;
    inf.on('add', (p: V1Pod) => this.guard(() => this.index.upsert(p)));
    inf.on('update', (p: V1Pod) => this.guard(() => this.index.upsert(p)));
    inf.on('delete', (p: V1Pod) => this.guard(() => this.index.remove(p)));
    inf.on('error', (err: unknown) => this.onError(err));
    this.sweeper = setInterval(() => this.index.sweep(), this.opts.sweepIntervalMs);
    this.sweeper.unref();
    await this.connect();
  }

  /** Stops watching. What is known stays answerable. */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    clearTimeout(this.retry);
    clearInterval(this.sweeper);
    this.retry = this.sweeper = undefined;
    this.handle?.dispose();
    void this.handle?.informer.stop();
    for (const w of this.waiters.splice(0)) w(this.synced);
  }

  /** Resolves true once synced, false if `timeoutMs` passes first or the cache is stopped. */
  waitForSync(timeoutMs: number): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    if (!this.running) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (v: boolean): void => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== done);
        resolve(v);
      };
      const timer = setTimeout(() => done(false), timeoutMs);
      this.waiters.push(done);
    });
  }

  // A bug in the index must cost one enrichment, never the event: so the two
  // lookups catch, count a miss, and answer undefined.
  lookupContainer(id: string): PodContainerInfo | undefined {
    try {
      return this.index.lookupContainer(id);
    } catch {
      this.index.counters.misses++;
      return undefined;
    }
  }

  lookupPod(uid: string): PodInfo | undefined {
    try {
      return this.index.lookupPod(uid);
    } catch {
      this.index.counters.misses++;
      return undefined;
    }
  }

  stats(): PodCacheStats {
    const c = this.index.counters;
    return {
      pods: this.index.livePods,
      containers: this.index.liveContainers,
      gonePods: this.index.gonePods,
      goneContainers: this.index.goneContainers,
      relists: Math.max(0, this.lists - 1),
      watchErrors: this.watchErrors,
      expired: this.expired,
      hits: c.hits,
      misses: c.misses,
      graceHits: c.graceHits,
      graceEvicted: c.graceEvicted,
      badObjects: c.badObjects,
      lastSyncAge: this.lastSyncAt === undefined ? null : this.opts.now() - this.lastSyncAt,
    };
  }

  // ListWatch calls the handlers inside its own promise chain, where a throw
  // would become an unhandled rejection and stop the informer for good.
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.index.counters.badObjects++;
      this.opts.log?.warn({ err: errMessage(err) }, 'k8s: could not index a pod');
    }
  }

  private async connect(): Promise<void> {
    try {
      await this.handle?.informer.start();
    } catch (err) {
      this.onError(err);
    }
  }

  private heard(): void {
    this.lastSyncAt = this.opts.now();
  }

  private onListed(): void {
    this.lists++;
    this.heard();
    this.backoff.reset();
    if (this.failing) {
      this.failing = false;
      this.opts.log?.info({ relists: this.lists - 1 }, 'k8s: pod list and watch are back');
    }
    for (const w of this.waiters.splice(0)) w(true);
  }

  private onEvent(type: string, obj: unknown): void {
    this.heard();
    if (type !== 'ERROR') {
      this.backoff.reset();
      return;
    }
    this.watchErrors++;
    if (statusCode(obj) === 410) this.expired++;
  }

  private onWatchEnded(err: unknown, lifetimeMs: number, events: number): number {
    if (!this.running) return 0;
    // ListWatch relists at once on a 410 answer; other errors come back through onError.
    if (err && statusCode(err) === 410) {
      this.watchErrors++;
      this.expired++;
      return 0;
    }
    if (!err && events === 0 && lifetimeMs < this.opts.minWatchMs) return this.backoff.next();
    return 0;
  }

  private onError(err: unknown): void {
    if (!this.running) return;
    this.watchErrors++;
    const delay = this.backoff.next();
    const code = statusCode(err);
    const fields = {
      err: errMessage(err),
      status: code,
      retryInMs: delay,
      attempt: this.backoff.attempts,
      // Retrying cannot fix these; say what will.
      hint: code === 401 ? 'the API server refused the credentials: check the service account token or the kubeconfig user'
        : code === 403 ? "the sensor's identity needs list and watch on pods (a ClusterRole bound to its service account)"
        : undefined,
    };
    if (!this.failing) this.opts.log?.warn(fields, 'k8s: pod list or watch failed; lookups answer from what is known');
    else this.opts.log?.debug(fields, 'k8s: pod list or watch failed again');
    this.failing = true;
    clearTimeout(this.retry);
    this.retry = setTimeout(() => {
      this.retry = undefined;
      if (this.running) void this.connect();
    }, delay);
  }
}

function statusCode(x: unknown): number | undefined {
  if (typeof x !== 'object' || x === null) return undefined;
  const o = x as { code?: unknown; statusCode?: unknown };
  const v = typeof o.code === 'number' ? o.code : o.statusCode;
  return typeof v === 'number' ? v : undefined;
}

function errMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
