// The far end of every attack, run inside the scenarios' remote network
// namespace (`ip netns exec NS node peer.js PAYLOAD`): a cluster DNS that
// answers every A query, a web server (payloads and scripts), a mining pool
// speaking just enough stratum, the metadata service, the API server, and a
// reverse-shell listener that sends commands and records what comes back.
// Each connection is reported on stdout as a JSON line.
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { NET, TCP_PORTS, dnsAnswer } from './net-plan';

const payloadFile = process.argv[2];

function report(o: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify(o) + '\n');
}

function http(body: string | Buffer, type = 'text/plain'): Buffer {
  const b = typeof body === 'string' ? Buffer.from(body) : body;
  return Buffer.concat([Buffer.from(`HTTP/1.0 200 OK\r\nContent-Type: ${type}\r\nContent-Length: ${b.length}\r\n\r\n`), b]);
}

function webReply(request: string): Buffer {
  const path = /^[A-Z]+ (\S+)/.exec(request)?.[1] ?? '/';
  if (path.startsWith('/payload')) return http(fs.readFileSync(payloadFile), 'application/octet-stream');
  if (path.endsWith('.sh')) return http('#!/bin/sh\necho kestrel-installer-ran\n');
  if (path.startsWith('/latest/meta-data')) return http('kestrel-node-role\n');
  if (path.startsWith('/computeMetadata')) return http('{"access_token":"kestrel-fake"}\n', 'application/json');
  return http('ok\n');
}

const POOL_PORTS = new Set([3333, 5555, 14444, 45700]);
const SHELL_PORTS = new Set([4444, 9001]);
const API_PORTS = new Set([443, 6443, 2375]);

function onConnection(port: number, sock: net.Socket): void {
  const from = `${sock.remoteAddress}:${sock.remotePort}`;
  const to = sock.localAddress;
  let got = '';
  sock.on('error', () => undefined);
  if (SHELL_PORTS.has(port)) {
    // The attacker types into the shell it caught.
    sock.write('echo kestrel-reverse-shell-$((6*7))\nexit\n');
    sock.setEncoding('utf8').on('data', (d: string) => (got += d));
    const done = (): void => {
      report({ port, to, from, shell: got });
      sock.destroy();
    };
    sock.on('end', done);
    sock.setTimeout(4000, done);
    return;
  }
  const answer = (): void => {
    let reply: Buffer;
    if (POOL_PORTS.has(port)) reply = Buffer.from('{"id":1,"jsonrpc":"2.0","error":null,"result":{"id":"kestrel","job":{"blob":"00","target":"ffff"},"status":"OK"}}\n');
    else if (API_PORTS.has(port)) reply = http('{"kind":"APIVersions","versions":["v1"],"serverAddressByClientCIDRs":[]}\n', 'application/json');
    else reply = webReply(got);
    report({ port, to, from, request: got.slice(0, 200) });
    sock.end(reply);
  };
  // Answer once the request has arrived (or the client sent nothing).
  const timer = setTimeout(answer, 300);
  sock.setEncoding('latin1').on('data', (d: string) => {
    got += d;
    if (/\r?\n\r?\n|\n$/.test(got)) {
      clearTimeout(timer);
      answer();
    }
  });
  sock.on('end', () => {
    clearTimeout(timer);
    if (!sock.destroyed && sock.writable) answer();
  });
}

function dnsServer(): Promise<void> {
  const sock = dgram.createSocket('udp4');
  sock.on('message', (msg, rinfo) => {
    if (msg.length < 17) return;
    const labels: string[] = [];
    let i = 12;
    while (i < msg.length && msg[i] !== 0) {
      labels.push(msg.toString('latin1', i + 1, i + 1 + msg[i]));
      i += 1 + msg[i];
    }
    const end = i + 5;
    const name = labels.join('.');
    const qtype = msg.readUInt16BE(i + 1);
    const head = Buffer.alloc(12);
    msg.copy(head, 0, 0, 2);
    head.writeUInt16BE(0x8180, 2);
    head.writeUInt16BE(1, 4);
    const answers: Buffer[] = [];
    if (qtype === 1) {
      const rr = Buffer.alloc(16);
      rr.writeUInt16BE(0xc00c, 0);
      rr.writeUInt16BE(1, 2);
      rr.writeUInt16BE(1, 4);
      rr.writeUInt32BE(30, 6);
      rr.writeUInt16BE(4, 10);
      Buffer.from(dnsAnswer(name).split('.').map(Number)).copy(rr, 12);
      answers.push(rr);
    }
    head.writeUInt16BE(answers.length, 6);
    report({ dns: name, qtype, from: rinfo.address });
    sock.send(Buffer.concat([head, msg.subarray(12, end), ...answers]), rinfo.port, rinfo.address);
  });
  return new Promise((resolve) => sock.bind(53, NET.dns, () => resolve()));
}

async function main(): Promise<void> {
  await dnsServer();
  await Promise.all(
    TCP_PORTS.map(
      (port) =>
        new Promise<void>((resolve, reject) => {
          const srv = net.createServer((s) => onConnection(port, s));
          srv.once('error', reject);
          srv.listen(port, '0.0.0.0', () => resolve());
        }),
    ),
  );
  report({ ready: true });
}

main().catch((err) => {
  process.stderr.write(`peer: ${(err as Error).message}\n`);
  process.exit(1);
});
