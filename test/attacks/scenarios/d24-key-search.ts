// D24: searching the file system for private keys and cloud credentials.
import { applet } from '../lib/check';
import type { Scenario } from '../lib/types';

const RULE = 'Private key or cloud credential search';

export const d24: Scenario = {
  row: 'D24',
  title: 'Searching for private keys or cloud credentials',
  rules: [RULE],
  mitre: 'T1552.001',
  category: 'credential_access',
  cases: [
    {
      kind: 'attack',
      name: 'grep -r "BEGIN OPENSSH PRIVATE KEY" /home /root',
      script: 'grep -r "BEGIN OPENSSH PRIVATE KEY" /home /root > /dev/null',
      expect: [{ rule: RULE, proc: applet('grep'), cmdline: /^grep -r BEGIN OPENSSH PRIVATE KEY/ }],
    },
    {
      kind: 'variant',
      name: 'find / -name id_rsa -o -name "*.pem", from dash',
      evasion: ['another tool', 'another shell'],
      script: `dash -c 'find / -xdev \\( -name id_rsa -o -name "*.pem" \\) > /dev/null 2>&1'`,
      expect: [{ rule: RULE, proc: 'find', pname: /^(sh|dash)$/, cmdline: /^find \/ -xdev/ }],
    },
    {
      kind: 'variant',
      name: "find run by busybox's own shell (it forks and runs find without an exec): the shell's command line tells",
      evasion: ['busybox applet'],
      script: 'find / -xdev -name id_rsa > /dev/null 2>&1',
      expect: [{ rule: RULE, proc: 'sh', pname: 'runc', cmdline: /find \/ -xdev -name id_rsa/ }],
    },
    {
      kind: 'variant',
      name: 'busybox grep -ril "private key" by applet name',
      evasion: ['busybox applet', 'case'],
      script: 'busybox grep -ril "Private Key" /home > /dev/null',
      expect: [{ rule: RULE, proc: applet('busybox'), cmdline: /^busybox grep -ril/ }],
    },
    {
      kind: 'variant',
      name: 'egrep from /home for any BEGIN ... PRIVATE, relative path',
      evasion: ['relative path', 'another tool'],
      script: "cd /home && egrep -r 'BEGIN (RSA|EC|OPENSSH) PRIVATE' . > /dev/null",
      expect: [{ rule: RULE, proc: applet('egrep'), cmdline: /^egrep -r / }],
    },
    {
      kind: 'variant',
      name: 'cat ~/.aws/credentials',
      evasion: ['another tool'],
      script: 'cat /root/.aws/credentials > /dev/null',
      expect: [{ rule: RULE, proc: applet('cat'), cmdline: /^cat \/root\/\.aws\/credentials$/ }],
    },
    {
      kind: 'benign',
      name: 'grep -r TODO and find -name "*.conf"',
      script: 'grep -r TODO /home > /dev/null; find /etc -name "*.conf" > /dev/null',
      marker: 'exec2',
    },
  ],
};
