// The interest set in words, for `sensor rules interest`: what a read-only
// open must show to leave the kernel, and which rules let every one through.
import { errnoName } from '../decode/names';
import { ERRNO_MAX, TYPE_OF_CHAR, type InterestSet } from './interest';

const CHAR_OF_TYPE = new Map(Object.entries(TYPE_OF_CHAR).map(([c, t]) => [t, c]));

function list(xs: readonly string[]): string {
  return xs.length ? [...xs].sort().map((x) => JSON.stringify(x)).join(', ') : '(none)';
}

/** `entries`: the kernel map entries the set takes; `notes`: where it was widened to fit. */
export function describeInterest(set: InterestSet, entries: number, notes: readonly string[]): string {
  const out: string[] = [];
  const r = set.read;
  if (!r) {
    out.push('Successful read-only opens: every one leaves the kernel.');
  } else {
    out.push('Successful read-only opens leave the kernel when one of these holds (any other is kept back and counted):');
    out.push(`  the file is named:            ${list(r.final)}`);
    out.push(`  its directory is named:       ${list(r.parent)}`);
    out.push(`  a name on its path is:        ${list(r.ancestor)}`);
    out.push(`  its name ends with:           ${list(r.suffix)}`);
    out.push(`  the path as given ends with:  ${list(r.raw)}`);
    out.push(`  its file type is:             ${r.types.length ? r.types.map((t) => CHAR_OF_TYPE.get(t) ?? `mode ${t}`).join(', ') : '(none)'}`);
  }
  const f = set.failed;
  const errnos = (xs: number[]): string => {
    if (!xs.length) return '(none)';
    if (xs.length <= ERRNO_MAX / 2) return xs.map((e) => errnoName(e)).join(', ');
    const have = new Set(xs);
    const rest: number[] = [];
    for (let e = 1; e <= ERRNO_MAX; e++) if (!have.has(e)) rest.push(e);
    return rest.length ? `every errno but ${rest.map((e) => errnoName(e)).join(', ')}` : 'every errno';
  };
  out.push('Failed read-only opens:');
  out.push(`  leave the kernel for errno:   ${errnos(f.pass)}`);
  out.push(`  judged by the path given for: ${errnos(f.judge)}${f.judge.length ? ` (ends with ${list(f.raw)})` : ''}`);
  out.push('  any other errno is kept back.');
  out.push('Writes (O_WRONLY, O_RDWR, O_CREAT, O_TRUNC, creat) and openat2 always leave the kernel.');
  if (set.unbounded.length) {
    out.push('Rules that match read-only opens of any file, so every one leaves the kernel (see docs/rules.md, "What the kernel filters"):');
    for (const n of set.unbounded) out.push(`  ${JSON.stringify(n)}`);
  } else {
    out.push('No rule makes every read-only open leave the kernel.');
  }
  out.push(`Kernel map entries: ${entries}.`);
  for (const n of notes) out.push(`Widened: ${n}`);
  return out.join('\n') + '\n';
}
