// D25: a container asking the cloud metadata service for the node's
// credentials. The service answers on the network's remote end.
import { NET } from '../lib/net-plan';
import type { Scenario } from '../lib/types';

const RULE = 'Cloud metadata service contacted from container';

export const d25: Scenario = {
  row: 'D25',
  title: 'A container contacting the cloud metadata service 169.254.169.254',
  rules: [RULE],
  mitre: 'T1552.005',
  category: 'credential_access',
  cases: [
    {
      kind: 'attack',
      name: 'wget the instance role\'s credentials',
      script: `wget -q -O /dev/null http://${NET.metadata}/latest/meta-data/iam/security-credentials/`,
      expect: [{ rule: RULE, proc: 'wget', fields: { 'evt.type': 'connect', 'fd.dip': NET.metadata, 'fd.dport': 80 } }],
    },
    {
      kind: 'variant',
      name: 'the address written as one decimal number (http://2852039166/)',
      evasion: ['encoding'],
      script: 'wget -q -O /dev/null http://2852039166/latest/meta-data/',
      expect: [{ rule: RULE, proc: 'wget', fields: { 'fd.dip': NET.metadata } }],
    },
    {
      kind: 'variant',
      name: 'an IPv4-mapped IPv6 address from a renamed binary',
      evasion: ['encoding', 'renamed binary'],
      script: `cp /usr/local/bin/attackops /tmp/agent && /tmp/agent connect ::ffff:${NET.metadata} 80 'GET /latest/meta-data/ HTTP/1.0'`,
      expect: [{ rule: RULE, proc: 'agent', fields: { 'fd.dip': `::ffff:${NET.metadata}` } }],
    },
    {
      kind: 'variant',
      name: 'by name: metadata.google.internal (DNS and connect)',
      evasion: ['another path'],
      script: 'wget -q -O /dev/null http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token',
      expect: [
        { rule: RULE, proc: 'wget', fields: { 'evt.type': 'dns', 'dns.name': 'metadata.google.internal' } },
        { rule: RULE, proc: 'wget', fields: { 'evt.type': 'connect', 'fd.dip': NET.metadata } },
      ],
    },
    {
      kind: 'benign',
      name: 'a pod fetches from an ordinary web server',
      script: `wget -q -O /dev/null http://${NET.web}/ ; nslookup example.org > /dev/null`,
      marker: 'connect',
    },
  ],
};
