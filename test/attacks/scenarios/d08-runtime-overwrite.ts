// D08: CVE-2019-5736: a container overwriting the runtime binary through
// /proc/<pid>/exe while runc runs in it, or the binary itself where a
// hostPath exposes it. The exposed binary here is a decoy of runc on a
// hostPath volume (never the real one); opens of running programs' exe
// fail with ETXTBSY, which is the exploit's retry loop.
import type { Scenario, WorldView } from '../lib/types';

const RULE = 'Container runtime binary overwrite';

function hostBin(w: WorldView) {
  return { mounts: [{ source: w.decoyBinDir, destination: '/host/usr/sbin' }] };
}

export const d08: Scenario = {
  row: 'D08',
  title: 'Write-open of /proc/<pid>/exe or of the runtime binary (runc overwrite, CVE-2019-5736)',
  rules: [RULE],
  mitre: 'T1611',
  category: 'container_escape',
  cases: [
    {
      kind: 'attack',
      name: 'the exploit loop: open every /proc/<pid>/exe for writing',
      script: 'for p in /proc/[0-9]*; do : 2> /dev/null >> "$p/exe"; done',
      expect: [{ rule: RULE, proc: 'sh', pname: 'runc', fields: { 'fd.nameraw': /^\/proc\/\d+\/exe$/, 'evt.res': 'ETXTBSY' } }],
    },
    {
      kind: 'variant',
      name: 'cd /proc/self and open ./exe',
      evasion: ['relative path'],
      script: 'cd /proc/self && : 2> /dev/null >> ./exe',
      expect: [{ rule: RULE, proc: 'sh', pname: 'runc', fields: { 'fd.name': /^\/proc\/\d+\/exe$/ } }],
    },
    {
      kind: 'variant',
      name: 'the runtime binary on a hostPath volume, opened for writing',
      evasion: ['another path'],
      pod: hostBin,
      script: ': >> /host/usr/sbin/runc',
      expect: [{ rule: RULE, proc: 'sh', pname: 'runc', fields: { 'fd.name': '/host/usr/sbin/runc', 'evt.res': 'SUCCESS' } }],
    },
    {
      kind: 'variant',
      name: 'the runtime binary through a symlink named like a cache file',
      evasion: ['symlink'],
      pod: hostBin,
      script: 'ln -s /host/usr/sbin/runc /tmp/cache.bin && attackops openat /tmp cache.bin a',
      expect: [{ rule: RULE, proc: 'attackops', fields: { 'fd.name': '/host/usr/sbin/runc', 'fd.nameraw': 'cache.bin' } }],
    },
    {
      kind: 'variant',
      name: '/proc/self/exe through a symlink (the open fails with ETXTBSY)',
      evasion: ['symlink'],
      gap: 'a failed open has no file, so fd.name is the path as passed: a symlink to /proc/<pid>/exe is not resolved when the write-open is refused',
      script: 'ln -s /proc/self/exe /tmp/self && : 2> /dev/null >> /tmp/self',
      expect: [{ rule: RULE, proc: 'sh', pname: 'runc' }],
    },
    {
      kind: 'benign',
      name: 'a pod reads its own executable and the decoy (read-only)',
      pod: hostBin,
      script: 'head -c 4 /proc/self/exe > /dev/null; readlink /proc/1/exe > /dev/null; head -c 4 /host/usr/sbin/runc > /dev/null',
    },
  ],
};
