// A kube-apiserver for pods only, over HTTP on 127.0.0.1, faithful where an
// informer can tell: one global resourceVersion that every change advances;
// lists that return it; watches as chunked JSON lines from a resourceVersion,
// replayed from a bounded history; a field selector that turns a pod moving
// in or out of the selection into ADDED or DELETED, as the watch cache does;
// BOOKMARKs when asked; a 410 Gone (an ERROR event carrying a Status, or an
// HTTP 410) for a resourceVersion older than the history; timeoutSeconds.
//
// Test controls: add/update/delete pods, expire the history, drop watches,
// stop and restart on the same port, refuse or black-hole connections.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { Socket } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';

export type Pod = V1Pod;
type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

interface Change {
  rv: number;
  type: EventType;
  object: Pod;
  /** The object before the change, to tell a pod that left the selection. */
  previous: Pod | undefined;
}

interface Watcher {
  res: http.ServerResponse;
  match: (p: Pod) => boolean;
  timers: NodeJS.Timeout[];
}

export interface RequestRecord {
  method: string;
  path: string;
  query: Record<string, string>;
  authorization: string | undefined;
  watch: boolean;
}

export interface FakeApiServerOptions {
  /** How often a watch that allows bookmarks gets one. */
  bookmarkIntervalMs?: number;
  /** How a watch from a resourceVersion older than the history is refused: an ERROR event (the watch cache) or an HTTP 410. */
  expiredWatch?: 'event' | 'http';
  /** Bearer token the server insists on; every request without it gets 401. */
  token?: string;
}

export type Unreachable = 'refuse' | 'hang' | false;

/** Temp directories of kubeconfigs written here, removed when the process exits. */
const madeDirs = new Set<string>();
process.once('exit', () => {
  for (const d of madeDirs) rmSync(d, { recursive: true, force: true });
});

export class FakeApiServer {
  readonly requests: RequestRecord[] = [];
  private server: http.Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly watchers = new Set<Watcher>();
  private readonly pods = new Map<string, Pod>();
  private history: Change[] = [];
  private rv = 1000;
  /** The history holds every change after this resourceVersion. */
  private oldestRv = 1000;
  private hanging = false;
  private port = 0;
  private readonly opts: Required<Omit<FakeApiServerOptions, 'token'>> & { token: string | undefined };

