// D02: kernel usermode-helper paths: whatever core_pattern, modprobe or
// uevent_helper name, the kernel runs as root on the host. Unprivileged pods
// find /proc/sys read-only (the attempt still counts); privileged pods open
// the real files. Nothing is written to them: `: >>` opens for writing and
// writes nothing, so the host's settings never change.
import type { Scenario } from '../lib/types';

const RULE = 'Kernel usermode helper write';
const privileged = { privileged: true };

export const d02: Scenario = {
  row: 'D02',
  title: 'A write to a kernel usermode-helper path (core_pattern, modprobe, binfmt_misc/register, uevent_helper)',
  rules: [RULE],
  mitre: 'T1611',
  category: 'container_escape',
  cases: [
    {
      kind: 'attack',
      name: 'a pod sets core_pattern to pipe core dumps into its payload (denied: read-only /proc/sys)',
      script: "echo '|/var/lib/docker/overlay2/x/diff/payload' > /proc/sys/kernel/core_pattern",
      expect: [{ rule: RULE, proc: 'sh', pname: 'runc', fields: { 'fd.name': '/proc/sys/kernel/core_pattern', 'evt.res': 'EROFS' } }],
    },
    {
      kind: 'variant',
      name: 'cd /proc/sys/kernel and write ./core_pattern',
      evasion: ['relative path', 'attempt'],
      script: "cd /proc/sys/kernel && echo '|/tmp/payload' > ./core_pattern",
      expect: [{ rule: RULE, proc: 'sh', pname: 'runc', fields: { 'fd.name': '/proc/sys/kernel/core_pattern' } }],
    },
    {
      kind: 'variant',
      name: 'a privileged pod opens core_pattern through a symlink',
      evasion: ['symlink'],
      pod: privileged,
      script: 'ln -s /proc/sys/kernel/core_pattern /tmp/settings && : >> /tmp/settings',
      expect: [{ rule: RULE, proc: 'sh', pname: 'runc', fields: { 'fd.name': '/proc/sys/kernel/core_pattern', 'evt.res': 'SUCCESS' } }],
    },
    {
      kind: 'variant',
      name: 'a privileged pod opens core_pattern by openat(dirfd of /proc/sys/kernel)',
      evasion: ['dirfd'],
      pod: privileged,
      script: 'attackops openat /proc/sys/kernel core_pattern a',
      expect: [{ rule: RULE, proc: 'attackops', fields: { 'fd.name': '/proc/sys/kernel/core_pattern', 'evt.res': 'SUCCESS' } }],
    },
    {
      kind: 'variant',
      name: 'a privileged pod opens /proc/sys/fs/../kernel/core_pattern',
      evasion: ['..'],
      pod: privileged,
      script: ': >> /proc/sys/fs/../kernel/core_pattern',
      expect: [{ rule: RULE, proc: 'sh', pname: 'runc', fields: { 'fd.name': '/proc/sys/kernel/core_pattern' } }],
    },
    {
      kind: 'variant',
      name: 'an unprivileged pod tries /proc/sys/fs/../kernel/core_pattern (denied)',
      evasion: ['..', 'attempt'],
      script: ": >> /proc/sys/fs/../kernel/core_pattern",
      expect: [{ rule: RULE, proc: 'sh', pname: 'runc' }],
    },
    {
      kind: 'variant',
      name: 'binfmt_misc register and uevent_helper (absent here: attempts count)',
      evasion: ['another path', 'attempt'],
      script: "echo ':kt:M::MZ::/tmp/payload:' > /proc/sys/fs/binfmt_misc/register; echo /tmp/payload > /sys/kernel/uevent_helper",
      expect: [
        { rule: RULE, proc: 'sh', pname: 'runc', fields: { 'fd.name': '/proc/sys/fs/binfmt_misc/register' } },
        { rule: RULE, proc: 'sh', pname: 'runc', fields: { 'fd.name': '/sys/kernel/uevent_helper' } },
      ],
    },
    {
      kind: 'benign',
      name: 'a pod reads core_pattern (as crash handlers do)',
      script: 'cat /proc/sys/kernel/core_pattern > /dev/null',
    },
  ],
};
