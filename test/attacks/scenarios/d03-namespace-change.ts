// D03: joining another namespace (setns / nsenter) or making a user or mount
// namespace (unshare) from inside a container. The attack is the classic
// escape of a privileged pod with the host's pid namespace: nsenter into a
// host process's mount, UTS, IPC and network namespaces, i.e. a root shell
// on the node (here it runs `true` there and leaves). The usual target is
// pid 1; this suite's own process serves (some sandboxes hide pid 1's
// namespaces even from root).
import type { Scenario } from '../lib/types';

const RULE = 'Namespace change in container';

export const d03: Scenario = {
  row: 'D03',
  title: 'setns / nsenter into another namespace, or unshare of user/mount namespaces, from inside a container',
  rules: [RULE],
  mitre: 'T1611',
  category: 'container_escape',
  cases: [
    {
      kind: 'attack',
      name: "a privileged hostPID pod runs nsenter -t <host pid> -m -u -i -n into the host's namespaces",
      pod: { privileged: true, hostPID: true },
      script: `nsenter -t ${process.pid} -m -u -i -n -- /bin/true`,
      expect: [{ rule: RULE, proc: 'nsenter', cmdline: /^nsenter -t \d+ -m -u -i -n/, fields: { 'evt.type': 'setns', 'evt.res': 'SUCCESS' } }],
    },
    {
      kind: 'variant',
      name: 'unshare -U -r: a user namespace where the pod is root',
      evasion: ['another tool'],
      script: 'unshare -U -r /bin/true',
      expect: [{ rule: RULE, proc: 'unshare', fields: { 'evt.type': 'unshare', 'evt.arg.flags': /CLONE_NEWUSER/ } }],
    },
    {
      kind: 'variant',
      name: 'unshare -m in an unprivileged pod (denied: attempts count)',
      evasion: ['attempt'],
      script: 'unshare -m /bin/true',
      expect: [{ rule: RULE, proc: 'unshare', fields: { 'evt.type': 'unshare', 'evt.arg.flags': /CLONE_NEWNS/ } }],
    },
    {
      kind: 'variant',
      name: 'setns by raw syscall from a program renamed to look like a kernel thread',
      evasion: ['raw syscall', 'renamed binary'],
      script: 'cp /usr/local/bin/secops /tmp/kworker && /tmp/kworker setns net',
      expect: [{ rule: RULE, proc: 'kworker', fields: { 'evt.type': 'setns' } }],
    },
    {
      kind: 'benign',
      name: 'a pod lists its namespaces and makes a UTS-only namespace (unshare -u)',
      script: 'ls -l /proc/self/ns/ > /dev/null; unshare -u /bin/true 2> /dev/null',
      marker: 'syscall2',
    },
  ],
};
