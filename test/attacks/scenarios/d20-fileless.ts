// D20: fileless execution: a program run from a memfd, or by descriptor
// from a file that no longer exists.
import { NET } from '../lib/net-plan';
import type { Scenario } from '../lib/types';

const RULE = 'Fileless execution';

export const d20: Scenario = {
  row: 'D20',
  title: 'Fileless execution: exec from a memfd: file or /proc/self/fd/N',
  rules: [RULE],
  mitre: 'T1620',
  category: 'execution',
  cases: [
    {
      kind: 'attack',
      name: 'a payload copied into a memfd and run with execveat',
      script: `attackops exec-memfd /usr/local/bin/attackops payload connect ${NET.web} 80 'GET / HTTP/1.0'`,
      expect: [{ rule: RULE, proc: /.*/, pname: 'sh', cmdline: /^payload connect /, fields: { 'proc.exepath_resolved': /memfd:payload/ } }],
    },
    {
      kind: 'variant',
      name: 'a memfd run by /proc/self/fd/N',
      evasion: ['another path'],
      script: 'secops exec-memfd procfd',
      expect: [{ rule: RULE, proc: /.*/, cmdline: /^kestrel-fileless/, fields: { 'proc.exepath_resolved': /memfd:kestrel-mem/ } }],
    },
    {
      kind: 'variant',
      name: 'a deleted file run by its descriptor (bash: exec 3<file; rm file; /proc/self/fd/3)',
      evasion: ['another shell', 'another path'],
      script: `cp /usr/local/bin/attackops /tmp/.x && bash -c 'exec 3< /tmp/.x; rm /tmp/.x; /proc/self/fd/3 connect ${NET.web} 80 x'`,
      // The kernel's name for a deleted file ends in " (deleted)"; the sensor
      // reports the name it had (see the report), so the descriptor tells.
      expect: [{ rule: RULE, proc: '3', pname: 'sh', fields: { 'proc.exepath': '/proc/self/fd/3', 'proc.exepath_resolved': /^\/tmp\/\.x( \(deleted\))?$/ } }],
    },
    {
      kind: 'benign',
      name: 'an installed program run by descriptor; a memfd made but not run',
      script: "bash -c 'exec 3< /bin/busybox; /proc/self/fd/3 true 2> /dev/null'; secops memfd > /dev/null",
      marker: 'exec',
    },
  ],
};
