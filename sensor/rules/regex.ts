// Regular expressions from rule files can never backtrack catastrophically,
// so a hostile command line cannot stall the sensor. A pattern must be one
// V8's linear-time engine (the `l` flag) can run: patterns it cannot
// (back-references, look-arounds) are refused when the rule loads. It then
// runs on V8's usual backtracking engine, compiled to machine code and 10 to
// 70 times faster than the linear one on everyday inputs, with a budget of
// backtracks per match: past it, V8 reruns that match on the linear engine.
// Either way matching time is bounded by the input's length.
import * as v8 from 'node:v8';

/** Backtracks one match may take before V8 switches it to the linear engine. */
export const BACKTRACKS_BEFORE_LINEAR = 10_000;

let enabled = false;

function enable(): void {
  if (enabled) return;
  v8.setFlagsFromString('--enable-experimental-regexp-engine');
  v8.setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');
  v8.setFlagsFromString(`--regexp-backtracks-before-fallback=${BACKTRACKS_BEFORE_LINEAR}`);
  enabled = true;
}

/** Longest input a regex sees; the rest of a longer string is ignored. */
export const REGEX_INPUT_MAX = 65536;

export class RegexError extends Error {}

/** V8's linear engine refuses counted repetition above 16; longer counts are
 *  split into a sequence of pieces of at most 16, which matches the same. */
const MAX_PIECE = 16;
/** Largest count a pattern may ask for. */
const MAX_COUNT = 1000;

function atomEnd(p: string, i: number): number {
  const c = p[i];
  if (c === '\\') {
    const n = p[i + 1];
    if (n === 'x') return i + 4;
    if (n === 'u') return p[i + 2] === '{' ? p.indexOf('}', i) + 1 || p.length : i + 6;
    if (n === 'c') return i + 3;
    if ((n === 'p' || n === 'P') && p[i + 2] === '{') return p.indexOf('}', i) + 1 || p.length;
    return i + 2;
  }
  if (c === '[') {
    let j = i + 1;
    if (p[j] === '^') j++;
    for (; j < p.length; j++) {
      if (p[j] === '\\') j++;
      else if (p[j] === ']') return j + 1;
    }
    return p.length;
  }
  return i + 1;
}

function groupEnd(p: string, i: number): number {
  let depth = 0;
  for (let j = i; j < p.length; j++) {
    const c = p[j];
    if (c === '\\') j++;
    else if (c === '[') j = atomEnd(p, j) - 1;
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return j + 1;
  }
  return -1;
}

function repeat(atom: string, count: number, lazy: string): string {
  let out = '';
  for (let left = count; left > 0; left -= MAX_PIECE) out += `(?:${atom}){${Math.min(left, MAX_PIECE)}}${lazy}`;
  return out;
}

function optional(atom: string, count: number, lazy: string): string {
  let out = '';
  for (let left = count; left > 0; left -= MAX_PIECE) out += `(?:${atom}){0,${Math.min(left, MAX_PIECE)}}${lazy}`;
  return out;
}

/** Rewrites counted repetitions the linear engine cannot take as they are. */
export function splitCounts(p: string): string {
  let out = '';
  let i = 0;
  while (i < p.length) {
    let end: number;
    let atom: string;
    if (p[i] === '(') {
      end = groupEnd(p, i);
      if (end < 0) {
        // Unterminated: left as written, for RegExp to report.
        out += p.slice(i);
        break;
      }
      const inner = p.slice(i + 1, end - 1);
      const prefix = /^\?(?:[:=!]|<[=!]|<[A-Za-z_$][\w$]*>)/.exec(inner)?.[0] ?? '';
      atom = '(' + prefix + splitCounts(inner.slice(prefix.length)) + ')';
    } else {
      end = atomEnd(p, i);
      atom = p.slice(i, end);
    }
    const q = /^\{(\d+)(,(\d*))?\}(\??)/.exec(p.slice(end));
    if (q && !'|^$'.includes(atom)) {
      const min = Number(q[1]);
      const max = q[2] === undefined ? min : q[3] === '' ? Infinity : Number(q[3]);
      if (min > MAX_COUNT || (max !== Infinity && max > MAX_COUNT)) throw new RegexError(`repetition {${q[1]}${q[2] ?? ''}} is larger than ${MAX_COUNT}`);
      if (max !== Infinity && max < min) throw new RegexError(`repetition {${q[1]}${q[2]}} has its numbers out of order`);
      if (min > MAX_PIECE || (max !== Infinity && max > MAX_PIECE)) {
        const lazy = q[4];
        out += repeat(atom, min, lazy) + (max === Infinity ? `(?:${atom})*${lazy}` : optional(atom, max - min, lazy));
        i = end + q[0].length;
        continue;
      }
    }
    out += atom;
    i = end;
  }
  return out;
}

/**
 * Compile for linear-time matching. Flag `i` (the linear engine lacks it) is
 * done by lower-casing: the pattern outside escapes here, the input at match
 * time (see `caseless`).
 */
export function linearRegExp(pattern: string, flags: string): RegExp {
  enable();
  for (const f of flags) if (f !== 'i' && f !== 's' && f !== 'm') throw new RegexError(`unsupported regex flag "${f}" (use i, s or m)`);
  let source = splitCounts(pattern);
  if (flags.includes('i')) source = lowerOutsideEscapes(source);
  const rest = flags.replace('i', '');
  try {
    // Compiling with `l` proves the linear engine can take it (the fallback).
    new RegExp(source, rest + 'l');
    return new RegExp(source, rest);
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
