// D27: a link to a sensitive file or directory: read or write it through a
// path no rule watches.
import type { Scenario } from '../lib/types';

const RULE = 'Link to sensitive file created';

export const d27: Scenario = {
  row: 'D27',
  title: 'A symlink or hard link created to a sensitive file or directory (/etc/shadow, /etc/sudoers, /, /etc, /root)',
  rules: [RULE],
  mitre: 'T1003',
  category: 'credential_access',
  cases: [
    {
      kind: 'attack',
      name: 'ln -s /etc/shadow /tmp/shadow.txt',
      script: 'ln -s /etc/shadow /tmp/shadow.txt',
      expect: [{ rule: RULE, proc: 'ln', cmdline: /ln -s \/etc\/shadow \/tmp\/shadow\.txt/, fields: { 'evt.arg.target': '/etc/shadow', 'evt.type': 'symlink' } }],
    },
    {
      kind: 'variant',
      name: 'a relative target ../../../etc/shadow',
      evasion: ['relative path', '..'],
      script: 'mkdir -p /srv/a/b && ln -s ../../../etc/shadow /srv/a/b/s',
      expect: [{ rule: RULE, proc: 'ln', fields: { 'evt.arg.target': '../../../etc/shadow' } }],
    },
    {
      kind: 'variant',
      name: 'a target spelled //etc/./sudoers',
      evasion: ['encoding'],
      script: 'ln -s //etc/./sudoers /tmp/s',
      expect: [{ rule: RULE, proc: 'ln', fields: { 'evt.arg.target': '//etc/./sudoers' } }],
    },
    {
      kind: 'variant',
      name: 'a hard link to /etc/shadow',
      evasion: ['hard link'],
      script: 'ln /etc/shadow /tmp/h',
      expect: [{ rule: RULE, proc: 'ln', fields: { 'evt.type': 'link' } }],
    },
    {
      kind: 'variant',
      name: 'symlinks to / and to /proc/1/root',
      evasion: ['another path'],
      script: 'ln -s / /tmp/rootfs; ln -s /proc/1/root /tmp/init-root',
      expect: [
        { rule: RULE, proc: 'ln', fields: { 'evt.arg.target': '/' } },
        { rule: RULE, proc: 'ln', fields: { 'evt.arg.target': '/proc/1/root' } },
      ],
    },
    {
      kind: 'variant',
      name: 'symlinkat by raw syscall',
      evasion: ['raw syscall', 'dirfd'],
      script: 'secops symlinkat /etc/shadow /tmp lnk > /dev/null',
      expect: [{ rule: RULE, proc: 'secops', fields: { 'evt.type': 'symlinkat' } }],
    },
    {
      kind: 'benign',
      name: 'ordinary links (/etc/hostname, a README)',
      script: 'ln -s /etc/hostname /tmp/hn; ln -sf /usr/share/doc/app/README /tmp/readme; ln /etc/motd /tmp/motd',
    },
  ],
};
