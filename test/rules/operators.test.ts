// Each operator's semantics, edges included: what it prepares from the value
// and how it tests a field, missing fields and values of the wrong kind too.
import { strict as assert } from 'node:assert';
import { addressBytes, inNetwork, parseCidr } from '../../sensor/rules/cidr';
import { CompiledRuleset } from '../../sensor/rules/engine';
import { globToSource } from '../../sensor/rules/glob';
import { OPERATORS, OperatorValueError } from '../../sensor/rules/operators';
import { ReferenceEngine } from '../../sensor/rules/reference';
import { loadRuleTexts } from '../../sensor/rules/loader';
import type { Fields } from '../../sensor/decode/fields';

/** The operator `name` with `value` prepared: a test of one field value. */
function op(name: string, value: unknown): (fact: unknown) => boolean {
  const o = OPERATORS.get(name);
  if (!o) throw new Error(`no operator ${name}`);
  const prepared = o.prepare(value);
  return (fact) => o.test(fact, prepared);
}

function prepareFails(name: string, value: unknown, msg: RegExp): void {
  assert.throws(() => OPERATORS.get(name)!.prepare(value), (e: Error) => e instanceof OperatorValueError && msg.test(e.message));
}

describe('rules: operators', function () {
  describe('equal, notEqual', function () {
    it('compare with === : no coercion between numbers, strings and booleans', function () {
      const eq = op('equal', 443);
      assert.equal(eq(443), true);
      assert.equal(eq('443'), false);
      assert.equal(op('equal', true)(1), false);
      assert.equal(op('equal', '')(''), true);
      assert.equal(op('notEqual', 'sh')('bash'), true);
      assert.equal(op('notEqual', 'sh')('sh'), false);
    });
    it('take scalars only', function () {
      prepareFails('equal', ['a'], /string, number, boolean or null/);
      prepareFails('notEqual', { a: 1 }, /string, number, boolean or null/);
    });
  });

  describe('in, notIn', function () {
    it('membership by ===', function () {
      const isIn = op('in', ['sh', 'bash', 22]);
      assert.equal(isIn('sh'), true);
      assert.equal(isIn(22), true);
      assert.equal(isIn('22'), false);
      assert.equal(isIn('zsh'), false);
      assert.equal(op('notIn', ['sh'])('zsh'), true);
      assert.equal(op('notIn', ['sh'])('sh'), false);
    });
    it('an empty list: nothing is in it', function () {
      assert.equal(op('in', [])('sh'), false);
      assert.equal(op('notIn', [])('sh'), true);
    });
    it('take an array of scalars', function () {
      prepareFails('in', 'sh', /array or the name of a list/);
      prepareFails('in', [['a']], /strings, numbers or booleans/);
    });
  });

  describe('numeric comparisons', function () {
    it('compare numbers, boundaries included or not', function () {
      assert.equal(op('lessThan', 1024)(1023), true);
      assert.equal(op('lessThan', 1024)(1024), false);
      assert.equal(op('lessThanInclusive', 1024)(1024), true);
      assert.equal(op('greaterThan', 0)(1), true);
      assert.equal(op('greaterThan', 0)(0), false);
      assert.equal(op('greaterThanInclusive', 0)(0), true);
      assert.equal(op('greaterThan', -1)(-0.5), true);
    });
    it('are false on anything that is not a number: no string coercion', function () {
      for (const name of ['lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive']) {
        const t = op(name, 5);
        for (const v of ['5', '4', '6', '', true, false, [5], NaN, null, undefined]) {
          assert.equal(t(v), false, `${name}(${JSON.stringify(v)})`);
        }
      }
    });
    it('want a number value', function () {
      prepareFails('lessThan', '5', /must be a number/);
      prepareFails('greaterThan', NaN, /must be a number/);
    });
  });

  describe('contains, doesNotContain', function () {
    it('on a string: substring; an array value means any of them', function () {
      assert.equal(op('contains', 'nc -e')('sh -c nc -e /bin/sh'), true);
      assert.equal(op('contains', ['wget', 'curl'])('curl http://x'), true);
      assert.equal(op('contains', ['wget', 'curl'])('nc'), false);
      assert.equal(op('contains', '')('anything'), true);
      assert.equal(op('doesNotContain', 'curl')('wget x'), true);
      assert.equal(op('doesNotContain', ['wget', 'curl'])('curl x'), false);
    });
    it('on an array: element, not substring of an element', function () {
      const args = ['bash', '-c', 'id'];
      assert.equal(op('contains', '-c')(args), true);
      assert.equal(op('contains', 'ba')(args), false);
      assert.equal(op('contains', ['-x', 'id'])(args), true);
      assert.equal(op('doesNotContain', '-c')(args), false);
      assert.equal(op('doesNotContain', '-i')(args), true);
      assert.equal(op('doesNotContain', '-i')([]), true);
    });
    it('on anything else, both are false', function () {
      for (const v of [null, undefined, 42, true, { a: 'b' }]) {
        assert.equal(op('contains', 'a')(v), false);
        assert.equal(op('doesNotContain', 'a')(v), false);
      }
    });
    it('want a scalar or an array of scalars; an empty array never matches', function () {
      assert.equal(op('contains', [])('abc'), false);
      assert.equal(op('contains', [])(['abc']), false);
      assert.equal(op('doesNotContain', [])('abc'), true);
      prepareFails('contains', null, /string or number/);
      prepareFails('contains', [{}], /string or number/);
    });
  });

  describe('startsWith, endsWith', function () {
    it('any of the values', function () {
      assert.equal(op('startsWith', '/tmp/')('/tmp/x'), true);
      assert.equal(op('startsWith', ['/dev/shm/', '/tmp/'])('/dev/shm/y'), true);
      assert.equal(op('startsWith', '/tmp/')('/tmpx'), false);
      assert.equal(op('endsWith', ['.sh', '.py'])('/x/run.py'), true);
      assert.equal(op('endsWith', '.sh')('/x/run.shx'), false);
    });
    it('false on non-strings, even arrays of strings', function () {
      assert.equal(op('startsWith', 'a')(['abc']), false);
      assert.equal(op('endsWith', '1')(1), false);
    });
    it('want strings', function () {
      prepareFails('startsWith', 1, /string/);
    });
    it('an empty array (an empty list) never matches', function () {
      assert.equal(op('startsWith', [])('/tmp/x'), false);
      assert.equal(op('endsWith', [])('/tmp/x'), false);
      assert.equal(op('pathPrefix', [])('/tmp/x'), false);
      assert.equal(op('glob', [])('/tmp/x'), false);
      assert.equal(op('regex', [])('/tmp/x'), false);
      assert.equal(op('cidr', [])('10.96.0.1'), false);
    });
  });

  describe('pathPrefix', function () {
    const etc = op('pathPrefix', '/etc');
    it('is segment-aware: /etc holds /etc and /etc/x, never /etcx', function () {
      assert.equal(etc('/etc'), true);
      assert.equal(etc('/etc/'), true);
      assert.equal(etc('/etc/passwd'), true);
      assert.equal(etc('/etc/ssh/sshd_config'), true);
      assert.equal(etc('/etcx'), false);
      assert.equal(etc('/etc.d/x'), false);
      assert.equal(etc('/et'), false);
      assert.equal(etc('etc/passwd'), false);
      assert.equal(etc('/usr/etc/passwd'), false);
    });
    it('a trailing slash on the prefix changes nothing', function () {
      const t = op('pathPrefix', '/etc/');
      assert.equal(t('/etc'), true);
      assert.equal(t('/etc/passwd'), true);
      assert.equal(t('/etcx'), false);
      assert.equal(op('pathPrefix', '/etc///')('/etc/x'), true);
    });
    it('the root holds every absolute path', function () {
      const root = op('pathPrefix', '/');
      assert.equal(root('/'), true);
      assert.equal(root('/anything/at/all'), true);
      assert.equal(root('relative'), false);
      assert.equal(root(''), false);
    });
    it('any of several prefixes', function () {
      const t = op('pathPrefix', ['/root/.ssh', '/home']);
      assert.equal(t('/root/.ssh/id_rsa'), true);
      assert.equal(t('/home/u/.bashrc'), true);
      assert.equal(t('/root/.sshx'), false);
    });
    it('refuses relative prefixes', function () {
      prepareFails('pathPrefix', 'etc', /must be absolute/);
      prepareFails('pathPrefix', ['/ok', ''], /must be absolute/);
    });
  });

  describe('glob', function () {
    const g = (pattern: string, s: unknown): boolean => op('glob', pattern)(s);
    it('* stays within a segment, ** crosses them, ? is one character but not /', function () {
      assert.equal(g('/etc/*.conf', '/etc/resolv.conf'), true);
      assert.equal(g('/etc/*.conf', '/etc/x/resolv.conf'), false);
      assert.equal(g('/etc/*', '/etc/'), true);
      assert.equal(g('/etc/**', '/etc/x/y/z'), true);
      assert.equal(g('/etc/**.conf', '/etc/x/y.conf'), true);
      assert.equal(g('/home/*/.ssh/**', '/home/u/.ssh/keys/id'), true);
      assert.equal(g('/home/*/.ssh/**', '/home/u/v/.ssh/id'), false);
      assert.equal(g('/tmp/?', '/tmp/a'), true);
      assert.equal(g('/tmp/?', '/tmp/ab'), false);
      assert.equal(g('/tmp?x', '/tmp/x'), false);
    });
    it('matches the whole string, not a part', function () {
      assert.equal(g('*.sh', 'run.sh'), true);
      assert.equal(g('*.sh', 'run.sh.bak'), false);
      assert.equal(g('run', 'xrunx'), false);
    });
    it('classes: [abc], ranges, [!...] and [^...] negate, a leading ] is a member', function () {
      assert.equal(g('/dev/sd[ab]', '/dev/sda'), true);
      assert.equal(g('/dev/sd[ab]', '/dev/sdc'), false);
      assert.equal(g('/dev/tty[0-9]', '/dev/tty7'), true);
      assert.equal(g('/dev/tty[!0-9]', '/dev/tty7'), false);
      assert.equal(g('/dev/tty[!0-9]', '/dev/ttyS'), true);
      assert.equal(g('/dev/tty[^0-9]', '/dev/ttyS'), true);
      assert.equal(g('x[]a]', 'x]'), true);
      assert.equal(g('x[]a]', 'xa'), true);
      assert.equal(g('x[]a]', 'xb'), false);
      assert.equal(g('x[!]a]', 'xb'), true);
      assert.equal(g('x[!]a]', 'x]'), false);
      assert.equal(g('x[.*]', 'x.'), true);
      assert.equal(g('x[.*]', 'xy'), false);
    });
    it('an unclosed [ is a literal', function () {
      assert.equal(g('a[b', 'a[b'), true);
      assert.equal(g('a[b', 'ab'), false);
    });
    it('backslash escapes *, ? and [', function () {
      assert.equal(g('a\\*', 'a*'), true);
      assert.equal(g('a\\*', 'ab'), false);
      assert.equal(g('a\\?', 'a?'), true);
      assert.equal(g('a\\?', 'ab'), false);
      assert.equal(g('a\\[b]', 'a[b]'), true);
    });
    it('regular-expression characters in a glob are literal', function () {
      const special = 'a.b+c(d)|e{1}^f$g]h';
      assert.equal(g(special, special), true);
      assert.equal(g('a.b', 'axb'), false);
      assert.equal(g('x+', 'xx'), false);
      assert.equal(g('(a|b)', 'a'), false);
      assert.equal(g('^/etc$', '/etc'), false);
      assert.equal(g('c{2}', 'cc'), false);
      assert.equal(globToSource('a.b'), '^a\\.b$');
    });
    it('** crosses newlines too: a hostile file name cannot slip past', function () {
      assert.equal(g('/tmp/**', '/tmp/a\nb'), true);
      assert.equal(g('/tmp/*', '/tmp/a\nb'), true);
      assert.equal(g('/tmp/**.sh', '/tmp/x\n/y.sh'), true);
    });
    it('any of several globs; false on non-strings', function () {
      const t = op('glob', ['/bin/*', '/usr/bin/*']);
      assert.equal(t('/usr/bin/nc'), true);
      assert.equal(t('/sbin/nc'), false);
      assert.equal(t(['/bin/sh']), false);
    });
  });

  describe('regex', function () {
    it('finds the pattern anywhere unless anchored', function () {
      assert.equal(op('regex', 'nc .*-e')('/bin/nc 1.2.3.4 -e sh'), true);
      assert.equal(op('regex', '^nc')('/bin/nc'), false);
      assert.equal(op('regex', ['^/bin/', '^/usr/bin/'])('/usr/bin/x'), true);
    });
    it('{pattern, flags: i} is case-insensitive, escapes kept', function () {
      const t = op('regex', { pattern: 'CURL\\s+.*\\|\\s*(ba)?SH', flags: 'i' });
      assert.equal(t('curl http://x | bash'), true);
      assert.equal(t('Curl   http://x|Sh'), true);
      assert.equal(t('curlhttp://x | sh'), false);
      // \S stays \S (not \s) though the rest of the pattern is lower-cased.
      assert.equal(op('regex', { pattern: 'A\\S', flags: 'i' })('a b'), false);
      assert.equal(op('regex', { pattern: 'A\\S', flags: 'i' })('aB'), true);
      assert.equal(op('regex', 'CURL')('curl'), false);
    });
    it('runs in linear time: a pathological pattern on 50,000 characters returns', function () {
      const input = 'a'.repeat(50_000);
      assert.equal(op('regex', '(a*)*b')(input), false);
      assert.equal(op('regex', '^(a|a)*$')(input), true);
      assert.equal(op('regex', '(a|aa)+c')(input), false);
      assert.equal(op('regex', { pattern: '(A+)+B', flags: 'i' })(input), false);
    });
    it('patterns that make a backtracking engine explode still return (V8 falls back to the linear engine)', function () {
      assert.equal(op('regex', '(x+x+)+y')('x'.repeat(5000)), false);
      assert.equal(op('regex', '^(\\w+\\s?)*$')('an ordinary sentence that ends badly!'.repeat(100)), false);
      assert.equal(op('regex', '(.*a){12}')('a'.repeat(40) + 'b'), true);
    });
    it('counted repetitions above 16 match exactly as written', function () {
      const t = op('regex', '^a{20}$');
      assert.equal(t('a'.repeat(20)), true);
      assert.equal(t('a'.repeat(19)), false);
      assert.equal(t('a'.repeat(21)), false);
      assert.equal(op('regex', '^(ab){2,18}$')('ab'.repeat(18)), true);
      assert.equal(op('regex', '^(ab){2,18}$')('ab'.repeat(19)), false);
      prepareFails('regex', 'a{1001}', /larger than 1000/);
    });
    it('refuses back-references, look-arounds, bad patterns and unknown flags', function () {
      prepareFails('regex', '(a)\\1', /linear time/);
      prepareFails('regex', '(?<=a)b', /linear time/);
      prepareFails('regex', 'a(?!b)', /linear time/);
      prepareFails('regex', '(', /invalid regex/);
      prepareFails('regex', '(unclosed', /invalid regex "\(unclosed"/);
      prepareFails('regex', 'a(b{20}', /invalid regex/);
      prepareFails('regex', { pattern: 'a', flags: 'g' }, /unsupported regex flag "g"/);
      prepareFails('regex', { pattern: 'a', flags: 1 }, /flags must be a string/);
      prepareFails('regex', { flags: 'i' }, /string/);
    });
    it('false on non-strings', function () {
      const t = op('regex', '.*');
      for (const v of [null, undefined, 1, ['a'], true]) assert.equal(t(v), false);
      assert.equal(t(''), true);
    });
  });

  describe('cidr', function () {
    it('IPv4: inside, outside, edges, /0 and /32', function () {
      const t = op('cidr', '10.0.0.0/8');
      assert.equal(t('10.0.0.0'), true);
      assert.equal(t('10.255.255.255'), true);
      assert.equal(t('11.0.0.0'), false);
      assert.equal(t('9.255.255.255'), false);
      assert.equal(op('cidr', '0.0.0.0/0')('203.0.113.9'), true);
      assert.equal(op('cidr', '169.254.169.254/32')('169.254.169.254'), true);
      assert.equal(op('cidr', '169.254.169.254')('169.254.169.254'), true);
      assert.equal(op('cidr', '169.254.169.254')('169.254.169.253'), false);
      assert.equal(op('cidr', '172.16.0.0/12')('172.31.255.1'), true);
      assert.equal(op('cidr', '172.16.0.0/12')('172.32.0.1'), false);
      assert.equal(op('cidr', '192.168.1.0/25')('192.168.1.127'), true);
      assert.equal(op('cidr', '192.168.1.0/25')('192.168.1.128'), false);
    });
    it('IPv6: prefixes at and off byte boundaries, compressed forms', function () {
      const t = op('cidr', 'fd00::/8');
      assert.equal(t('fd12:3456::1'), true);
      assert.equal(t('fe80::1'), false);
      assert.equal(op('cidr', '2001:db8::/32')('2001:0db8:0000:0000:0000:0000:0000:0001'), true);
      assert.equal(op('cidr', '2001:db8::/33')('2001:db8:8000::1'), false);
      assert.equal(op('cidr', '2001:db8::/33')('2001:db8:7fff::1'), true);
      assert.equal(op('cidr', '::1/128')('::1'), true);
      assert.equal(op('cidr', '::/0')('2001:db8::1'), true);
    });
    it('IPv4 and IPv6 never match each other, except v4-mapped addresses', function () {
      assert.equal(op('cidr', '::/0')('10.0.0.1'), false);
      assert.equal(op('cidr', '0.0.0.0/0')('2001:db8::1'), false);
      // A v4-mapped address is its IPv4 address.
      assert.equal(op('cidr', '10.0.0.0/8')('::ffff:10.1.2.3'), true);
      assert.equal(op('cidr', '10.0.0.0/8')('::ffff:a01:203'), true);
      assert.equal(op('cidr', '10.0.0.0/8')('::ffff:11.1.2.3'), false);
      // A v4-mapped network holds IPv4 addresses and their mapped forms.
      assert.equal(op('cidr', '::ffff:10.0.0.0/104')('10.9.9.9'), true);
      assert.equal(op('cidr', '::ffff:10.0.0.0/104')('::ffff:10.9.9.9'), true);
      assert.equal(op('cidr', '::ffff:0:0/96')('192.0.2.1'), true);
      assert.equal(op('cidr', '::ffff:10.0.0.0/104')('11.0.0.1'), false);
    });
    it('any of several networks', function () {
      const t = op('cidr', ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7']);
      assert.equal(t('192.168.3.4'), true);
      assert.equal(t('fd00::5'), true);
      assert.equal(t('8.8.8.8'), false);
    });
    it('false on what is not an address', function () {
      const t = op('cidr', '0.0.0.0/0');
      for (const v of ['', 'localhost', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1.2.3.4/8', ' 1.2.3.4', null, undefined, 16909060, ['1.2.3.4']]) {
        assert.equal(t(v), false, JSON.stringify(v));
      }
    });
    it('networks are checked at load', function () {
      prepareFails('cidr', '10.0.0.0/33', /prefix length must be 0-32/);
      prepareFails('cidr', '10.0.0.0/', /prefix length/);
      prepareFails('cidr', '10.0.0.0/8x', /prefix length/);
      prepareFails('cidr', '10.0.0/8', /not an IPv4 or IPv6 network/);
      prepareFails('cidr', 'fd00::/129', /0-128/);
      prepareFails('cidr', 'example.com/8', /not an IPv4 or IPv6/);
      assert.deepEqual([...parseCidr('10.1.2.3/8').bytes], [10, 1, 2, 3]);
      assert.equal(inNetwork(addressBytes('10.200.0.1')!, parseCidr('10.1.2.3/8')), true, 'host bits in the network are ignored');
    });
  });

  describe('exists', function () {
    it('true: the field is there, whatever its value; false: it is null or absent', function () {
      const has = op('exists', true);
      const hasNot = op('exists', false);
      for (const v of ['', 0, false, [], {}, 'x']) {
        assert.equal(has(v), true, JSON.stringify(v));
        assert.equal(hasNot(v), false);
      }
      for (const v of [null, undefined]) {
        assert.equal(has(v), false);
        assert.equal(hasNot(v), true);
      }
      prepareFails('exists', 'true', /true or false/);
    });
  });

  describe('intersects', function () {
    it('an array field shares an element with the values', function () {
      const t = op('intersects', ['sshd', 'sudo']);
      assert.equal(t(['bash', 'sudo', 'systemd']), true);
      assert.equal(t(['bash']), false);
      assert.equal(t([]), false);
      assert.equal(t('sudo'), false, 'a string is not an array');
      assert.equal(op('intersects', [])(['a']), false);
    });
  });

  describe('a missing field (null or undefined)', function () {
    // What each operator says about a field the event does not have. The
    // negative ones that hold are the documented trap (docs/rules.md):
    // notEqual and notIn; doesNotContain and exists:false are the others.
    const cases: [string, unknown, boolean][] = [
      ['equal', 'x', false],
      ['notEqual', 'x', true],
      ['in', ['x'], false],
      ['notIn', ['x'], true],
      ['lessThan', 1, false],
      ['lessThanInclusive', 1, false],
      ['greaterThan', -1, false],
      ['greaterThanInclusive', -1, false],
      ['contains', 'x', false],
      ['doesNotContain', 'x', false],
      ['startsWith', 'x', false],
      ['endsWith', 'x', false],
      ['pathPrefix', '/', false],
      ['glob', '**', false],
      ['regex', '.*', false],
      ['cidr', '0.0.0.0/0', false],
      ['exists', true, false],
      ['intersects', ['x'], false],
    ];
    it('covers every operator', function () {
      assert.deepEqual(cases.map((c) => c[0]).sort(), [...OPERATORS.keys()].sort());
    });
    for (const [name, value, want] of cases) {
      it(`${name} is ${want}`, function () {
        const t = op(name, value);
        assert.equal(t(null), want, 'null');
        assert.equal(t(undefined), want, 'undefined');
      });
    }
    it('the compiled engine and json-rules-engine agree on it, for every operator', async function () {
      const rules = cases.map(([name, value], i) => `
- rule: r${i} ${name}
  desc: d
  events: [open]
  condition: { fact: ${name === 'intersects' ? 'proc.anames' : name.includes('Than') ? 'fd.dport' : 'fd.name'}, operator: ${name}, value: ${JSON.stringify(value)} }
  output: "o | fd.name=%fd.name"
  priority: INFO
  tags: [T1000]`).join('\n');
      const { spec, problems } = loadRuleTexts([{ file: 'missing.yaml', text: rules }]);
      assert.ok(spec, JSON.stringify(problems));
      const compiled = new CompiledRuleset(spec);
      const reference = new ReferenceEngine(spec);
      const ev: Fields = { 'evt.type': 'openat' };
      const a = compiled.evaluate(ev).map((r) => r.name).sort();
      const b = (await reference.evaluate(ev)).sort();
      assert.deepEqual(a, b);
      const want = cases.flatMap(([name, , w], i) => (w ? [`r${i} ${name}`] : [])).sort();
      assert.deepEqual(a, want);
    });
  });

  describe('a value that names another field ({fact: FIELD})', function () {
    const load = (cond: string): CompiledRuleset => {
      const { spec, problems } = loadRuleTexts([{ file: 'f.yaml', text: `
- rule: r
  desc: d
  events: [connect]
  condition: ${cond}
  output: "o | fd.name=%fd.name"
  priority: INFO
  tags: [T1000]` }]);
      assert.ok(spec, JSON.stringify(problems));
      return new CompiledRuleset(spec);
    };
    const fires = (rs: CompiledRuleset, f: Fields): boolean => rs.evaluate({ 'evt.type': 'connect', ...f }).length > 0;
    it('compares with that field of the same event', function () {
      const rs = load('{ fact: fd.sip, operator: equal, value: { fact: fd.dip } }');
      assert.equal(fires(rs, { 'fd.sip': '10.0.0.1', 'fd.dip': '10.0.0.1' }), true);
      assert.equal(fires(rs, { 'fd.sip': '10.0.0.1', 'fd.dip': '10.0.0.2' }), false);
      const lt = load('{ fact: fd.sport, operator: lessThan, value: { fact: fd.dport } }');
      assert.equal(fires(lt, { 'fd.sport': 80, 'fd.dport': 443 }), true);
      assert.equal(fires(lt, { 'fd.sport': 8080, 'fd.dport': 443 }), false);
    });
    it('a missing or unusable other field makes the condition false, never throws', async function () {
      const rs = load('{ fact: fd.name, operator: startsWith, value: { fact: proc.cwd } }');
      assert.equal(fires(rs, { 'fd.name': '/x/y', 'proc.cwd': '/x' }), true);
      assert.equal(fires(rs, { 'fd.name': '/x/y' }), false);
      assert.equal(fires(rs, { 'fd.name': '/x/y', 'proc.cwd': 7 as never }), false);
      const reference = new ReferenceEngine(rs.spec);
      assert.deepEqual(await reference.evaluate({ 'evt.type': 'connect', 'fd.name': '/x/y' }), []);
    });
  });
});
