// D28: persistence: cron, authorized_keys, systemd units, ld.so.preload.
import type { Scenario } from '../lib/types';

const CRON = 'Cron job persistence';
const SSH = 'SSH authorized keys modified';
const UNIT = 'Systemd unit or init script written';
const PRELOAD = 'Dynamic linker preload modified';
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAttackerKeyKestrel attacker';

export const d28: Scenario = {
  row: 'D28',
  title: 'Writes to persistence locations: cron, ~/.ssh/authorized_keys, systemd units, /etc/ld.so.preload',
  rules: [CRON, SSH, UNIT, PRELOAD],
  mitre: 'T1053.003',
  category: 'persistence',
  cases: [
    {
      kind: 'attack',
      name: 'a cron line appended to /etc/crontab',
      script: 'echo "* * * * * root /tmp/payload" >> /etc/crontab',
      expect: [{ rule: CRON, proc: 'sh', pname: 'runc', fields: { 'fd.name': '/etc/crontab' } }],
    },
    {
      kind: 'variant',
      name: 'cd /etc/cron.d && write ./backdoor; crontab - by busybox',
      evasion: ['relative path', 'another tool'],
      script: 'cd /etc/cron.d && echo "* * * * * root /tmp/p" > ./backdoor; echo "* * * * * /tmp/p" | crontab -',
      expect: [
        { rule: CRON, proc: 'sh', pname: 'runc', fields: { 'fd.name': '/etc/cron.d/backdoor' } },
        { rule: CRON, proc: 'crontab', fields: { 'fd.name': /^\/var\/spool\/cron\// } },
      ],
    },
    {
      kind: 'variant',
      name: "an attacker's key appended to authorized_keys through a symlink in /tmp",
      evasion: ['symlink'],
      script: `ln -s /root/.ssh/authorized_keys /tmp/k && echo "${KEY}" >> /tmp/k`,
      expect: [
        { rule: SSH, proc: 'sh', pname: 'runc', fields: { 'fd.name': '/root/.ssh/authorized_keys' }, tags: ['T1098.004', 'persistence'] },
      ],
    },
    {
      kind: 'variant',
      name: 'authorized_keys replaced by a rename',
      evasion: ['rename-over'],
      script: `echo "${KEY}" > /tmp/ak && mv /tmp/ak /root/.ssh/authorized_keys`,
      expect: [{ rule: SSH, proc: 'mv', cmdline: /mv \/tmp\/ak /, fields: { 'fd.name': '/root/.ssh/authorized_keys' }, tags: ['T1098.004', 'persistence'] }],
    },
    {
      kind: 'variant',
      name: '/etc/ld.so.preload by openat(dirfd of /etc)',
      evasion: ['dirfd'],
      script: 'attackops openat /etc ld.so.preload a /tmp/libkt.so > /dev/null',
      expect: [{ rule: PRELOAD, proc: 'attackops', fields: { 'fd.name': '/etc/ld.so.preload' }, tags: ['T1574.006', 'persistence'] }],
    },
    {
      kind: 'variant',
      name: 'a systemd unit hard-linked into /etc/systemd/system',
      evasion: ['hard link'],
      script: "printf '[Service]\\nExecStart=/tmp/p\\n' > /tmp/u && ln /tmp/u /etc/systemd/system/kt.service",
      expect: [{ rule: UNIT, proc: 'ln', fields: { 'fd.name': '/etc/systemd/system/kt.service' }, tags: ['T1543.002', 'persistence'] }],
    },
    {
      kind: 'benign',
      name: 'a pod reads its crontab and keys, lists cron jobs, writes /etc/motd',
      script: 'cat /etc/crontab /root/.ssh/authorized_keys > /dev/null; crontab -l > /dev/null 2>&1; echo hello > /etc/motd',
    },
  ],
};
