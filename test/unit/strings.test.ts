import { strict as assert } from 'node:assert';
import { decodeBytes, decodeCString, forTerminal, splitArgs } from '../../sensor/decode/strings';

const b = (...parts: (string | number[])[]): Buffer =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));

describe('strings: hostile bytes from workloads', function () {
  it('passes ASCII and valid UTF-8 through unchanged', function () {
    for (const s of ['/etc/hostname', 'héllo ✓', '日本語', '𝄞 music', 'back\\slash']) {
      const buf = b(s);
      assert.equal(decodeBytes(buf, 0, buf.length), s);
    }
  });

  it('escapes each byte of an invalid sequence as \\xNN', function () {
    const cases: [Buffer, string][] = [
      [b('a', [0xff], 'b'), 'a\\xffb'],
      [b([0xc3]), '\\xc3'], // truncated 2-byte sequence
      [b([0xc0, 0xaf]), '\\xc0\\xaf'], // overlong '/'
      [b([0xe0, 0x80, 0xaf]), '\\xe0\\x80\\xaf'], // overlong
      [b([0xed, 0xa0, 0x80]), '\\xed\\xa0\\x80'], // UTF-16 surrogate
      [b([0xf4, 0x90, 0x80, 0x80]), '\\xf4\\x90\\x80\\x80'], // above U+10FFFF
      [b('é', [0x80], 'é'), 'é\\x80é'],
    ];
    for (const [buf, want] of cases) assert.equal(decodeBytes(buf, 0, buf.length), want);
  });

  it('always yields a string JSON carries and parses back unchanged', function () {
    for (let i = 0; i < 2000; i++) {
      const buf = Buffer.from(Array.from({ length: 1 + (i % 40) }, (_, k) => (i * 7919 + k * 104729) % 255 + 1));
      const s = decodeBytes(buf, 0, buf.length);
      assert.equal(JSON.parse(JSON.stringify({ s })).s, s);
      assert.ok(!/[\ud800-\udfff]/.test(s.replace(/[\ud800-\udbff][\udc00-\udfff]/g, '')), 'no lone surrogates');
    }
  });

  it('reads a C string up to its NUL', function () {
    const buf = b('comm', [0, 0x41, 0x41]);
    assert.equal(decodeCString(buf, 0, buf.length), 'comm');
    const full = b('abcdefghijklmnop');
    assert.equal(decodeCString(full, 0, 16), 'abcdefghijklmnop');
  });

  it('splits an argument block, keeping empty and cut arguments', function () {
    const buf = b('/bin/echo', [0], '', [0], 'a b', [0], 'cut');
    assert.deepEqual(splitArgs(buf, 0, buf.length), ['/bin/echo', '', 'a b', 'cut']);
    assert.deepEqual(splitArgs(buf, 0, 0), []);
  });

  it('neutralises terminal control characters', function () {
    assert.equal(forTerminal('a\x1b[31mred\nb\x7f'), 'a\\x1b[31mred\\x0ab\\x7f');
  });
});
