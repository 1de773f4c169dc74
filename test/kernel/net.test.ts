// `sensor trace connect accept -o json` on the real kernel: both ends of a
// loopback connection, refused connects, unix sockets.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Fields, helper, lossNote, ofPid, requireBpf, Ran, run, startTrace, TraceResult } from '../support';

/** "pid k=v k=v" as printed by test/helpers/netops. */
function kv(r: Ran): Record<string, number> {
  const [, ...pairs] = r.stdout.trim().split(' ');
  return Object.fromEntries(pairs.map((p) => p.split('=')).map(([k, v]) => [k, Number(v)]));
}

describe('kernel: trace connect and accept', function () {
  let trace: TraceResult;
  const ran: Record<string, Ran> = {};
  const sockPath = path.join(os.tmpdir(), `kt-${process.pid}.sock`);

  before(async function () {
    requireBpf(this);
    const t = await startTrace(['connect', 'accept', '-o', 'json']);
    const netops = helper('netops');
    ran.tcp4 = await run(netops, ['tcp4']);
    ran.tcp6 = await run(netops, ['tcp6']);
    ran.refused = await run(netops, ['refused4']);
    ran.unix = await run(netops, ['unix', sockPath]);
    ran.udp = await run(netops, ['udp4', '5353']);
    trace = await t.stop();
  });

  after(function () {
    fs.rmSync(sockPath, { force: true });
  });

  function one(r: Ran, type: string): Fields {
    const ev = ofPid(trace.events, r.pid, type);
    assert.equal(ev.length, 1, `one ${type} by pid ${r.pid}: ${JSON.stringify(ev)}${lossNote(trace)}`);
    return ev[0];
  }

  for (const [name, loop] of [['tcp4', '127.0.0.1'], ['tcp6', '::1']] as const) {
    it(`shows the same ${name} 4-tuple on both sides`, function () {
      const k = kv(ran[name]);
      const c = one(ran[name], 'connect');
      const a = one(ran[name], 'accept');
      for (const e of [c, a]) {
        assert.equal(e['fd.l4proto'], 'tcp');
        assert.equal(e['fd.sip'], loop);
        assert.equal(e['fd.sport'], k.client_port);
        assert.equal(e['fd.dip'], loop);
        assert.equal(e['fd.dport'], k.server_port);
        assert.equal(e['evt.res'], 'SUCCESS');
      }
      const ep = (p: number): string => (loop === '::1' ? `[::1]:${p}` : `127.0.0.1:${p}`);
      assert.equal(c['fd.name'], `${ep(k.client_port)}->${ep(k.server_port)}`);
      assert.equal(c['fd.num'], k.connect_fd);
      assert.equal(a['fd.num'], k.accept_fd);
      assert.equal(a['evt.arg.listen_fd'], k.listen_fd);
      // Local and remote are each side's own view.
      assert.equal(c['fd.lport'], k.client_port);
      assert.equal(a['fd.lport'], k.server_port);
      assert.equal(c['fd.sockfamily'], name === 'tcp4' ? 'AF_INET' : 'AF_INET6');
    });
  }

  it('shows ECONNREFUSED for a refused connect', function () {
    const k = kv(ran.refused);
    assert.equal(k.errno, 111);
    const c = one(ran.refused, 'connect');
    assert.equal(c['evt.res'], 'ECONNREFUSED');
    assert.equal(c['evt.rawres'], -111);
    assert.equal(c['fd.dip'], '127.0.0.1');
    assert.equal(c['fd.dport'], k.port);
  });

  it('shows the socket path of a unix connect and accept4', function () {
    const c = one(ran.unix, 'connect');
    assert.equal(c['fd.l4proto'], 'unix');
    assert.equal(c['fd.name'], sockPath);
    assert.equal(c['evt.res'], 'SUCCESS');
    const a = one(ran.unix, 'accept');
    assert.equal(a['fd.sockfamily'], 'AF_UNIX');
    assert.equal(a['fd.num'], kv(ran.unix).accept_fd);
  });

  it('shows a connected UDP socket as udp', function () {
    const k = kv(ran.udp);
    const c = one(ran.udp, 'connect');
    assert.equal(c['fd.l4proto'], 'udp');
    assert.equal(c['fd.dport'], 5353);
    assert.equal(c['fd.sport'], k.client_port);
  });
});
