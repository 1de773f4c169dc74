// D26: covering tracks: logs under /var/log and shell history truncated or
// deleted.
import { applet } from '../lib/check';
import type { Scenario } from '../lib/types';

const LOGS = 'Log files truncated or deleted';
const HISTORY = 'Shell history truncated or deleted';
const HIST_TAGS = ['T1070.003', 'defense_evasion'];

export const d26: Scenario = {
  row: 'D26',
  title: 'Truncating or deleting logs under /var/log, or shell history',
  rules: [LOGS, HISTORY],
  mitre: 'T1070.002',
  category: 'defense_evasion',
  cases: [
    {
      kind: 'attack',
      name: 'rm -f /var/log/auth.log',
      script: 'rm -f /var/log/auth.log',
      expect: [{ rule: LOGS, proc: 'rm', cmdline: /rm -f \/var\/log\/auth\.log/, fields: { 'fd.name': '/var/log/auth.log' } }],
    },
    {
      kind: 'variant',
      name: ': > app.log from /var/log (truncation by redirection)',
      evasion: ['relative path'],
      script: 'cd /var/log && : > app.log',
      expect: [{ rule: LOGS, proc: 'sh', pname: 'runc', fields: { 'fd.name': '/var/log/app.log', 'evt.flags': /O_TRUNC/ } }],
    },
    {
      kind: 'variant',
      name: 'truncate -s 0 and shred -u',
      evasion: ['another tool'],
      script: 'truncate -s 0 /var/log/app.log; shred -u /var/log/auth.log',
      expect: [
        { rule: LOGS, proc: applet('truncate'), fields: { 'evt.type': 'execve' } },
        { rule: LOGS, proc: applet('shred'), fields: { 'evt.type': 'execve' } },
      ],
    },
    {
      kind: 'variant',
      name: 'the log moved out of /var/log',
      evasion: ['rename-over'],
      script: 'mv /var/log/auth.log /tmp/',
      expect: [{ rule: LOGS, proc: 'mv', cmdline: /mv \/var\/log\/auth\.log/, fields: { 'evt.arg.oldpath': '/var/log/auth.log' } }],
    },
    {
      kind: 'variant',
      name: 'history deleted, truncated, and replaced by a link to /dev/null',
      evasion: ['symlink', 'another tool'],
      script: 'rm /root/.ash_history; : > /root/.bash_history; ln -sf /dev/null /root/.bash_history',
      expect: [
        { rule: HISTORY, proc: 'rm', fields: { 'fd.name': '/root/.ash_history' }, tags: HIST_TAGS },
        { rule: HISTORY, proc: 'sh', pname: 'runc', fields: { 'fd.name': '/root/.bash_history', 'evt.flags': /O_TRUNC/ }, tags: HIST_TAGS },
        { rule: HISTORY, proc: 'ln', fields: { 'evt.type': 'symlink' }, tags: HIST_TAGS },
      ],
    },
    {
      kind: 'benign',
      name: 'a pod appends to its log; logrotate truncates and rotates it',
      script: 'echo ok >> /var/log/app.log; logrotate openat /var/log app.log w > /dev/null; mv /var/log/auth.log /var/log/auth.log.1',
    },
  ],
};
