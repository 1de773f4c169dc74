// D07: loading a kernel module. From a container the module would run in the
// host kernel. The "module" is not an ELF module, so even a kernel with
// module support refuses it; the call is the behaviour.
import * as fs from 'node:fs';
import type { Scenario } from '../lib/types';

const TRACEPOINT = '/sys/kernel/tracing/events/syscalls/sys_enter_finit_module';
const CONTAINER_RULE = 'Kernel module loaded from container';
const HOST_RULE = 'Kernel module loaded on host';

/** Module loads are invisible where the kernel has no module support. */
function noModules(): string | null {
  const tracefs = ['/sys/kernel/tracing', '/sys/kernel/debug/tracing'].find((d) => fs.existsSync(`${d}/events`));
  if (!tracefs) return 'tracefs is not mounted, so it cannot be told whether module loads are observable';
  if (fs.existsSync(TRACEPOINT.replace('/sys/kernel/tracing', tracefs))) return null;
  return 'not observable on this kernel: it is built without module support (no syscalls/sys_enter_finit_module or sys_enter_init_module tracepoint), so no init_module/finit_module call can be traced';
}

export const d07: Scenario = {
  row: 'D07',
  title: 'Kernel module load (init_module, finit_module); from a container it is CRITICAL',
  rules: [CONTAINER_RULE, HOST_RULE],
  mitre: 'T1547.006',
  category: 'persistence',
  unavailable: noModules,
  cases: [
    {
      kind: 'attack',
      name: 'a privileged pod loads a rootkit module with finit_module',
      pod: { privileged: true },
      script: 'echo kestrel > /tmp/diamorphine.ko && secops finit_module /tmp/diamorphine.ko',
      expect: [{ rule: CONTAINER_RULE, proc: 'secops', fields: { 'evt.type': 'finit_module', 'fd.name': '/tmp/diamorphine.ko' } }],
    },
    {
      kind: 'variant',
      name: 'busybox insmod from a relative path',
      evasion: ['another tool', 'relative path'],
      pod: { privileged: true },
      script: 'cd /tmp && echo kestrel > ./rk.ko && insmod ./rk.ko',
      expect: [{ rule: CONTAINER_RULE, proc: 'insmod' }],
    },
    {
      kind: 'variant',
      name: 'init_module from memory, by an unprivileged pod (attempts count)',
      evasion: ['raw syscall', 'in memory', 'attempt'],
      script: 'secops init_module',
      expect: [{ rule: CONTAINER_RULE, proc: 'secops', fields: { 'evt.type': 'init_module' } }],
    },
    {
      kind: 'variant',
      name: 'an unexpected host process loads a module',
      evasion: ['another location'],
      hostProcName: 'kt-modloader',
      script: 'echo kestrel > "$SCRATCH/rk.ko" && "$HELPERS/secops" finit_module "$SCRATCH/rk.ko"',
      expect: [{ rule: HOST_RULE, proc: 'secops', pname: 'kt-modloader', fields: { 'evt.type': 'finit_module' }, tags: ['T1547.006', 'persistence'] }],
    },
    {
      kind: 'benign',
      name: 'a pod lists the loaded modules',
      script: 'cat /proc/modules > /dev/null 2>&1; lsmod > /dev/null 2>&1',
    },
  ],
};
