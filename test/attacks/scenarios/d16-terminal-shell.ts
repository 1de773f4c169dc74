// D16: a shell with a terminal in a container: someone typing in it, as
// `kubectl exec -it` does. Each pod runs a long-lived process; the shell is
// started in it by `runc exec -t` (the runtime gives it a pseudo-terminal,
// as containerd does for kubectl exec -it), from script(1) so that runc has a
// terminal to relay.
import type { Case, DriveContext, Scenario } from '../lib/types';

const RULE = 'Terminal shell in container';

function interactive(argv: string[], tty = true): Case['drive'] {
  return async (p: DriveContext) => {
    await p.start(['/bin/sleep', '60']);
    try {
      await p.exec(argv, { tty });
    } finally {
      await p.stop();
    }
  };
}

export const d16: Scenario = {
  row: 'D16',
  title: 'A shell started in a container with a terminal attached (kubectl exec -it)',
  rules: [RULE],
  mitre: 'T1059',
  category: 'execution',
  cases: [
    {
      kind: 'attack',
      name: 'kubectl exec -it POD -- /bin/sh',
      drive: interactive(['/bin/sh', '-c', 'id; hostname']),
      expect: [{ rule: RULE, proc: 'sh', pname: 'runc', fields: { 'proc.tty': 34816 } }],
    },
    {
      kind: 'variant',
      name: 'bash instead of sh',
      evasion: ['another shell'],
      drive: interactive(['/bin/bash', '-c', 'id']),
      expect: [{ rule: RULE, proc: 'bash', pname: 'runc' }],
    },
    {
      kind: 'variant',
      name: 'busybox ash by applet name',
      evasion: ['busybox applet'],
      drive: interactive(['/bin/busybox', 'ash', '-c', 'id']),
      expect: [{ rule: RULE, proc: 'busybox', pname: 'runc' }],
    },
    {
      kind: 'variant',
      name: 'dash started with argv[0] "nginx"',
      evasion: ['argv[0] spoofing', 'another shell'],
      drive: interactive(['/usr/local/bin/attackops', 'exec-as', 'nginx', '/bin/dash', '-c', 'id']),
      expect: [{ rule: RULE, proc: 'dash', pname: 'runc', cmdline: /^nginx -c id/ }],
    },
    {
      kind: 'benign',
      name: 'kubectl exec without -it: the same shell with no terminal (a probe)',
      drive: interactive(['/bin/sh', '-c', "id > /dev/null; echo '# kestrel-marker' >> /etc/hosts"], false),
    },
  ],
};
