// D10: bpf(BPF_PROG_LOAD) from a container or an unexpected host process:
// eBPF rootkits. The program loaded is "return 0" as a socket filter,
// attached to nothing.
import type { Scenario } from '../lib/types';

const RULE = 'BPF program loaded by unexpected process';

export const d10: Scenario = {
  row: 'D10',
  title: 'bpf(BPF_PROG_LOAD) from a container or by an unexpected host process',
  rules: [RULE],
  mitre: 'T1014',
  category: 'defense_evasion',
  cases: [
    {
      kind: 'attack',
      name: 'a privileged pod loads an eBPF program',
      pod: { privileged: true },
      script: 'secops bpf',
      expect: [{ rule: RULE, proc: 'secops', fields: { 'evt.arg.cmd': 'BPF_PROG_LOAD', 'evt.arg.prog_name': 'kestrel_test', 'evt.res': 'SUCCESS' } }],
    },
    {
      kind: 'variant',
      name: 'the loader renamed to cilium-agent, an allowlisted host agent',
      evasion: ['renamed binary'],
      pod: { privileged: true },
      script: 'cp /usr/local/bin/secops /tmp/cilium-agent && /tmp/cilium-agent bpf',
      expect: [{ rule: RULE, proc: 'cilium-agent', fields: { 'evt.arg.cmd': 'BPF_PROG_LOAD' } }],
    },
    {
      kind: 'variant',
      name: 'an unprivileged pod tries (EPERM: attempts count)',
      evasion: ['attempt'],
      script: 'secops bpf',
      expect: [{ rule: RULE, proc: 'secops', fields: { 'evt.arg.cmd': 'BPF_PROG_LOAD', 'evt.res': 'EPERM' } }],
    },
    {
      kind: 'variant',
      name: 'a host process that is no known eBPF agent loads one',
      evasion: ['another location'],
      hostProcName: 'kt-bpf-loader',
      script: `"${'$'}HELPERS/secops" bpf`,
      expect: [{ rule: RULE, proc: 'secops', pname: 'kt-bpf-loader', fields: { 'container.id': 'host', 'evt.arg.cmd': 'BPF_PROG_LOAD' } }],
    },
    {
      kind: 'benign',
      name: 'a privileged pod creates a BPF map only (no program)',
      pod: { privileged: true },
      script: 'attackops bpf-map',
      marker: 'syscall',
    },
    {
      kind: 'benign',
      name: 'bpftool, an allowlisted agent, loads a program on the host',
      hostProcName: 'kt-bpf-twin',
      script: `cp "${'$'}HELPERS/secops" "${'$'}SCRATCH/bpftool" && "${'$'}SCRATCH/bpftool" bpf > /dev/null`,
      marker: 'file2',
    },
  ],
};
