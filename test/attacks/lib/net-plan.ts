// The scenarios' network: every pod joins one network namespace whose default
// route leads, over a veth pair, to a "remote" namespace holding every
// address an attack reaches (pool, C2, metadata, API server, cluster DNS).
// Both namespaces are private to the suite, so these fixed addresses never
// meet the host's.
export const NET = {
  podAddr: '10.244.1.10',
  gateway: '10.244.1.1',
  /** Cluster DNS (kube-dns): answers every name, see peer.ts. */
  dns: '10.96.0.10',
  /** The `kubernetes` service's ClusterIP, given to the sensor with --k8s-api-ip. */
  apiServer: '10.96.0.1',
  /** A mining pool (stratum on 3333, 5555, 14444, 45700). */
  pool: '192.0.2.1',
  /** An ordinary web server (payloads, scripts, data). */
  web: '192.0.2.2',
  /** The attacker's listener for reverse shells (4444, 9001). */
  c2: '192.0.2.3',
  metadata: '169.254.169.254',
} as const;

/** Addresses the remote namespace owns (on its loopback). */
export const REMOTE_ADDRS = [NET.dns, NET.apiServer, NET.pool, NET.web, NET.c2, NET.metadata];

export const TCP_PORTS = [80, 443, 2375, 3333, 4444, 5555, 6443, 8080, 9001, 14444, 45700];

/** Names the cluster DNS answers specially; the rest resolve to NET.web. */
export const DNS_NAMES: Record<string, string> = {
  'kubernetes.default.svc.cluster.local': NET.apiServer,
  'kubernetes.default.svc': NET.apiServer,
  'kubernetes.default': NET.apiServer,
  'metadata.google.internal': NET.metadata,
};

/** Pool domains resolve to the pool. */
export function dnsAnswer(name: string): string {
  const n = name.toLowerCase().replace(/\.$/, '');
  if (DNS_NAMES[n]) return DNS_NAMES[n];
  if (/(^|\.)(supportxmr\.com|moneroocean\.stream|nanopool\.org|2miners\.com|minexmr\.com)$/.test(n)) return NET.pool;
  return NET.web;
}
