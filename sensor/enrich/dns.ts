// Pairs DNS responses with their queries. A query is reported as it leaves;
// its response, when it arrives, with the latency; a query that gets no
// response within the timeout, as unanswered with the nameserver it went to.
// The pending table is bounded: when full, the oldest query is reported
// unanswered early and counted.
import { parseDns } from '../decode/dns';
import type { DnsEvent, DnsPacket, EventHeader } from '../decode/types';

export interface DnsTrackerOptions {
  /** A query with no response after this long is unanswered. */
  timeoutMs: number;
  /** Most queries waiting for an answer at once. */
  maxPending: number;
}

export const DEFAULT_DNS_OPTIONS: DnsTrackerOptions = { timeoutMs: 5000, maxPending: 65536 };

interface Pending {
  query: DnsEvent;
}

export interface DnsTrackerStats {
  queries: number;
  responses: number;
  unanswered: number;
  unmatched: number;
  malformed: number;
  evicted: number;
  pending: number;
}

function key(netns: number, client: string, cport: number, server: string, sport: number, id: number): string {
  return `${netns}|${client}|${cport}|${server}|${sport}|${id}`;
}

const NO_PROCESS: Omit<EventHeader, 'ktime'> = {
  startTime: 0, cgroupId: 0, pid: 0, tid: 0, ppid: 0, vpid: 0, uid: 0, gid: 0, auid: 4294967295,
  mntns: 0, pidns: 0, netns: 0, comm: '',
};

export class DnsTracker {
  // Map keeps insertion order: the first entry is the oldest query.
  private readonly pending = new Map<string, Pending>();
  readonly stats: DnsTrackerStats = { queries: 0, responses: 0, unanswered: 0, unmatched: 0, malformed: 0, evicted: 0, pending: 0 };

  constructor(private readonly emit: (ev: DnsEvent) => void, private readonly opts: DnsTrackerOptions = DEFAULT_DNS_OPTIONS) {}

  packet(p: DnsPacket): void {
    const msg = parseDns(p.payload, 0, p.payload.length);
    if (!msg) {
      this.stats.malformed++;
      return;
    }
    if (p.dir === 'query') {
      if (msg.response) return;
      const { type: _t, dir: _d, devNetns, ifindex: _i, family: _f, saddr, sport, daddr, dport, dnsLen: _l, payload: _p, ...hdr } = p;
      const ev: DnsEvent = {
        ...hdr,
        type: 'dns',
        qr: 'query',
        id: msg.id,
        name: msg.name,
        qtype: msg.qtype,
        rcode: null,
        answers: 0,
        latencyMs: null,
        nameserver: daddr,
        nameserverPort: dport,
        client: saddr,
        clientPort: sport,
        netns: devNetns,
        unmatched: false,
      };
      this.stats.queries++;
      const k = key(devNetns, saddr, sport, daddr, dport, msg.id);
      this.pending.delete(k); // a retransmission restarts the clock
      this.pending.set(k, { query: ev });
      if (this.pending.size > this.opts.maxPending) {
        const [oldest] = this.pending.keys();
        const old = this.pending.get(oldest)!;
        this.pending.delete(oldest);
        this.stats.evicted++;
        this.unanswered(old, p.ktime);
      }
      this.stats.pending = this.pending.size;
      this.emit(ev);
      return;
    }
    if (!msg.response) return;
    const k = key(p.devNetns, p.daddr, p.dport, p.saddr, p.sport, msg.id);
    const q = this.pending.get(k);
    this.pending.delete(k);
    this.stats.pending = this.pending.size;
    this.stats.responses++;
    if (!q) this.stats.unmatched++;
    const base = q ? q.query : { ...NO_PROCESS, ktime: p.ktime, type: 'dns' as const };
    this.emit({
      ...(base as DnsEvent),
      ktime: p.ktime,
      type: 'dns',
      qr: 'response',
      id: msg.id,
      name: msg.name,
      qtype: msg.qtype,
      rcode: msg.rcode,
      answers: msg.ancount,
      latencyMs: q ? (p.ktime - q.query.ktime) / 1e6 : null,
      nameserver: p.saddr,
      nameserverPort: p.sport,
      client: p.daddr,
      clientPort: p.dport,
      netns: p.devNetns,
      unmatched: !q,
    });
  }

  private unanswered(p: Pending, nowKtime: number): void {
    this.stats.unanswered++;
    this.emit({ ...p.query, ktime: nowKtime, qr: 'unanswered', latencyMs: (nowKtime - p.query.ktime) / 1e6 });
  }

  /** Report queries older than the timeout; `nowKtime` in boot-time ns. */
  sweep(nowKtime: number): void {
    const limit = nowKtime - this.opts.timeoutMs * 1e6;
    for (const [k, p] of this.pending) {
      if (p.query.ktime > limit) break; // the rest are younger
      this.pending.delete(k);
      this.unanswered(p, nowKtime);
    }
    this.stats.pending = this.pending.size;
  }
}
