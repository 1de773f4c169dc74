// D14: DNS lookups of mining pool domains, answered by the cluster DNS on
// the network's remote end (pools resolve to the pool there).
import type { Scenario } from '../lib/types';

const RULE = 'DNS lookup of mining pool domain';

export const d14: Scenario = {
  row: 'D14',
  title: 'A DNS query for a known mining pool domain',
  rules: [RULE],
  mitre: 'T1496',
  category: 'cryptomining',
  cases: [
    {
      kind: 'attack',
      name: 'the miner resolves pool.supportxmr.com (libc) and logs in',
      script: 'xmrig -o stratum+tcp://pool.supportxmr.com:3333 -u x',
      expect: [{ rule: RULE, proc: 'xmrig', fields: { 'dns.name': 'pool.supportxmr.com' } }],
    },
    {
      kind: 'variant',
      name: 'nslookup of GULF.MoneroOcean.Stream. in mixed case with the trailing dot',
      evasion: ['case', 'another tool'],
      script: 'nslookup GULF.MoneroOcean.Stream. > /dev/null',
      expect: [{ rule: RULE, proc: 'nslookup', fields: { 'dns.name': /^gulf\.moneroocean\.stream\.?$/ } }],
    },
    {
      kind: 'variant',
      name: 'the bare domain nanopool.org, asked for AAAA',
      evasion: ['another path'],
      script: 'nslookup -type=AAAA nanopool.org > /dev/null',
      expect: [{ rule: RULE, proc: 'nslookup', fields: { 'dns.name': 'nanopool.org' } }],
    },
    {
      kind: 'benign',
      name: 'a pod resolves ordinary names (example.org, a cluster service)',
      script: 'nslookup example.org > /dev/null; nslookup kubernetes.default.svc.cluster.local > /dev/null',
      marker: 'dns',
    },
  ],
};
