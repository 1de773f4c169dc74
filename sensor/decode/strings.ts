// Workload strings are hostile: paths and arguments may hold any bytes but
// NUL. Valid UTF-8 passes through as is; each byte of an invalid sequence
// becomes the four characters \xNN, so nothing is lost or replaced and the
// result is always a well-formed string that JSON can carry.
import { isAscii, isUtf8 } from 'node:buffer';

function hex(b: number): string {
  return '\\x' + (b < 16 ? '0' : '') + b.toString(16);
}

/** Length of the valid UTF-8 sequence at i, or 0 when it is not valid. */
function seqLen(buf: Uint8Array, i: number, end: number): number {
  const b0 = buf[i];
  if (b0 < 0x80) return 1;
  let n: number;
  let lo = 0x80;
  let hi = 0xbf;
  if (b0 >= 0xc2 && b0 <= 0xdf) n = 2;
  else if (b0 >= 0xe0 && b0 <= 0xef) {
    n = 3;
    if (b0 === 0xe0) lo = 0xa0; // overlong
    if (b0 === 0xed) hi = 0x9f; // surrogates
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    n = 4;
    if (b0 === 0xf0) lo = 0x90;
    if (b0 === 0xf4) hi = 0x8f;
  } else return 0;
  if (i + n > end) return 0;
  const b1 = buf[i + 1];
  if (b1 < lo || b1 > hi) return 0;
  for (let k = 2; k < n; k++) {
    const b = buf[i + k];
    if (b < 0x80 || b > 0xbf) return 0;
  }
  return n;
}

/** Below this length a byte loop beats isAscii()/isUtf8() (each makes a view). */
const SHORT = 256;

interface FastSlices {
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
}

/** Decode buf[start, end) without loss (see above). */
export function decodeBytes(buf: Buffer, start: number, end: number): string {
  if (end <= start) return '';
  // Buffer's own slicers skip toString()'s argument checks: most paths and
  // arguments are short ASCII, and this is the decoder's hottest line.
  const fast = buf as unknown as FastSlices;
  if (end - start < SHORT) {
    let i = start;
    while (i < end && buf[i] < 0x80) i++;
    if (i === end) return fast.latin1Slice(start, end);
  } else {
    const sub = buf.subarray(start, end);
    if (isAscii(sub)) return fast.latin1Slice(start, end);
    if (isUtf8(sub)) return fast.utf8Slice(start, end);
  }
  if (isUtf8(buf.subarray(start, end))) return fast.utf8Slice(start, end);
  let out = '';
  let run = start;
  let i = start;
  while (i < end) {
    const n = seqLen(buf, i, end);
    if (n > 0) {
      i += n;
      continue;
    }
    if (i > run) out += buf.toString('utf8', run, i);
    out += hex(buf[i]);
    i++;
    run = i;
  }
  if (i > run) out += buf.toString('utf8', run, i);
  return out;
}

/** A NUL-terminated C string inside buf[start, end). */
export function decodeCString(buf: Buffer, start: number, end: number): string {
  let z = buf.indexOf(0, start);
  if (z < 0 || z > end) z = end;
  return decodeBytes(buf, start, z);
}

/**
 * Split an argument block (each argument NUL terminated). When the block was
 * cut, the last argument is kept as far as it goes.
 */
export function splitArgs(buf: Buffer, start: number, end: number): string[] {
  const args: string[] = [];
  let i = start;
  while (i < end) {
    let z = buf.indexOf(0, i);
    if (z < 0 || z >= end) z = end;
    args.push(decodeBytes(buf, i, z));
    i = z + 1;
  }
  return args;
}

/** Neutralise control characters for a terminal (columns output). */
export function forTerminal(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => hex(c.charCodeAt(0)));
}
