// Which BPF object serves which kind of event. One object (and ring) per
// class, so a flood in one cannot blind another.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { EventType } from '../decode/types';

export type ObjectName = 'process' | 'file' | 'net' | 'dns' | 'syscalls';

export const OBJECT_OF: Record<EventType, ObjectName> = {
  exec: 'process',
  fork: 'process',
  exit: 'process',
  open: 'file',
  connect: 'net',
  accept: 'net',
  dns: 'dns',
  syscall: 'syscalls',
};

export const DEFAULT_RING_SIZE: Record<ObjectName, number> = {
  process: 4 * 1024 * 1024,
  file: 16 * 1024 * 1024,
  net: 4 * 1024 * 1024,
  dns: 4 * 1024 * 1024,
  syscalls: 4 * 1024 * 1024,
};

/** Directory of the compiled objects: $SENSOR_BPF_DIR, else dist/bpf. */
export function bpfDir(): string {
  const fromEnv = process.env.SENSOR_BPF_DIR;
  if (fromEnv) return fromEnv;
  return path.resolve(__dirname, '../../bpf');
}

export function objectPath(name: ObjectName, dir = bpfDir()): string {
  const p = path.join(dir, `${name}.bpf.o`);
  if (!existsSync(p)) throw new Error(`BPF object ${p} not found; build it with "npm run build" (or set SENSOR_BPF_DIR)`);
  return p;
}
