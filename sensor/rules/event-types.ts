// The `events` of a rule: evt.type values, or classes that stand for several.
import { OpenSyscall, SYSCALL_NAMES } from '../decode/layout';

const SYSCALLS = SYSCALL_NAMES.filter((n) => n !== '');

export const EVENT_CLASSES: Readonly<Record<string, readonly string[]>> = {
  exec: ['execve'],
  fork: ['clone'],
  exit: ['procexit'],
  open: Object.values(OpenSyscall),
  connect: ['connect'],
  accept: ['accept'],
  dns: ['dns'],
  rename: ['rename', 'renameat', 'renameat2'],
  link: ['link', 'linkat', 'symlink', 'symlinkat'],
  unlink: ['unlink', 'unlinkat'],
  chmod: ['chmod', 'fchmod', 'fchmodat', 'fchmodat2'],
  module: ['init_module', 'finit_module'],
  dup: ['dup2', 'dup3'],
  syscall: SYSCALLS,
};

/** Every evt.type the sensor produces. */
export const EVT_TYPES: readonly string[] = [
  ...new Set([...Object.values(EVENT_CLASSES).flat()]),
].sort();

const EVT_TYPE_SET = new Set(EVT_TYPES);

/** The evt.type values an `events` entry names, or null when it names none. */
export function expandEventType(name: string): readonly string[] | null {
  if (Object.prototype.hasOwnProperty.call(EVENT_CLASSES, name)) return EVENT_CLASSES[name];
  return EVT_TYPE_SET.has(name) ? [name] : null;
}

export const EVENT_NAMES: readonly string[] = [...Object.keys(EVENT_CLASSES), ...EVT_TYPES];
