// How the engine reads a field from an event: plain fields as they are,
// derived fields computed from the others when the event does not carry them
// (fixtures may give a derived field directly). Missing fields read as null.
import type { Fields } from '../decode/fields';
import { LABEL_FIELD } from './catalog';

export type Accessor = (f: Fields) => unknown;

const O_ACCMODE = 3;
const O_WRONLY = 1;
const O_PATH = 0o10000000;

function basename(p: unknown): string | null {
  if (typeof p !== 'string' || p === '') return null;
  const i = p.lastIndexOf('/');
  return i < 0 ? p : p.slice(i + 1);
}

function argv0(f: Fields): string | null {
  const a = f['proc.args'];
  return Array.isArray(a) && typeof a[0] === 'string' ? a[0] : null;
}

const DERIVE: Record<string, (f: Fields) => unknown> = {
  'evt.is_open_read': (f) => {
    const flags = f['evt.flags_raw'];
    if (typeof flags !== 'number') return null;
    return (flags & O_PATH) === 0 && (flags & O_ACCMODE) !== O_WRONLY;
  },
  'fd.filename': (f) => basename(f['fd.name']),
  'fd.directory': (f) => {
    const p = f['fd.name'];
    if (typeof p !== 'string' || p === '') return null;
    const i = p.lastIndexOf('/');
    return i < 0 ? null : i === 0 ? '/' : p.slice(0, i);
  },
  'proc.exe': argv0,
  'proc.exe_name': (f) => basename(f['proc.exepath_resolved'] || f['proc.exepath']),
  'proc.argv0_name': (f) => basename(argv0(f)),
  'proc.anames': (f) => {
    const out: string[] = [];
    for (const k of ANAME_KEYS) {
      const v = f[k];
      if (typeof v === 'string') out.push(v);
    }
    return out;
  },
};

// Real events carry proc.container_anames (context-fields.ts); a fixture
// without it means every ancestor it lists is in the container.
DERIVE['proc.container_anames'] = DERIVE['proc.anames'];

const ANAME_KEYS = ['proc.aname[1]', 'proc.aname[2]', 'proc.aname[3]', 'proc.aname[4]', 'proc.aname[5]'];

export function accessor(name: string): Accessor {
  const derive = DERIVE[name];
  if (derive) {
    return (f) => {
      const v = f[name];
      return v === undefined ? derive(f) : v;
    };
  }
  const label = LABEL_FIELD.exec(name);
  if (label) {
    const key = label[1];
    return (f) => {
      const v = f[name];
      if (v !== undefined) return v;
      const labels = f['k8s.pod.labels'] as Record<string, string> | null | undefined;
      return labels && Object.prototype.hasOwnProperty.call(labels, key) ? labels[key] : null;
    };
  }
  return (f) => {
    const v = f[name];
    return v === undefined ? null : v;
  };
}
