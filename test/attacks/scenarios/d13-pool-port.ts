// D13: outbound TCP from a container to a mining pool port. The pool on the
// network's remote end answers the stratum login.
import { NET } from '../lib/net-plan';
import type { Scenario } from '../lib/types';

const RULE = 'Outbound connection to mining pool port from container';

export const d13: Scenario = {
  row: 'D13',
  title: 'An outbound TCP connection from a container to a well-known mining pool port',
  rules: [RULE],
  mitre: 'T1496',
  category: 'cryptomining',
  cases: [
    {
      kind: 'attack',
      name: 'the miner logs in to its pool on port 3333',
      script: `xmrig -o ${NET.pool}:3333 -u x`,
      expect: [{ rule: RULE, proc: 'xmrig', fields: { 'fd.dip': NET.pool, 'fd.dport': 3333 } }],
    },
    {
      kind: 'variant',
      name: 'netcat to port 14444',
      evasion: ['another tool', 'another port'],
      script: `echo '{"id":1,"method":"login"}' | nc -w 2 ${NET.pool} 14444 > /dev/null`,
      expect: [{ rule: RULE, proc: 'nc', fields: { 'fd.dport': 14444 } }],
    },
    {
      kind: 'variant',
      name: 'an IPv4-mapped IPv6 address, port 45700, from a renamed binary',
      evasion: ['encoding', 'renamed binary', 'another port'],
      script: `cp /usr/local/bin/attackops /tmp/updater && /tmp/updater connect ::ffff:${NET.pool} 45700 '{"id":1}'`,
      expect: [{ rule: RULE, proc: 'updater', fields: { 'fd.dport': 45700, 'fd.dip': `::ffff:${NET.pool}` } }],
    },
    {
      kind: 'benign',
      name: 'a pod fetches web pages over ports 80 and 443',
      script: `wget -q -O /dev/null http://${NET.web}/ ; nc -w 2 ${NET.web} 443 < /dev/null > /dev/null`,
      marker: 'connect2',
    },
  ],
};
