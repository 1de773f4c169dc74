// D30: a container talking to the Kubernetes API server, by a process not on
// the allowlist of API clients. The API server's address (the `kubernetes`
// service, 10.96.0.1) is given to the sensor with --k8s-api-ip; it answers
// on the network's remote end.
import { NET } from '../lib/net-plan';
import { SA_DIR } from '../lib/pod';
import type { Scenario } from '../lib/types';

const RULE = 'Kubernetes API server contacted from container';

export const d30: Scenario = {
  row: 'D30',
  title: 'A container connecting to the Kubernetes API server by a process not on an allowlist',
  rules: [RULE],
  mitre: 'T1613',
  category: 'discovery',
  cases: [
    {
      kind: 'attack',
      name: 'wget the kube-system secrets with the pod\'s token',
      script: `wget -q -O /dev/null --header "Authorization: Bearer $(cat ${SA_DIR}/token)" http://${NET.apiServer}:443/api/v1/namespaces/kube-system/secrets`,
      expect: [{ rule: RULE, proc: 'wget', fields: { 'fd.dip': NET.apiServer, 'fd.dport': 443 } }],
    },
    {
      kind: 'variant',
      name: 'nc to kubernetes.default.svc:6443 (by name)',
      evasion: ['another tool', 'another port'],
      script: 'nc -w 2 kubernetes.default.svc 6443 < /dev/null > /dev/null',
      expect: [{ rule: RULE, proc: 'nc', fields: { 'fd.dip': NET.apiServer, 'fd.dport': 6443 } }],
    },
    {
      kind: 'variant',
      name: 'an IPv4-mapped IPv6 address',
      evasion: ['encoding'],
      script: `attackops connect ::ffff:${NET.apiServer} 443 'GET /api HTTP/1.0' > /dev/null`,
      expect: [{ rule: RULE, proc: 'attackops', fields: { 'fd.dip': `::ffff:${NET.apiServer}` } }],
    },
    {
      kind: 'variant',
      name: 'a dropped client renamed kube-proxy (an allowlisted name)',
      evasion: ['renamed binary'],
      script: `cp /usr/local/bin/attackops /tmp/kube-proxy && /tmp/kube-proxy connect ${NET.apiServer} 443 'GET /api HTTP/1.0' > /dev/null`,
      expect: [{ rule: RULE, proc: 'kube-proxy', fields: { 'proc.exepath': '/tmp/kube-proxy' } }],
    },
    {
      kind: 'benign',
      name: "the image's kube-proxy (allowlisted) talks to the API; wget to another server's 443",
      script: `kube-proxy connect ${NET.apiServer} 443 'GET /api HTTP/1.0' > /dev/null; wget -q -O /dev/null http://${NET.web}:443/`,
      marker: 'connect',
    },
  ],
};
