// DNS in a client network namespace, to a responder in another, over a veth
// pair the test makes: queries, answers, NXDOMAIN, latency, and queries that
// never get an answer.
import { strict as assert } from 'node:assert';
import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { makeNetnsPair, NetnsPair, netnsUnavailable, removeNetnsPair } from '../netns';
import { Fields, lossNote, requireBpf, startTrace, TraceResult } from '../support';

const PEER = path.join(__dirname, '..', 'dnspeer.js');

function inNetns(ns: string, args: string[]): ChildProcess {
  return spawn('ip', ['netns', 'exec', ns, process.execPath, PEER, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
}

function query(ns: string, server: string, name: string, type = 1): Promise<{ pid: number; id: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = inNetns(ns, ['query', server, name, String(type)]);
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('error', reject);
    child.on('exit', () => {
      const [pid, id] = out.trim().split(' ');
      resolve({ pid: Number(pid), id: Number(id.slice(3)), out });
    });
  });
}

describe('kernel: trace dns across network namespaces', function () {
  let pair: NetnsPair;
  let responder: ChildProcess;
  let trace: TraceResult;
  const q: Record<string, { pid: number; id: number; out: string }> = {};

  before(async function () {
    requireBpf(this);
    const why = netnsUnavailable();
    if (why) {
      if (process.env.CI) throw new Error(why);
      process.stderr.write(`\n!!! SKIPPING dns tests: ${why}\n\n`);
      this.skip();
    }
    pair = makeNetnsPair();
    responder = inNetns(pair.server, ['serve', pair.serverAddr, '53']);
    await new Promise<void>((resolve, reject) => {
      responder.stdout!.once('data', () => resolve());
      responder.once('exit', (c) => reject(new Error(`responder exited ${c}`)));
    });
    const t = await startTrace(['dns', '-o', 'json', '--dns-timeout', '700']);
    q.ok = await query(pair.client, pair.serverAddr, 'www.Kestrel.test');
    q.aaaa = await query(pair.client, pair.serverAddr, 'six.kestrel.test', 28);
    q.nx = await query(pair.client, pair.serverAddr, 'nx.kestrel.test');
    q.drop = await query(pair.client, pair.serverAddr, 'drop.kestrel.test');
    q.silent = await query(pair.client, pair.silentAddr, 'nobody.kestrel.test');
    trace = await t.stop(900);
  });

  after(function () {
    responder?.kill();
    if (pair) removeNetnsPair(pair);
  });

  function of(x: { pid: number; id: number }, qr: string): Fields {
    const ev = trace.events.filter((e) => e['dns.id'] === x.id && e['dns.qr'] === qr && e['fd.dip'] !== undefined);
    assert.equal(ev.length, 1, `one ${qr} for id ${x.id}: ${JSON.stringify(ev)}${lossNote(trace)}`);
    return ev[0];
  }

  it('shows the query with its process, name, type and nameserver', function () {
    const e = of(q.ok, 'query');
    assert.equal(e['proc.pid'], q.ok.pid);
    assert.equal(e['proc.name'], 'node');
    assert.equal(e['dns.name'], 'www.kestrel.test', 'lowercased');
    assert.equal(e['dns.qtype'], 'A');
    assert.equal(e['dns.nameserver'], pair.serverAddr);
    assert.equal(e['dns.nameserver_port'], 53);
    assert.equal(e['fd.sip'], pair.clientAddr);
    assert.notEqual(e['proc.netns'], undefined);
    assert.equal(e['dns.netns'], e['proc.netns'], 'the query left from the client namespace');
  });

  it('pairs the response: NOERROR, answers and latency, with the querying process', function () {
    assert.match(q.ok.out, /rcode=0 answers=2/);
    const r = of(q.ok, 'response');
    assert.equal(r['dns.rcode'], 'NOERROR');
    assert.equal(r['dns.answers'], 2);
    assert.equal(r['dns.name'], 'www.kestrel.test');
    assert.equal(r['dns.nameserver'], pair.serverAddr);
    assert.equal(r['proc.pid'], q.ok.pid);
    assert.equal(r['dns.unmatched'], false);
    const ms = r['dns.latency_ms'] as number;
    assert.ok(ms > 0 && ms < 1500, `latency ${ms} ms`);
    assert.equal(of(q.aaaa, 'response')['dns.qtype'], 'AAAA');
  });

  it('shows NXDOMAIN as such', function () {
    const r = of(q.nx, 'response');
    assert.equal(r['dns.rcode'], 'NXDOMAIN');
    assert.equal(r['dns.answers'], 0);
  });

  it('reports queries that never get an answer, with the nameserver', function () {
    for (const [x, server] of [[q.drop, pair.serverAddr], [q.silent, pair.silentAddr]] as const) {
      assert.match(x.out, /timeout/);
      const u = of(x, 'unanswered');
      assert.equal(u['dns.nameserver'], server);
      assert.equal(u['dns.rcode'], null);
      assert.ok((u['dns.latency_ms'] as number) >= 700, 'after the timeout');
      assert.equal(trace.events.filter((e) => e['dns.id'] === x.id && e['dns.qr'] === 'response').length, 0);
    }
  });
});
