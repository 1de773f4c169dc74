// D06: a container opening the node's raw disk: every file of the host is a
// read away. The privileged pods get the node's disk as a device (as a
// privileged pod gets /dev) and read its first sector. Where the machine
// refuses its root disk even to root (EPERM, as here), that is an attempt,
// which counts; the spellings that need the open to succeed use a block
// device the host does let root read (zram or loop).
import * as fs from 'node:fs';
import type { Scenario, WorldView } from '../lib/types';

const RULE = 'Raw host device opened in container';

const disk = (w: WorldView): string => w.hostDisk ?? '/dev/vda';
const readable = (w: WorldView): string => w.readableBlockDevice ?? '/dev/vda';
const noDisk = (w: WorldView): string | null => (w.hostDisk ? null : 'no /dev/vda, /dev/sda, /dev/nvme0n1 or /dev/xvda on this host');
const noReadable = (w: WorldView): string | null =>
  w.readableBlockDevice ? null : 'no block device on this host that root may open for reading (the disk, zram0, loop0-7)';

/** "major minor" of a device node on the host. */
function numbers(dev: string): string {
  const r = fs.statSync(dev).rdev;
  return `${Math.floor(r / 256) & 0xfff} ${(r & 0xff) | ((r >> 12) & 0xfff00)}`;
}

export const d06: Scenario = {
  row: 'D06',
  title: 'Open of raw host devices (/dev/sd*, /dev/vd*, /dev/nvme*, /dev/xvd*, /dev/mem...) from a container',
  rules: [RULE],
  mitre: 'T1611',
  category: 'container_escape',
  cases: [
    {
      kind: 'attack',
      name: "a privileged pod reads the node's root disk",
      unavailable: noDisk,
      pod: (w) => ({ privileged: true, devices: [disk(w)] }),
      script: (w) => `head -c 512 ${disk(w)} > /dev/null`,
      expect: [{ rule: RULE, proc: 'head', fields: { 'fd.name': /^\/dev\/(vd|sd|xvd)a$|^\/dev\/nvme0n1$/ } }],
    },
    {
      kind: 'variant',
      name: 'openat(dirfd of /dev, the root disk)',
      evasion: ['dirfd'],
      unavailable: noDisk,
      pod: (w) => ({ privileged: true, devices: [disk(w)] }),
      script: (w) => `attackops openat /dev ${disk(w).slice(5)} r`,
      expect: [{ rule: RULE, proc: 'attackops', fields: { 'fd.name': /^\/dev\/(vd|sd|xvd)a$|^\/dev\/nvme0n1$/ } }],
    },
    {
      kind: 'variant',
      name: 'a block device read through a symlink in /tmp',
      evasion: ['symlink'],
      unavailable: noReadable,
      pod: (w) => ({ privileged: true, devices: [readable(w)] }),
      script: (w) => `ln -s ${readable(w)} /tmp/data.img && head -c 512 /tmp/data.img > /dev/null`,
      expect: [{ rule: RULE, proc: 'head', fields: { 'fd.name': /^\/dev\/[a-z0-9]+$/, 'fd.typechar': 'b', 'evt.res': 'SUCCESS' } }],
    },
    {
      kind: 'variant',
      name: 'a block device node made with mknod under another name',
      evasion: ['renamed binary', 'another path'],
      unavailable: noReadable,
      pod: { privileged: true },
      script: (w) => `mknod /tmp/cache b ${numbers(readable(w))} && head -c 512 /tmp/cache > /dev/null`,
      expect: [{ rule: RULE, proc: 'head', fields: { 'fd.name': '/tmp/cache', 'fd.typechar': 'b' } }],
    },
    {
      kind: 'benign',
      name: 'a pod reads /dev/null, /dev/zero and /dev/urandom',
      script: 'head -c 16 /dev/urandom > /dev/null; head -c 16 /dev/zero > /dev/null; cat /dev/null',
    },
  ],
};
