// The only file that touches @kubernetes/client-node at run time. The library
// is an ES module of ~70 packages that takes most of a second to load, so it
// is loaded when a PodCache starts, never in standalone mode.
//
// The informer is the library's own ListWatch (list, then watch from the
// list's resourceVersion, relist after 410 Gone). Around it we add what it
// lacks: a field selector (makeInformer takes none), bookmarks and a server
// side timeout on every watch, a timeout on the list and on the watch's
// response headers, a watchdog on a watch that outlives its timeout, and
// hooks so PodCache can count and pace reconnects.
import { existsSync } from 'node:fs';
import type * as K8s from '@kubernetes/client-node';

export type K8sLibrary = typeof K8s;
export type PodInformer = K8s.ListWatch<K8s.V1Pod>;

export function loadLibrary(): Promise<K8sLibrary> {
  return import('@kubernetes/client-node');
}

/** Where the service account of a pod finds its token; in-cluster config needs it. */
export const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/** A kubeconfig file, or the pod's service account when `path` is undefined. Throws with what to change. */
export function loadKubeConfig(lib: K8sLibrary, path: string | undefined): K8s.KubeConfig {
  const kc = new lib.KubeConfig();
  if (path !== undefined) {
    try {
      kc.loadFromFile(path);
    } catch (err) {
      throw new Error(`k8s: cannot load kubeconfig ${path}: ${(err as Error).message}; point kubeconfig at a readable kubeconfig file, or leave it unset inside a pod`);
    }
  } else {
    if (!process.env.KUBERNETES_SERVICE_HOST || !process.env.KUBERNETES_SERVICE_PORT) {
      throw new Error('k8s: not running in a pod (KUBERNETES_SERVICE_HOST/PORT are unset) and no kubeconfig given; set kubeconfig, or turn Kubernetes enrichment off for standalone mode');
    }
    if (!existsSync(SERVICE_ACCOUNT_TOKEN)) {
      throw new Error(`k8s: in-cluster config needs the service account token at ${SERVICE_ACCOUNT_TOKEN}; set automountServiceAccountToken: true on the DaemonSet, or give a kubeconfig`);
    }
    kc.loadFromCluster();
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster?.server) {
    throw new Error(`k8s: kubeconfig ${path ?? '(in-cluster)'} has no current cluster with a server; set current-context to a context whose cluster has a server`);
  }
  // The library refuses plain http without this, but only when the first request is made.
  if (cluster.server.startsWith('http:') && !cluster.skipTLSVerify) {
    throw new Error(`k8s: cluster ${cluster.name} uses plain http (${cluster.server}); use https, or set insecure-skip-tls-verify: true on that cluster`);
  }
  return kc;
}

export interface WatchHooks {
  /** A list succeeded and ListWatch has applied it (it is about to watch). */
  listed(): void;
  /** The server answered a watch request with a stream. */
  opened(): void;
  /** Every line of a watch stream, BOOKMARK and ERROR included. */
  event(type: string, obj: unknown): void;
  /** A watch ended (err null when the server closed it); returns how long to wait before ListWatch goes on. */
  ended(err: unknown, lifetimeMs: number, events: number): number;
}

export interface InformerOptions {
  nodeName: string;
  /** Asked of the server for every watch; the server ends the stream after it. */
  watchTimeoutSeconds: number;
  /** For a list, and for a watch's response headers. */
  requestTimeoutMs: number;
  hooks: WatchHooks;
}

export interface InformerHandle {
  informer: PodInformer;
  /** Cancel the timers the watch wrapper holds. */
  dispose(): void;
}

export function createPodInformer(lib: K8sLibrary, kc: K8s.KubeConfig, opts: InformerOptions): InformerHandle {
  const fieldSelector = `spec.nodeName=${opts.nodeName}`;
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void): NodeJS.Timeout => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
    return t;
  };

  // Watch never sets a signal we can reach before the response arrives; the
  // fetch timeout (node-fetch's `timeout`) is the only bound on a server that
  // accepts the connection and never answers.
  const fetchOptions = kc.applyToFetchOptions.bind(kc);
  kc.applyToFetchOptions = async (o) => ({ ...(await fetchOptions(o)), timeout: opts.requestTimeoutMs });

  // ListWatch applies a list only after the list function returns; the watch
  // it opens next is the first moment the cache holds the list's pods.
  let listApplied = false;

  class PodWatch extends lib.Watch {
    override async watch(
      path: string,
      params: Record<string, string | number | boolean | undefined>,
      callback: (phase: string, apiObj: any, watchObj?: any) => void,
      done: (err: any) => void,
    ): Promise<AbortController> {
      if (listApplied) {
        listApplied = false;
        opts.hooks.listed();
      }
      const started = Date.now();
      let events = 0;
      let finished = false;
      let watchdog: NodeJS.Timeout | undefined;
      const onEvent = (phase: string, obj: unknown, raw?: unknown): void => {
        events++;
        opts.hooks.event(phase, obj);
        callback(phase, obj, raw);
      };
      const onDone = (err: unknown): void => {
        finished = true;
        if (watchdog) {
          clearTimeout(watchdog);
          timers.delete(watchdog);
        }
        const wait = opts.hooks.ended(err ?? null, Date.now() - started, events);
        if (wait > 0) later(wait, () => done(err));
        else done(err);
      };
      const query = { ...params, allowWatchBookmarks: true, timeoutSeconds: opts.watchTimeoutSeconds };
      let controller: AbortController;
      try {
        controller = await super.watch(path, query, onEvent, onDone);
      } catch (err) {
        // Watch reads credentials before its own try (a token file, an exec
        // plugin); a throw there would reject inside ListWatch, unhandled.
        if (!finished) onDone(err);
        return new AbortController();
      }
      if (!finished) {
        opts.hooks.opened();
        // A server that dies without closing the connection leaves the stream silent forever.
        watchdog = later(opts.watchTimeoutSeconds * 1000 + opts.requestTimeoutMs, () => controller.abort());
      }
      return controller;
    }
  }

  const api = kc.makeApiClient(lib.CoreV1Api);
  // The request object API runs on the Observable API, so its per-call
  // middleware returns the package's Observable (a thin promise wrapper).
  const listTimeout: K8s.ObservableMiddleware = {
    pre: (ctx) => {
      ctx.setSignal(AbortSignal.timeout(opts.requestTimeoutMs));
      return new lib.Observable(Promise.resolve(ctx));
    },
    post: (res) => new lib.Observable(Promise.resolve(res)),
  };
  const listOptions = { middleware: [listTimeout], middlewareMergeStrategy: 'append' as const };
  const list = async (): Promise<K8s.V1PodList> => {
    const result = await api.listPodForAllNamespaces({ fieldSelector }, listOptions);
    listApplied = true;
    return result;
  };

  const informer = new lib.ListWatch<K8s.V1Pod>('/api/v1/pods', new PodWatch(kc), list, false, undefined, fieldSelector);
  return {
    informer,
    dispose() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}
