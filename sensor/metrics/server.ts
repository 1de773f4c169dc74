// The sensor's HTTP endpoint: /metrics (Prometheus text), /healthz and
// /readyz (JSON with each check; 200 or 503). It listens on loopback unless
// told otherwise (--metrics-addr): in a pod, the chart opens it to the
// kubelet and the scraper, and a NetworkPolicy limits who may connect.
import * as http from 'node:http';
import type { Verdict } from '../run/health';

export interface MetricsServerOptions {
  host: string;
  port: number;
  scrape(req: http.IncomingMessage, res: http.ServerResponse): void;
  live(): Verdict;
  ready(): Verdict;
}

export interface MetricsServer {
  /** The bound address (port 0 picks a free one). */
  address: { host: string; port: number };
  close(): Promise<void>;
}

function verdict(res: http.ServerResponse, v: Verdict, head: boolean): void {
  const body = JSON.stringify({ status: v.ok ? 'ok' : 'fail', checks: v.checks }) + '\n';
  res.writeHead(v.ok ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(head ? undefined : body);
}

/** Resolves once listening; rejects with a clear message when the address cannot be bound. */
export function startMetricsServer(o: MetricsServerOptions): Promise<MetricsServer> {
  const server = http.createServer((req, res) => {
    try {
      const url = (req.url ?? '/').split('?')[0];
      const head = req.method === 'HEAD';
      if (req.method !== 'GET' && !head) {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
      } else if (url === '/metrics') {
        o.scrape(req, res);
      } else if (url === '/healthz' || url === '/livez') {
        verdict(res, o.live(), head);
      } else if (url === '/readyz') {
        verdict(res, o.ready(), head);
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics, /healthz or /readyz\n');
      }
    } catch {
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    }
  });
  server.keepAliveTimeout = 5000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 10_000;
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(new Error(`cannot serve metrics on ${o.host}:${o.port} (${err.code ?? err.message}); choose another --metrics-addr, or --metrics-addr off`));
    });
    server.listen(o.port, o.host, () => {
      const a = server.address();
      const port = typeof a === 'object' && a ? a.port : o.port;
      resolve({
        address: { host: o.host, port },
        close: () =>
          new Promise<void>((r) => {
            server.close(() => r());
            server.closeAllConnections();
          }),
      });
    });
  });
}
