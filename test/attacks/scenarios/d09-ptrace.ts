// D09: ptrace injection (attach, seize, poke) and PTRACE_TRACEME
// anti-debugging. The tracee is always the tracer's own child.
import type { Scenario } from '../lib/types';

const INJECT = 'Ptrace attach or injection';
const ANTIDEBUG = 'Ptrace anti-debugging';

export const d09: Scenario = {
  row: 'D09',
  title: 'ptrace attach, seize, poke or setregs; PTRACE_TRACEME anti-debug',
  rules: [INJECT, ANTIDEBUG],
  mitre: 'T1055.008',
  category: 'privilege_escalation',
  cases: [
    {
      kind: 'attack',
      name: 'a pod attaches to a process with PTRACE_ATTACH',
      script: 'secops ptrace-attach',
      expect: [{ rule: INJECT, proc: 'secops', fields: { 'evt.arg.request': 'PTRACE_ATTACH', 'evt.res': 'SUCCESS' } }],
    },
    {
      kind: 'variant',
      name: 'PTRACE_SEIZE, then PTRACE_POKEDATA into the tracee',
      evasion: ['raw syscall', 'another tool'],
      script: 'attackops ptrace-seize',
      expect: [
        { rule: INJECT, proc: 'attackops', fields: { 'evt.arg.request': 'PTRACE_SEIZE' } },
        { rule: INJECT, proc: 'attackops', fields: { 'evt.arg.request': 'PTRACE_POKEDATA' } },
      ],
    },
    {
      kind: 'variant',
      name: 'the injector renamed to gdb',
      evasion: ['renamed binary'],
      script: 'cp /usr/local/bin/secops /tmp/gdb && /tmp/gdb ptrace-attach',
      expect: [{ rule: INJECT, proc: 'gdb', fields: { 'evt.arg.request': 'PTRACE_ATTACH' } }],
    },
    {
      kind: 'variant',
      name: 'PTRACE_TRACEME so that no debugger can attach',
      evasion: ['another tool'],
      script: 'secops ptrace-traceme',
      expect: [{ rule: ANTIDEBUG, proc: 'secops', pname: 'secops', fields: { 'evt.arg.request': 'PTRACE_TRACEME' }, tags: ['T1622', 'defense_evasion'] }],
    },
    {
      kind: 'benign',
      name: 'a debugger (strace) starts its tracee with PTRACE_TRACEME; a pod reads TracerPid',
      script: 'strace ptrace-traceme > /dev/null; grep TracerPid /proc/self/status > /dev/null',
      marker: 'syscall',
    },
  ],
};
