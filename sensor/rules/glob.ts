// Shell-style globs compiled to linear-time regular expressions: `*` within a
// path segment, `**` across segments, `?`, `[abc]`, `[!a-z]`.
import { linearRegExp } from './regex';

const SPECIAL = /[\\^$.|+(){}]/;

export function globToSource(glob: string): string {
  let out = '^';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') {
      if (glob[i + 1] === '*') {
        out += '.*';
        i++;
      } else {
        out += '[^/]*';
      }
    } else if (c === '?') {
      out += '[^/]';
    } else if (c === '[') {
      // `!` (or `^`) first negates; a `]` right after that is a member.
      let j = i + 1;
      const negate = glob[j] === '!' || glob[j] === '^';
      if (negate) j++;
      const end = glob.indexOf(']', glob[j] === ']' ? j + 1 : j);
      if (end < 0) {
        out += '\\[';
        continue;
      }
      out += '[' + (negate ? '^' : '') + glob.slice(j, end).replace(/[\\\]\[^]/g, '\\$&') + ']';
      i = end;
    } else if (c === '\\' && i + 1 < glob.length) {
      i++;
      out += SPECIAL.test(glob[i]) || glob[i] === '[' || glob[i] === '*' || glob[i] === '?' ? '\\' + glob[i] : glob[i];
    } else {
      out += SPECIAL.test(c) || c === ']' ? '\\' + c : c;
    }
  }
  return out + '$';
}

export function compileGlob(glob: string): RegExp {
  // dotAll: `**` must cross a newline in a hostile file name too.
  return linearRegExp(globToSource(glob), 's');
}
