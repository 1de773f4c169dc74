// Makes the scenarios' network (net-plan.ts): the pods' namespace, the remote
// one, the veth pair between them, and the peer serving the remote end.
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { NET, REMOTE_ADDRS } from './net-plan';

export interface PeerRecord {
  port?: number;
  to?: string;
  from?: string;
  request?: string;
  shell?: string;
  dns?: string;
  qtype?: number;
}

export interface Network {
  /** The pods' namespace, as `ip netns` names it (/run/netns/NAME). */
  podNs: string;
  remoteNs: string;
  /** What the remote end saw so far. */
  records(): PeerRecord[];
  stop(): void;
}

function ip(...args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr || r.error}`);
}

export function networkUnavailable(): string | null {
  return spawnSync('ip', ['netns', 'list']).status === 0 ? null : 'iproute2 (ip netns) is not available';
}

/** payload: the file the web server hands out as /payload. */
export async function startNetwork(payload: string): Promise<Network> {
  const tag = randomBytes(3).toString('hex');
  const podNs = `kt-pods-${tag}`;
  const remoteNs = `kt-remote-${tag}`;
  let peer: ChildProcess | undefined;
  const stop = (): void => {
    process.removeListener('exit', stop);
    if (peer && peer.exitCode === null) peer.kill('SIGKILL');
    spawnSync('ip', ['netns', 'del', podNs]);
    spawnSync('ip', ['netns', 'del', remoteNs]);
  };
  // Removed also when the process exits before its owner stops it.
  process.once('exit', stop);
  try {
    ip('netns', 'add', podNs);
    ip('netns', 'add', remoteNs);
    ip('link', 'add', `kp${tag}`, 'type', 'veth', 'peer', 'name', `kr${tag}`);
    ip('link', 'set', `kp${tag}`, 'netns', podNs);
    ip('link', 'set', `kr${tag}`, 'netns', remoteNs);
    ip('-n', podNs, 'addr', 'add', `${NET.podAddr}/24`, 'dev', `kp${tag}`);
    ip('-n', remoteNs, 'addr', 'add', `${NET.gateway}/24`, 'dev', `kr${tag}`);
    for (const [ns, dev] of [[podNs, `kp${tag}`], [remoteNs, `kr${tag}`]]) {
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      ip('-n', ns, 'link', 'set', dev, 'up');
    }
    ip('-n', podNs, 'route', 'add', 'default', 'via', NET.gateway);
    for (const a of REMOTE_ADDRS) ip('-n', remoteNs, 'addr', 'add', `${a}/32`, 'dev', 'lo');
    const script = path.join(__dirname, 'peer.js');
    peer = spawn('ip', ['netns', 'exec', remoteNs, process.execPath, script, payload], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    peer.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    peer.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the network peer did not start: ${err}`)), 15000);
      const check = (): void => {
        if (out.includes('"ready":true')) {
          clearTimeout(timer);
          resolve();
        }
      };
      peer!.stdout!.on('data', check);
      peer!.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the network peer exited (${code}): ${err}`));
      });
    });
    const records = (): PeerRecord[] =>
      out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as PeerRecord);
    return { podNs, remoteNs, records, stop };
  } catch (e) {
    stop();
    throw e;
  }
}
