// D01: the cgroup v1 release_agent escape. A privileged pod mounts a cgroup
// v1 hierarchy of its own (a named one: nothing else uses it, so the host is
// untouched), arms notify_on_release in a child cgroup and points
// release_agent at a program; the kernel would run it as root on the host.
// The agent named here does not exist, and no task ever leaves the cgroup.
import { randomBytes } from 'node:crypto';
import type { Scenario } from '../lib/types';

const RULE = 'Cgroup release agent write';
/** A named hierarchy of the case's own, removed again at its end. */
function mount(): string {
  return `mkdir -p /tmp/cg && mount -t cgroup -o none,name=kestrel${randomBytes(4).toString('hex')} cgroup /tmp/cg && mkdir -p /tmp/cg/x`;
}
const UNMOUNT = 'rmdir /tmp/cg/x; umount /tmp/cg';
const privileged = { privileged: true };

export const d01: Scenario = {
  row: 'D01',
  title: 'A write to a cgroup release_agent or notify_on_release file',
  rules: [RULE],
  mitre: 'T1611',
  category: 'container_escape',
  cases: [
    {
      kind: 'attack',
      name: 'a privileged pod mounts cgroup v1, sets notify_on_release and release_agent',
      pod: privileged,
      script: `${mount()}\necho 1 > /tmp/cg/x/notify_on_release\necho /kestrel-no-such-agent > /tmp/cg/release_agent\n${UNMOUNT}`,
      expect: [
        { rule: RULE, proc: 'sh', pname: 'runc', fields: { 'fd.name': '/tmp/cg/release_agent' } },
        { rule: RULE, proc: 'sh', pname: 'runc', fields: { 'fd.name': '/tmp/cg/x/notify_on_release' } },
      ],
    },
    {
      kind: 'variant',
      name: 'cd into the hierarchy and write ./release_agent',
      evasion: ['relative path'],
      pod: privileged,
      script: `${mount()}\n(cd /tmp/cg && echo /kestrel-no-such-agent > ./release_agent)\n${UNMOUNT}`,
      expect: [{ rule: RULE, proc: 'sh', fields: { 'fd.name': '/tmp/cg/release_agent', 'fd.nameraw': './release_agent' } }],
    },
    {
      kind: 'variant',
      name: 'through a symlink named like a log file',
      evasion: ['symlink'],
      pod: privileged,
      script: `${mount()}\nln -s /tmp/cg/release_agent /tmp/app.log\necho /kestrel-no-such-agent > /tmp/app.log\n${UNMOUNT}`,
      expect: [{ rule: RULE, proc: 'sh', pname: 'runc', fields: { 'fd.name': '/tmp/cg/release_agent', 'fd.nameraw': '/tmp/app.log' } }],
    },
    {
      kind: 'variant',
      name: 'openat(dirfd of the hierarchy, "release_agent")',
      evasion: ['dirfd'],
      pod: privileged,
      script: `${mount()}\nattackops openat /tmp/cg release_agent a /kestrel-no-such-agent\n${UNMOUNT}`,
      expect: [{ rule: RULE, proc: 'attackops', fields: { 'fd.name': '/tmp/cg/release_agent' } }],
    },
    {
      kind: 'variant',
      name: 'an unprivileged pod tries its own cgroup (denied: attempts count)',
      evasion: ['attempt'],
      script: 'for f in /sys/fs/cgroup/*/notify_on_release; do echo 1 > "$f"; done 2> /dev/null',
      expect: [{ rule: RULE, proc: 'sh', pname: 'runc', fields: { 'evt.res': /^E/ } }],
    },
    {
      kind: 'benign',
      name: 'a pod reads notify_on_release of its own cgroups',
      script: 'cat /sys/fs/cgroup/*/notify_on_release > /dev/null',
    },
  ],
};
