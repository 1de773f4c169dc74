// A DNS responder and client for the DNS gadget tests, run as separate
// processes inside the test's network namespaces:
//   node dnspeer.js serve ADDR PORT          answers: nx.* -> NXDOMAIN,
//                                            drop.* -> silence, else 2 A records
//   node dnspeer.js query SERVER NAME TYPE   one query, waits up to 1.5 s
import * as dgram from 'node:dgram';

function encodeName(name: string): Buffer {
  const parts = name.split('.').filter(Boolean).map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)]));
  return Buffer.concat([...parts, Buffer.from([0])]);
}

function question(buf: Buffer): { name: string; end: number } {
  const labels: string[] = [];
  let i = 12;
  while (buf[i] !== 0) {
    labels.push(buf.toString('latin1', i + 1, i + 1 + buf[i]));
    i += 1 + buf[i];
  }
  return { name: labels.join('.'), end: i + 5 };
}

function serve(addr: string, port: number): void {
  const sock = dgram.createSocket('udp4');
  sock.on('message', (msg, rinfo) => {
    if (msg.length < 12) return;
    const { name, end } = question(msg);
    if (name.startsWith('drop.')) return;
    const nx = name.startsWith('nx.');
    const head = Buffer.alloc(12);
    msg.copy(head, 0, 0, 2); // id
    head.writeUInt16BE(0x8180 | (nx ? 3 : 0), 2); // QR, RD, RA, rcode
    head.writeUInt16BE(1, 4);
    head.writeUInt16BE(nx ? 0 : 2, 6);
    const answers = nx
      ? []
      : [1, 2].map((n) => {
          const rr = Buffer.alloc(16);
          rr.writeUInt16BE(0xc00c, 0); // pointer to the question name
          rr.writeUInt16BE(1, 2); // A
          rr.writeUInt16BE(1, 4); // IN
          rr.writeUInt32BE(60, 6);
          rr.writeUInt16BE(4, 10);
          Buffer.from([192, 0, 2, n]).copy(rr, 12);
          return rr;
        });
    sock.send(Buffer.concat([head, msg.subarray(12, end), ...answers]), rinfo.port, rinfo.address);
  });
  sock.bind(port, addr, () => process.stdout.write('ready\n'));
}

function query(server: string, name: string, type: number): void {
  const sock = dgram.createSocket('udp4');
  const id = Math.floor(Math.random() * 65535);
  const head = Buffer.alloc(12);
  head.writeUInt16BE(id, 0);
  head.writeUInt16BE(0x0100, 2); // RD
  head.writeUInt16BE(1, 4);
  const q = Buffer.concat([head, encodeName(name), Buffer.from([type >> 8, type & 0xff, 0, 1])]);
  const timer = setTimeout(() => {
    process.stdout.write(`${process.pid} id=${id} timeout\n`);
    sock.close();
  }, 1500);
  sock.on('message', (msg) => {
    clearTimeout(timer);
    process.stdout.write(`${process.pid} id=${id} rcode=${msg[3] & 0xf} answers=${msg.readUInt16BE(6)}\n`);
    sock.close();
  });
  sock.send(q, 53, server);
}

const [mode, a, b, c] = process.argv.slice(2);
if (mode === 'serve') serve(a, Number(b));
else if (mode === 'query') query(a, b, Number(c ?? 1));
else {
  process.stderr.write('usage: dnspeer serve ADDR PORT | query SERVER NAME [TYPE]\n');
  process.exit(2);
}
