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
      const end = glob.indexOf(']', i + 2);
      if (end < 0) {
        out += '\\[';
        continue;
      }
      let body = glob.slice(i + 1, end);
      if (body.startsWith('!')) body = '^' + body.slice(1);
      out += '[' + body.replace(/\\/g, '\\\\') + ']';
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
  return linearRegExp(globToSource(glob), '');
}
