// D04: mount from inside a container: the host's block device, a procfs, a
// cgroupfs. A privileged pod mounts the node's root disk (read-only) and
// looks at the host's /etc; the variants mount other file systems, by
// another tool and by raw syscall, and an unprivileged pod is refused.
import type { Scenario, WorldView } from '../lib/types';

const RULE = 'Mount in container';

function disk(w: WorldView): string {
  return w.hostDisk ?? '/dev/vda';
}

export const d04: Scenario = {
  row: 'D04',
  title: 'mount syscall from inside a container (host block devices, host procfs, cgroupfs)',
  rules: [RULE],
  mitre: 'T1611',
  category: 'container_escape',
  cases: [
    {
      kind: 'attack',
      // This kernel refuses a second mount of a mounted disk (EACCES); the attempt is the behaviour.
      name: "a privileged pod mounts the node's root disk to read the host's /etc",
      pod: (w) => ({ privileged: true, devices: [disk(w)] }),
      unavailable: (w) => (w.hostDisk ? null : 'no /dev/vda, /dev/sda, /dev/nvme0n1 or /dev/xvda on this host'),
      script: (w) => `mkdir -p /mnt/host && mount -o ro ${disk(w)} /mnt/host && ls /mnt/host/etc > /dev/null && umount /mnt/host`,
      expect: [{ rule: RULE, proc: 'mount', cmdline: /^mount -o ro \/dev\//, fields: { 'evt.arg.target': '/mnt/host' } }],
    },
    {
      kind: 'variant',
      name: 'a hostPID pod mounts a procfs (the host processes) and a cgroupfs',
      evasion: ['another path'],
      pod: { privileged: true, hostPID: true },
      script: 'mkdir -p /tmp/p /tmp/c && mount -t proc proc /tmp/p && umount /tmp/p; mount -t cgroup -o none,name=kestrel-d04 cgroup /tmp/c && umount /tmp/c',
      expect: [
        { rule: RULE, proc: 'mount', fields: { 'evt.arg.fstype': 'proc' } },
        { rule: RULE, proc: 'mount', fields: { 'evt.arg.fstype': 'cgroup' } },
      ],
    },
    {
      kind: 'variant',
      name: 'a bind mount of / by busybox, and a tmpfs by raw syscall',
      evasion: ['raw syscall', 'another tool'],
      pod: { privileged: true },
      script: 'mkdir -p /tmp/b /tmp/t && mount --bind / /tmp/b && umount /tmp/b; secops mount none /tmp/t',
      expect: [
        { rule: RULE, proc: 'mount', fields: { 'evt.arg.flags': /MS_BIND/ } },
        { rule: RULE, proc: 'secops', fields: { 'evt.arg.fstype': 'tmpfs' } },
      ],
    },
    {
      kind: 'variant',
      name: 'an unprivileged pod tries to mount a procfs (denied: attempts count)',
      evasion: ['attempt'],
      script: 'mkdir -p /tmp/p && mount -t proc proc /tmp/p',
      expect: [{ rule: RULE, proc: 'mount', fields: { 'evt.res': 'EPERM' } }],
    },
    {
      kind: 'benign',
      name: 'a pod lists its mounts (mount with no arguments, /proc/mounts, df)',
      script: 'mount > /dev/null; cat /proc/mounts > /dev/null; df > /dev/null',
      marker: 'syscall',
    },
  ],
};
