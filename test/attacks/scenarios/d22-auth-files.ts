// D22: reading password hashes and privilege configuration, by anything but
// a login or user-management tool.
import type { Scenario } from '../lib/types';

const RULE = 'Sensitive authentication file read';

export const d22: Scenario = {
  row: 'D22',
  title: 'Read of /etc/shadow, /etc/gshadow, /etc/sudoers*, /etc/pam.d/* by a process that is not a login tool',
  rules: [RULE],
  mitre: 'T1003.008',
  category: 'credential_access',
  cases: [
    {
      kind: 'attack',
      name: 'cat /etc/shadow',
      script: 'cat /etc/shadow > /dev/null',
      expect: [{ rule: RULE, proc: 'cat', cmdline: /^cat \/etc\/shadow$/, fields: { 'fd.name': '/etc/shadow' } }],
    },
    {
      kind: 'variant',
      name: 'cd /etc && head ./shadow',
      evasion: ['relative path'],
      script: 'cd /etc && head -1 ./shadow > /dev/null',
      expect: [{ rule: RULE, proc: 'head', fields: { 'fd.name': '/etc/shadow', 'fd.nameraw': './shadow' } }],
    },
    {
      kind: 'variant',
      name: '/tmp/../etc/gshadow',
      evasion: ['..'],
      script: 'cat /tmp/../etc/gshadow > /dev/null',
      expect: [{ rule: RULE, proc: 'cat', fields: { 'fd.name': '/etc/gshadow' } }],
    },
    {
      kind: 'variant',
      name: 'through a symlink in /tmp',
      evasion: ['symlink'],
      script: 'ln -s /etc/shadow /tmp/notes.txt && cat /tmp/notes.txt > /dev/null',
      expect: [{ rule: RULE, proc: 'cat', fields: { 'fd.name': '/etc/shadow', 'fd.nameraw': '/tmp/notes.txt' } }],
    },
    {
      kind: 'variant',
      name: 'openat(dirfd of /etc, "sudoers"), and /etc/pam.d by a shell builtin',
      evasion: ['dirfd', 'another tool'],
      script: 'attackops openat /etc sudoers r > /dev/null; read -r line < /etc/pam.d/common-auth',
      expect: [
        { rule: RULE, proc: 'attackops', fields: { 'fd.name': '/etc/sudoers' } },
        { rule: RULE, proc: 'sh', pname: 'runc', fields: { 'fd.name': '/etc/pam.d/common-auth' } },
      ],
    },
    {
      kind: 'variant',
      name: 'a reader renamed sshd (a login tool) and run from /tmp',
      evasion: ['renamed binary'],
      script: 'cp /usr/local/bin/attackops /tmp/sshd && /tmp/sshd openat /etc shadow r > /dev/null',
      expect: [{ rule: RULE, proc: 'sshd', fields: { 'fd.name': '/etc/shadow' } }],
    },
    {
      kind: 'variant',
      name: 'through a hard link',
      evasion: ['hard link'],
      gap: 'a hard link is another name of the file and the kernel path is the name used; D27 reports the link itself',
      script: 'ln /etc/shadow /tmp/backup && cat /tmp/backup > /dev/null',
      expect: [{ rule: RULE, proc: 'cat' }],
    },
    {
      kind: 'benign',
      name: 'passwd locks an account (a login tool reading /etc/shadow); /etc/passwd is read',
      script: 'passwd -l nobody > /dev/null 2>&1; cat /etc/passwd > /dev/null; id > /dev/null',
    },
  ],
};
