// Regular expressions from rule files run on V8's linear-time engine (the
// `l` flag): matching time grows with the input, never exponentially, so a
// hostile command line cannot stall the sensor. Patterns it cannot run
// (back-references, look-arounds) are refused when the rule loads.
import * as v8 from 'node:v8';

let enabled = false;

function enable(): void {
  if (enabled) return;
  v8.setFlagsFromString('--enable-experimental-regexp-engine');
  enabled = true;
}

/** Longest input a regex sees; the rest of a longer string is ignored. */
export const REGEX_INPUT_MAX = 65536;

export class RegexError extends Error {}

/**
 * Compile for linear-time matching. Flag `i` (the linear engine lacks it) is
 * done by lower-casing: the pattern outside escapes here, the input at match
 * time (see `caseless`).
 */
export function linearRegExp(pattern: string, flags: string): RegExp {
  enable();
  for (const f of flags) if (f !== 'i' && f !== 's' && f !== 'm') throw new RegexError(`unsupported regex flag "${f}" (use i, s or m)`);
  let source = pattern;
  if (flags.includes('i')) source = lowerOutsideEscapes(pattern);
  const rest = flags.replace('i', '');
  try {
    return new RegExp(source, rest + 'l');
  } catch (err) {
    const msg = (err as Error).message;
    if (/linear time/.test(msg)) {
      throw new RegexError(`regex ${JSON.stringify(pattern)} cannot run in linear time (back-references and look-arounds are not allowed)`);
    }
    throw new RegexError(`invalid regex ${JSON.stringify(pattern)}: ${msg.replace(/^Invalid regular expression: /, '')}`);
  }
}

function lowerOutsideEscapes(p: string): string {
  let out = '';
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '\\' && i + 1 < p.length) {
      out += p[i] + p[i + 1];
      i++;
    } else {
      out += p[i].toLowerCase();
    }
  }
  return out;
}
