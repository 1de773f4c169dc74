// D23: the pod's service-account token read by a shell or a generic tool.
// The token is mounted as the kubelet mounts it (token -> ..data/token ->
// ..<timestamp>/token) at /var/run/secrets/..., and /var/run is /run.
import { SA_DIR } from '../lib/pod';
import type { Scenario } from '../lib/types';

const RULE = 'Service account token read by shell or generic tool';
const RESOLVED = /^\/run\/secrets\/kubernetes\.io\/serviceaccount\/\.\.2025_06_01_12_00_00\.000000001\/token$/;

export const d23: Scenario = {
  row: 'D23',
  title: 'Read of a Kubernetes service-account token by a shell or a generic tool',
  rules: [RULE],
  mitre: 'T1528',
  category: 'credential_access',
  cases: [
    {
      kind: 'attack',
      name: `cat ${SA_DIR}/token`,
      script: `cat ${SA_DIR}/token > /dev/null`,
      expect: [{ rule: RULE, proc: 'cat', fields: { 'fd.name': RESOLVED, 'fd.nameraw': `${SA_DIR}/token`, 'k8s.pod.sa': 'default' } }],
    },
    {
      kind: 'variant',
      name: 'cd into /run/secrets/... and base64 the token',
      evasion: ['relative path', 'another path', 'another tool'],
      script: 'cd /run/secrets/kubernetes.io/serviceaccount && base64 token > /dev/null',
      expect: [{ rule: RULE, proc: 'base64', fields: { 'fd.name': RESOLVED } }],
    },
    {
      kind: 'variant',
      name: 'the shell reads it with a builtin (read < token)',
      evasion: ['another tool'],
      script: `read -r t < ${SA_DIR}/token`,
      expect: [{ rule: RULE, proc: 'sh', pname: 'runc', fields: { 'fd.name': RESOLVED } }],
    },
    {
      kind: 'variant',
      name: 'through a symlink in /tmp',
      evasion: ['symlink'],
      script: `ln -s ${SA_DIR}/token /tmp/t && head -c 20 /tmp/t > /dev/null`,
      expect: [{ rule: RULE, proc: 'head', fields: { 'fd.name': RESOLVED, 'fd.nameraw': '/tmp/t' } }],
    },
    {
      kind: 'variant',
      name: 'the ..data/token spelling, from dash',
      evasion: ['another path', 'another shell'],
      script: `dash -c 'cat ${SA_DIR}/..data/token > /dev/null'`,
      expect: [{ rule: RULE, proc: 'cat', pname: /^(dash|sh)$/, fields: { 'fd.name': RESOLVED } }],
    },
    {
      kind: 'benign',
      name: 'the application reads its own token; a shell reads the namespace file',
      script: `/app/server openat ${SA_DIR} token r > /dev/null; cat ${SA_DIR}/namespace > /dev/null`,
    },
  ],
};
