// Two network namespaces joined by a veth pair, made and removed by a test.
// Addresses live only inside these namespaces; nothing leaves the machine.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export interface NetnsPair {
  client: string;
  server: string;
  clientAddr: string;
  serverAddr: string;
  /** A second server-side address where nothing listens. */
  silentAddr: string;
}

function ip(...args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr || r.error}`);
}

export function netnsUnavailable(): string | null {
  const r = spawnSync('ip', ['netns', 'list']);
  return r.status === 0 ? null : 'iproute2 (ip netns) is not available';
}

export function makeNetnsPair(): NetnsPair {
  const tag = randomBytes(3).toString('hex');
  const octet = 1 + (parseInt(tag.slice(0, 2), 16) % 250);
  const pair: NetnsPair = {
    client: `kt-c-${tag}`,
    server: `kt-s-${tag}`,
    clientAddr: `10.253.${octet}.1`,
    serverAddr: `10.253.${octet}.2`,
    silentAddr: `10.253.${octet}.3`,
  };
  ip('netns', 'add', pair.client);
  ip('netns', 'add', pair.server);
  try {
    ip('link', 'add', `vc${tag}`, 'type', 'veth', 'peer', 'name', `vs${tag}`);
    ip('link', 'set', `vc${tag}`, 'netns', pair.client);
    ip('link', 'set', `vs${tag}`, 'netns', pair.server);
    ip('-n', pair.client, 'addr', 'add', `${pair.clientAddr}/24`, 'dev', `vc${tag}`);
    ip('-n', pair.server, 'addr', 'add', `${pair.serverAddr}/24`, 'dev', `vs${tag}`);
    ip('-n', pair.server, 'addr', 'add', `${pair.silentAddr}/24`, 'dev', `vs${tag}`);
    for (const [ns, dev] of [[pair.client, `vc${tag}`], [pair.server, `vs${tag}`]]) {
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      ip('-n', ns, 'link', 'set', dev, 'up');
    }
  } catch (err) {
    removeNetnsPair(pair);
    throw err;
  }
  return pair;
}

export function removeNetnsPair(p: NetnsPair): void {
  spawnSync('ip', ['netns', 'del', p.client]);
  spawnSync('ip', ['netns', 'del', p.server]);
}