  constructor(options: FakeApiServerOptions = {}) {
    this.opts = { bookmarkIntervalMs: 500, expiredWatch: 'event', token: undefined, ...options };
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get resourceVersion(): string {
    return String(this.rv);
  }

  /** Watches open now (streams the server is writing to). */
  get watchCount(): number {
    return this.watchers.size;
  }

  /** Listen on a random port the first time, and on the same port after that. */
  async start(): Promise<void> {
    if (this.server) return;
    const server = http.createServer((req, res) => this.handle(req, res));
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  /** Gone as a killed process is: the port refuses, every open connection is cut. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.endWatches(true);
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /**
   * A restarted API server: same port and objects (they live in etcd), and
   * by default a new watch cache, whose history starts now.
   */
  async restart(opts: { keepHistory?: boolean } = {}): Promise<void> {
    await this.stop();
    if (!opts.keepHistory) this.expireHistory();
    await this.start();
  }

  /**
   * 'refuse': connections are refused. 'hang': connections are accepted and
   * never answered, open watches go silent (a partition). false: reachable
   * again; what hung is cut, as a healed partition resets stale connections.
   */
  async setUnreachable(mode: Unreachable): Promise<void> {
    if (mode === 'refuse') return this.stop();
    if (mode === 'hang') {
      await this.start();
      this.hanging = true;
      return;
    }
    if (this.hanging) {
      this.hanging = false;
      this.endWatches(true);
      for (const s of this.sockets) s.destroy();
    }
    await this.start();
  }

  /** Compact the history: a watch resumed from any resourceVersion seen so far gets 410 Gone. */
  expireHistory(): void {
    this.history = [];
    this.oldestRv = this.rv;
  }

  /** End every watch as its timeout would, cleanly; clients resume from their last resourceVersion. */
  dropWatches(): void {
    this.endWatches(false);
  }

  addPod(pod: Pod): Pod {
    const p = clone(pod);
    p.apiVersion = 'v1';
    p.kind = 'Pod';
    p.metadata = { namespace: 'default', ...p.metadata };
    p.metadata.uid ??= randomUUID();
    p.metadata.creationTimestamp ??= new Date();
    const key = podKey(p);
    if (this.pods.has(key)) throw new Error(`fake apiserver: pod ${key} already exists`);
    return this.commit('ADDED', key, p, undefined);
  }

  updatePod(namespace: string, name: string, mutate: (p: Pod) => void): Pod {
    const key = `${namespace}/${name}`;
    const old = this.pods.get(key);
    if (!old) throw new Error(`fake apiserver: no pod ${key} to update`);
    const p = clone(old);
    mutate(p);
    return this.commit('MODIFIED', key, p, old);
  }

  deletePod(namespace: string, name: string): Pod {
    const key = `${namespace}/${name}`;
    const old = this.pods.get(key);
    if (!old) throw new Error(`fake apiserver: no pod ${key} to delete`);
    return this.commit('DELETED', key, clone(old), old);
  }

  getPod(namespace: string, name: string): Pod | undefined {
    const p = this.pods.get(`${namespace}/${name}`);
    return p && clone(p);
  }

  /** A kubeconfig file pointing at this server (plain http, which needs insecure-skip-tls-verify). */
  writeKubeconfig(dir?: string): string {
    if (!dir) {
      dir = mkdtempSync(path.join(os.tmpdir(), 'fake-apiserver-'));
      madeDirs.add(dir);
    }
    const file = path.join(dir, 'kubeconfig');
    const user = this.opts.token ? `\n    token: ${this.opts.token}` : '\n    username: nobody\n    password: nothing';
    writeFileSync(
      file,
      `apiVersion: v1
kind: Config
clusters:
- name: fake
  cluster:
    server: ${this.url}
    insecure-skip-tls-verify: true
users:
- name: fake
  user:${user}
contexts:
- name: fake
  context:
    cluster: fake
    user: fake
current-context: fake
`,
    );
    return file;
  }

  private commit(type: EventType, key: string, p: Pod, previous: Pod | undefined): Pod {
    this.rv++;
    // Deletion advances the resourceVersion too: the DELETED event carries it.
    p.metadata!.resourceVersion = String(this.rv);
    if (type === 'DELETED') this.pods.delete(key);
    else this.pods.set(key, p);
    const change: Change = { rv: this.rv, type, object: p, previous };
    this.history.push(change);
    if (this.hanging) return clone(p);
    for (const w of this.watchers) {
      const ev = project(change, w.match);
      if (ev) write(w.res, ev.type, ev.object);
    }
    return clone(p);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    const query = Object.fromEntries(url.searchParams);
    const watch = query.watch === 'true' || query.watch === '1';
    this.requests.push({ method: req.method ?? '', path: url.pathname, query, authorization: req.headers.authorization, watch });
    // Never answered; the socket is cut when the partition heals or the server stops.
    if (this.hanging) return;
    if (this.opts.token && req.headers.authorization !== `Bearer ${this.opts.token}`) {
      return sendStatus(res, 401, 'Unauthorized', 'Unauthorized');
    }
    if (req.method !== 'GET') return sendStatus(res, 405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
    const m = /^\/api\/v1\/(?:namespaces\/([^/]+)\/)?pods$/.exec(url.pathname);
    if (!m) return sendStatus(res, 404, 'NotFound', 'the server could not find the requested resource');
    const namespace = m[1] === undefined ? undefined : decodeURIComponent(m[1]);
    let selected: (p: Pod) => boolean;
    try {
      selected = parseFieldSelector(query.fieldSelector ?? '');
    } catch (err) {
      return sendStatus(res, 400, 'BadRequest', (err as Error).message);
    }
    const match = (p: Pod): boolean => (namespace === undefined || p.metadata?.namespace === namespace) && selected(p);
    if (watch) this.serveWatch(res, query, match);
    else this.serveList(res, query, match);
  }

  private serveList(res: http.ServerResponse, query: Record<string, string>, match: (p: Pod) => boolean): void {
    const rvParam = query.resourceVersion ?? '';
    let items = [...this.pods.values()];
    let rv = this.rv;
    if (rvParam !== '' && rvParam !== '0') {
      const want = Number(rvParam);
      if (!Number.isInteger(want) || want < 0) return sendStatus(res, 400, 'BadRequest', `resourceVersion: Invalid value: "${rvParam}"`);
      if (want > this.rv) return sendStatus(res, 504, 'Timeout', `Too large resource version: ${want}, current: ${this.rv}`);
      if (query.resourceVersionMatch === 'Exact') {
        if (want < this.oldestRv) return sendStatus(res, 410, 'Expired', `too old resource version: ${want} (${this.oldestRv})`);
        items = this.stateAt(want);
        rv = want;
      }
      // NotOlderThan (and unset, for a list): the current state is new enough.
    }
    const body = {
      kind: 'PodList',
      apiVersion: 'v1',
      metadata: { resourceVersion: String(rv) },
      // List items carry no kind or apiVersion, as the real server sends them.
      items: items.filter(match).map(({ kind: _k, apiVersion: _a, ...rest }) => rest),
    };
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  /** The pods as they were at resourceVersion `rv`, undoing the history after it. */
  private stateAt(rv: number): Pod[] {
    const state = new Map(this.pods);
    for (let i = this.history.length - 1; i >= 0 && this.history[i].rv > rv; i--) {
      const c = this.history[i];
      const key = podKey(c.object);
      if (c.previous) state.set(key, c.previous);
      else state.delete(key);
    }
    return [...state.values()];
  }

  private serveWatch(res: http.ServerResponse, query: Record<string, string>, match: (p: Pod) => boolean): void {
    const rvParam = query.resourceVersion ?? '';
    let backlog: Array<{ type: EventType; object: Pod }>;
    if (rvParam === '' || rvParam === '0') {
      // "Start at most recent": the current objects as synthetic ADDED events first.
      backlog = [...this.pods.values()].filter(match).map((object) => ({ type: 'ADDED' as const, object }));
    } else {
      const from = Number(rvParam);
      if (!Number.isInteger(from) || from < 0) return sendStatus(res, 400, 'BadRequest', `resourceVersion: Invalid value: "${rvParam}"`);
      if (from < this.oldestRv) {
        const msg = `too old resource version: ${from} (${this.oldestRv})`;
        if (this.opts.expiredWatch === 'http') return sendStatus(res, 410, 'Expired', msg);
        res.writeHead(200, { 'Content-Type': 'application/json' });
        write(res, 'ERROR', statusObject(410, 'Expired', msg));
        res.end();
        return;
      }
      if (from > this.rv) {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        write(res, 'ERROR', statusObject(504, 'Timeout', `Too large resource version: ${from}, current: ${this.rv}`));
        res.end();
        return;
      }
      backlog = [];
      for (const c of this.history) {
        if (c.rv <= from) continue;
        const ev = project(c, match);
        if (ev) backlog.push(ev);
      }
    }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.flushHeaders();
    for (const ev of backlog) write(res, ev.type, ev.object);
    const w: Watcher = { res, match, timers: [] };
    this.watchers.add(w);
    const bookmarks = query.allowWatchBookmarks === 'true';
    const bookmark = (): void => {
      if (!this.hanging) write(res, 'BOOKMARK', { kind: 'Pod', apiVersion: 'v1', metadata: { resourceVersion: String(this.rv) } });
    };
    if (bookmarks) w.timers.push(setInterval(bookmark, this.opts.bookmarkIntervalMs));
    const timeout = Number(query.timeoutSeconds ?? 0);
    if (timeout > 0) {
      w.timers.push(
        setTimeout(() => {
          if (this.hanging) return;
          // The watch cache sends a last bookmark as a watch times out, so the client resumes from it.
          if (bookmarks) bookmark();
          this.closeWatch(w, false);
        }, timeout * 1000),
      );
    }
    res.on('close', () => this.closeWatch(w, false));
  }

  private closeWatch(w: Watcher, abrupt: boolean): void {
    if (!this.watchers.delete(w)) return;
    for (const t of w.timers) clearTimeout(t);
    if (abrupt) w.res.destroy();
    else w.res.end();
  }

  private endWatches(abrupt: boolean): void {
    for (const w of [...this.watchers]) this.closeWatch(w, abrupt);
  }
}

function project(c: Change, match: (p: Pod) => boolean): { type: EventType; object: Pod } | undefined {
  const now = c.type !== 'DELETED' && match(c.object);
  const before = c.previous !== undefined && match(c.previous);
  if (c.type === 'DELETED') return before ? { type: 'DELETED', object: c.object } : undefined;
  if (now && before) return { type: 'MODIFIED', object: c.object };
  if (now) return { type: 'ADDED', object: c.object };
  // It left the selection (say, its nodeName changed): for this watch it is gone.
  if (before) return { type: 'DELETED', object: c.object };
  return undefined;
}

const FIELDS: Record<string, (p: Pod) => string> = {
  'metadata.name': (p) => p.metadata?.name ?? '',
  'metadata.namespace': (p) => p.metadata?.namespace ?? '',
  'spec.nodeName': (p) => p.spec?.nodeName ?? '',
  'spec.serviceAccountName': (p) => p.spec?.serviceAccountName ?? '',
  'status.phase': (p) => p.status?.phase ?? '',
};

/** `a=b,c!=d`: the subset of field selectors the pod resource supports that tests need. */
export function parseFieldSelector(s: string): (p: Pod) => boolean {
  const terms = s
    .split(',')
    .filter(Boolean)
    .map((t) => {
      const m = /^([^!=]+)(==|=|!=)(.*)$/.exec(t);
      if (!m) throw new Error(`invalid selector: '${s}'; can't understand '${t}'`);
      const get = FIELDS[m[1]];
      if (!get) throw new Error(`field label not supported: ${m[1]}`);
      const value = m[3];
      return m[2] === '!=' ? (p: Pod) => get(p) !== value : (p: Pod) => get(p) === value;
    });
  return (p) => terms.every((t) => t(p));
}

function statusObject(code: number, reason: string, message: string): object {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

function sendStatus(res: http.ServerResponse, code: number, reason: string, message: string): void {
  res.writeHead(code, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(statusObject(code, reason, message)));
}

function write(res: http.ServerResponse, type: string, object: unknown): void {
  if (!res.writableEnded && !res.destroyed) res.write(JSON.stringify({ type, object }) + '\n');
}

function podKey(p: Pod): string {
  return `${p.metadata?.namespace ?? ''}/${p.metadata?.name ?? ''}`;
}

function clone<T>(x: T): T {
  return JSON.parse(JSON.stringify(x)) as T;
}
