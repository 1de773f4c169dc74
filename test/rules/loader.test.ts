// What a ruleset means once loaded: overrides across files, lists in lists,
// exceptions, derived fields, output, and which rules run on which events.
import { strict as assert } from 'node:assert';
import type { Fields } from '../../sensor/decode/fields';
import { accessor } from '../../sensor/rules/derived';
import { CompiledRuleset } from '../../sensor/rules/engine';
import { loadRuleTexts, type LoadOptions } from '../../sensor/rules/loader';
import { CONTEXT_FIELDS, OUTPUT_VALUE_MAX, compileOutput, renderValue } from '../../sensor/rules/output';
import { ReferenceEngine } from '../../sensor/rules/reference';
import type { Condition, Problem, RuleSetSpec } from '../../sensor/rules/types';

/** Loads texts as files a.yaml, b.yaml, ... in that order; fails on errors. */
function load(texts: string[], opts: LoadOptions = {}): { spec: RuleSetSpec; problems: Problem[] } {
  const r = loadRuleTexts(texts.map((text, i) => ({ file: `${String.fromCharCode(97 + i)}.yaml`, text })), opts);
  assert.ok(r.spec, `did not load:\n${r.problems.map((p) => `${p.file}:${p.line}:${p.col} ${p.message}`).join('\n')}`);
  return { spec: r.spec, problems: r.problems };
}

function rule(name: string, body: string, extra = ''): string {
  return `
- rule: ${name}
  desc: ${name}.
  events: [exec, open, connect]
  condition: ${body}
  output: "${name} | proc.name=%proc.name"
  priority: WARNING
  tags: [T1059, execution]
${extra}`;
}

/** Both engines' verdicts on one event; asserts they agree. */
async function verdicts(spec: RuleSetSpec, f: Fields): Promise<string[]> {
  const a = new CompiledRuleset(spec).evaluate(f).map((r) => r.name).sort();
  const b = (await new ReferenceEngine(spec).evaluate(f)).sort();
  assert.deepEqual(a, b, `engines disagree on ${JSON.stringify(f)}`);
  return a;
}

async function fires(spec: RuleSetSpec, f: Fields, name = spec.rules[0].name): Promise<boolean> {
  return (await verdicts(spec, f)).includes(name);
}

const EXEC = (f: Fields): Fields => ({ 'evt.type': 'execve', ...f });

describe('rules: loading', function () {
  describe('lists', function () {
    it('a list item naming an earlier list is replaced by its items; a later one stays a literal', function () {
      const { spec } = load([`
- list: shells
  items: [sh, bash]
- list: interpreters
  items: [shells, python3, later]
- list: later
  items: [x]`]);
      assert.deepEqual(spec.lists.get('interpreters'), ['sh', 'bash', 'python3', 'later']);
    });

    it('duplicates collapse; a list inside another has its final items, overrides included', function () {
      const { spec } = load([`
- list: a
  items: [x, y]
- list: b
  items: [a, x, z]`, `
- list: a
  items: [w]
  override: { items: append }`]);
      // Appending to a list reaches every list that names it (as in Falco).
      assert.deepEqual(spec.lists.get('b'), ['x', 'y', 'w', 'z']);
      assert.deepEqual(spec.lists.get('a'), ['x', 'y', 'w']);
    });

    it('override append adds, replace starts again; both from another file', async function () {
      const base = `
- list: shells
  items: [sh, bash]
${rule('R', '{ fact: proc.name, operator: in, value: shells }')}`;
      const appended = load([base, `
- list: shells
  items: [zsh]
  override: { items: append }`]).spec;
      assert.deepEqual(appended.lists.get('shells'), ['sh', 'bash', 'zsh']);
      assert.equal(await fires(appended, EXEC({ 'proc.name': 'zsh' })), true);
      assert.equal(await fires(appended, EXEC({ 'proc.name': 'sh' })), true);
      const replaced = load([base, `
- list: shells
  items: [zsh]
  override: { items: replace }`]).spec;
      assert.deepEqual(replaced.lists.get('shells'), ['zsh']);
      assert.equal(await fires(replaced, EXEC({ 'proc.name': 'sh' })), false);
    });

    it('list names inside an inline array of a condition expand too', async function () {
      const { spec } = load([`
- list: shells
  items: [sh, bash]
${rule('R', '{ fact: proc.name, operator: in, value: [shells, zsh] }')}`]);
      assert.equal(await fires(spec, EXEC({ 'proc.name': 'bash' })), true);
      assert.equal(await fires(spec, EXEC({ 'proc.name': 'zsh' })), true);
      assert.equal(await fires(spec, EXEC({ 'proc.name': 'shells' })), false);
    });

    it('{list: NAME} works with any operator that takes an array', async function () {
      const { spec } = load([`
- list: tmp_dirs
  items: [/tmp, /dev/shm]
${rule('R', '{ fact: proc.exepath, operator: pathPrefix, value: { list: tmp_dirs } }')}`]);
      assert.equal(await fires(spec, EXEC({ 'proc.exepath': '/dev/shm/x' })), true);
      assert.equal(await fires(spec, EXEC({ 'proc.exepath': '/tmpx/y' })), false);
    });

    it('extra list items from the sensor (e.g. the API server address) are added after loading', async function () {
      const { spec } = load([`
- list: k8s_api_servers
  items: []
${rule('R', '{ fact: fd.dip, operator: in, value: k8s_api_servers }')}`], { extraListItems: { k8s_api_servers: ['10.96.0.1'] } });
      assert.deepEqual(spec.lists.get('k8s_api_servers'), ['10.96.0.1']);
      assert.equal(await fires(spec, { 'evt.type': 'connect', 'fd.dip': '10.96.0.1' }), true);
    });
  });

  describe('macros', function () {
    it('override replace swaps the condition every user of the macro sees', async function () {
      const base = `
- macro: user_known_shells
  condition: { fact: proc.name, operator: equal, value: never-matches }
${rule('R', '{ all: [ { fact: proc.name, operator: startsWith, value: s }, { not: { condition: user_known_shells } } ] }')}`;
      const before = load([base]).spec;
      assert.equal(await fires(before, EXEC({ 'proc.name': 'sh' })), true);
      const after = load([base, `
- macro: user_known_shells
  condition: { fact: proc.name, operator: equal, value: sh }
  override: { condition: replace }`]).spec;
      assert.equal(await fires(after, EXEC({ 'proc.name': 'sh' })), false);
      assert.equal(await fires(after, EXEC({ 'proc.name': 'ssh' })), true);
    });

    it('a replacing macro may use lists and macros declared before the replacement', async function () {
      const { spec } = load([`
- macro: tuned
  condition: { fact: proc.name, operator: equal, value: nothing }
${rule('R', '{ condition: tuned }')}`, `
- list: mine
  items: [agent]
- macro: tuned
  condition: { fact: proc.name, operator: in, value: mine }
  override: { condition: replace }`]);
      assert.equal(await fires(spec, EXEC({ 'proc.name': 'agent' })), true);
    });
  });

  describe('rule overrides', function () {
    const base = rule('Shell', '{ fact: proc.name, operator: equal, value: sh }', `  exceptions:
    - name: known
      fields: [proc.pname]
      values: [sshd]`);

    it('exceptions append: values go to the exception of the same name', async function () {
      const { spec } = load([base, `
- rule: Shell
  exceptions:
    - name: known
      values: [cron]
  override: { exceptions: append }`]);
      assert.equal(await fires(spec, EXEC({ 'proc.name': 'sh', 'proc.pname': 'sshd' })), false);
      assert.equal(await fires(spec, EXEC({ 'proc.name': 'sh', 'proc.pname': 'cron' })), false);
      assert.equal(await fires(spec, EXEC({ 'proc.name': 'sh', 'proc.pname': 'node' })), true);
    });

    it('exceptions append: a new name adds a new exception, with its own fields', async function () {
      const { spec } = load([base, `
- rule: Shell
  exceptions:
    - name: by_image
      fields: [container.image, proc.cwd]
      comps: [startsWith, pathPrefix]
      values: [[registry.example.com/tools, /work]]
  override: { exceptions: append }`]);
      const ev = { 'proc.name': 'sh', 'proc.pname': 'node', 'container.image': 'registry.example.com/tools/x:1' };
      assert.equal(await fires(spec, EXEC({ ...ev, 'proc.cwd': '/work/a' })), false);
      assert.equal(await fires(spec, EXEC({ ...ev, 'proc.cwd': '/workx' })), true);
      assert.equal(await fires(spec, EXEC({ ...ev, 'proc.pname': 'sshd', 'proc.cwd': '/' })), false, 'the first exception still holds');
    });

    it('exceptions replace drops the old ones', async function () {
      const { spec } = load([base, `
- rule: Shell
  exceptions:
    - name: other
      fields: [proc.pname]
      values: [cron]
  override: { exceptions: replace }`]);
      assert.equal(await fires(spec, EXEC({ 'proc.name': 'sh', 'proc.pname': 'sshd' })), true);
      assert.equal(await fires(spec, EXEC({ 'proc.name': 'sh', 'proc.pname': 'cron' })), false);
    });

    it('tags append and replace', function () {
      const appended = load([base, `
- rule: Shell
  tags: [mine, T1059]
  override: { tags: append }`]).spec;
      assert.deepEqual(appended.rules[0].tags, ['T1059', 'execution', 'mine']);
      const replaced = load([base, `
- rule: Shell
  tags: [T1609]
  override: { tags: replace }`]).spec;
      assert.deepEqual(replaced.rules[0].tags, ['T1609']);
    });

    it('"enabled" alone switches a rule from another file, either way', function () {
      const off = load([base, '- rule: Shell\n  enabled: false']).spec;
      assert.equal(off.rules[0].enabled, false);
      assert.equal(new CompiledRuleset(off).rules.length, 0);
      assert.equal(new CompiledRuleset(off).evaluate(EXEC({ 'proc.name': 'sh' })).length, 0);
      const on = load([rule('Quiet', '{ fact: proc.name, operator: equal, value: sh }', '  enabled: false'), '- rule: Quiet\n  enabled: true']).spec;
      assert.equal(on.rules[0].enabled, true);
    });

    it('condition, output, priority, desc and events replace', async function () {
      const { spec } = load([base, `
- rule: Shell
  desc: Changed.
  events: [open]
  condition: { fact: fd.name, operator: equal, value: /etc/shadow }
  output: "Changed | fd.name=%fd.name"
  priority: critical
  override: { desc: replace, events: replace, condition: replace, output: replace, priority: replace }`]);
      const r = spec.rules[0];
      assert.equal(r.desc, 'Changed.');
      assert.deepEqual(r.events, ['creat', 'open', 'openat', 'openat2']);
      assert.equal(r.output, 'Changed | fd.name=%fd.name');
      assert.equal(r.priority, 'Critical');
      assert.equal(await fires(spec, { 'evt.type': 'openat', 'fd.name': '/etc/shadow' }), true);
      assert.equal(await fires(spec, EXEC({ 'proc.name': 'sh' })), false);
      assert.equal(r.source.file, 'a.yaml', 'the rule stays where it was first declared');
    });
  });

  describe('exceptions', function () {
    const withExc = (exc: string): RuleSetSpec =>
      load([rule('R', '{ fact: proc.name, operator: equal, value: sh }', `  exceptions:\n${exc}`)]).spec;

    it('one field: plain values, each an alternative', async function () {
      const spec = withExc(`    - name: e
      fields: [proc.pname]
      values: [sshd, cron]`);
      assert.equal(await fires(spec, EXEC({ 'proc.name': 'sh', 'proc.pname': 'cron' })), false);
      assert.equal(await fires(spec, EXEC({ 'proc.name': 'sh', 'proc.pname': 'bash' })), true);
      assert.equal(await fires(spec, EXEC({ 'proc.name': 'sh' })), true, 'a missing field matches no value');
    });

    it('a field given as a plain string is one field', async function () {
      const spec = withExc(`    - name: e
      fields: proc.pname
      values: [sshd]`);
      assert.equal(await fires(spec, EXEC({ 'proc.name': 'sh', 'proc.pname': 'sshd' })), false);
    });

    it('tuples: every field of one tuple must match', async function () {
      const spec = withExc(`    - name: e
      fields: [proc.pname, user.uid]
      values: [[sshd, 0], [cron, 1000]]`);
      assert.equal(await fires(spec, EXEC({ 'proc.name': 'sh', 'proc.pname': 'sshd', 'user.uid': 0 })), false);
      assert.equal(await fires(spec, EXEC({ 'proc.name': 'sh', 'proc.pname': 'cron', 'user.uid': 1000 })), false);
      assert.equal(await fires(spec, EXEC({ 'proc.name': 'sh', 'proc.pname': 'sshd', 'user.uid': 1000 })), true, 'fields from two tuples do not combine');
    });

    it('comps choose the operator per field', async function () {
      const spec = withExc(`    - name: e
      fields: [proc.exepath, proc.cmdline]
      comps: [pathPrefix, contains]
      values: [[/opt/agent, --probe]]`);
      assert.equal(await fires(spec, EXEC({ 'proc.name': 'sh', 'proc.exepath': '/opt/agent/bin/sh', 'proc.cmdline': 'sh --probe x' })), false);
      assert.equal(await fires(spec, EXEC({ 'proc.name': 'sh', 'proc.exepath': '/opt/agentx/sh', 'proc.cmdline': 'sh --probe x' })), true);
    });

    it('an array in a tuple means "in" when no comp is given', async function () {
      const spec = withExc(`    - name: e
      fields: [container.image, proc.pname]
      values: [[registry/dns, [coredns, dnsmasq]]]`);
      assert.deepEqual(spec.rules[0].condition, {
        all: [
          { fact: 'proc.name', operator: 'equal', value: 'sh' },
          { not: { any: [{ all: [
            { fact: 'container.image', operator: 'equal', value: 'registry/dns' },
            { fact: 'proc.pname', operator: 'in', value: ['coredns', 'dnsmasq'] },
          ] }] } },
        ],
      } as Condition);
      assert.equal(await fires(spec, EXEC({ 'proc.name': 'sh', 'container.image': 'registry/dns', 'proc.pname': 'dnsmasq' })), false);
      assert.equal(await fires(spec, EXEC({ 'proc.name': 'sh', 'container.image': 'registry/dns', 'proc.pname': 'bind' })), true);
    });

    it('a list name as a value (comp in) expands', async function () {
      const { spec } = load([`
- list: agents
  items: [datadog-agent, falco]
${rule('R', '{ fact: proc.name, operator: equal, value: sh }', `  exceptions:
    - name: e
      fields: [proc.pname]
      comps: [in]
      values: [agents]`)}`]);
      assert.equal(await fires(spec, EXEC({ 'proc.name': 'sh', 'proc.pname': 'falco' })), false);
      assert.equal(await fires(spec, EXEC({ 'proc.name': 'sh', 'proc.pname': 'sshd' })), true);
    });

    it('an exception with no values changes nothing (the tuning hook)', function () {
      const spec = withExc(`    - name: e
      fields: [proc.pname, fd.name]
      comps: [equal, in]
      values: []`);
      assert.deepEqual(spec.rules[0].condition, { fact: 'proc.name', operator: 'equal', value: 'sh' });
    });
  });

  describe('derived fields', function () {
    const get = (name: string, f: Fields): unknown => accessor(name)(f);
    const O_WRONLY = 1, O_RDWR = 2, O_CREAT = 0o100, O_PATH = 0o10000000;

    it('evt.is_open_read from evt.flags_raw: not for write-only, not for O_PATH', function () {
      assert.equal(get('evt.is_open_read', { 'evt.flags_raw': 0 }), true);
      assert.equal(get('evt.is_open_read', { 'evt.flags_raw': O_RDWR | O_CREAT }), true);
      assert.equal(get('evt.is_open_read', { 'evt.flags_raw': O_WRONLY }), false);
      assert.equal(get('evt.is_open_read', { 'evt.flags_raw': O_WRONLY | O_CREAT }), false);
      assert.equal(get('evt.is_open_read', { 'evt.flags_raw': O_PATH }), false);
      assert.equal(get('evt.is_open_read', { 'evt.flags_raw': O_PATH | O_RDWR }), false);
      assert.equal(get('evt.is_open_read', {}), null);
      assert.equal(get('evt.is_open_read', { 'evt.flags_raw': 0, 'evt.is_open_read': false }), false, 'given directly, it wins');
    });

    it('fd.filename and fd.directory split fd.name', function () {
      assert.equal(get('fd.filename', { 'fd.name': '/etc/ssh/sshd_config' }), 'sshd_config');
      assert.equal(get('fd.directory', { 'fd.name': '/etc/ssh/sshd_config' }), '/etc/ssh');
      assert.equal(get('fd.filename', { 'fd.name': '/passwd' }), 'passwd');
      assert.equal(get('fd.directory', { 'fd.name': '/passwd' }), '/');
      assert.equal(get('fd.filename', { 'fd.name': 'relative' }), 'relative');
      assert.equal(get('fd.directory', { 'fd.name': 'relative' }), null);
      assert.equal(get('fd.filename', { 'fd.name': '' }), null);
      assert.equal(get('fd.filename', {}), null);
      assert.equal(get('fd.directory', {}), null);
    });

    it('proc.exe, proc.exe_name (resolved path first), proc.argv0_name', function () {
      const f: Fields = { 'proc.exepath': '/usr/bin/python3', 'proc.exepath_resolved': '/usr/bin/python3.11', 'proc.args': ['./py', '-c', 'x'] };
      assert.equal(get('proc.exe', f), './py');
      assert.equal(get('proc.exe_name', f), 'python3.11');
      assert.equal(get('proc.exe_name', { 'proc.exepath': '/bin/busybox', 'proc.exepath_resolved': '' }), 'busybox');
      assert.equal(get('proc.exe_name', { 'proc.exepath': '/bin/busybox' }), 'busybox');
      assert.equal(get('proc.exe_name', {}), null);
      assert.equal(get('proc.argv0_name', f), 'py');
      assert.equal(get('proc.argv0_name', { 'proc.args': ['sh'] }), 'sh');
      assert.equal(get('proc.argv0_name', { 'proc.args': [] }), null);
      assert.equal(get('proc.exe', {}), null);
    });

    it('proc.anames: the known ancestors, parent first', function () {
      assert.deepEqual(get('proc.anames', { 'proc.aname[1]': 'bash', 'proc.aname[2]': 'sshd', 'proc.aname[3]': null, 'proc.aname[4]': null, 'proc.aname[5]': null }), ['bash', 'sshd']);
      assert.deepEqual(get('proc.anames', {}), []);
    });

    it('k8s.pod.label[KEY] from k8s.pod.labels', function () {
      const f: Fields = { 'k8s.pod.labels': { app: 'web', 'app.kubernetes.io/name': 'x' } };
      assert.equal(get('k8s.pod.label[app]', f), 'web');
      assert.equal(get('k8s.pod.label[app.kubernetes.io/name]', f), 'x');
      assert.equal(get('k8s.pod.label[tier]', f), null);
      assert.equal(get('k8s.pod.label[constructor]', f), null, 'own labels only');
      assert.equal(get('k8s.pod.label[app]', { 'k8s.pod.labels': null }), null);
      assert.equal(get('k8s.pod.label[app]', {}), null);
    });

    it('derived fields in conditions: both engines derive the same', async function () {
      const { spec } = load([rule('R', `{ all: [
        { fact: evt.is_open_read, operator: equal, value: true },
        { fact: fd.directory, operator: equal, value: /root/.ssh },
        { fact: proc.anames, operator: intersects, value: [sshd] },
        { fact: "k8s.pod.label[app]", operator: equal, value: web } ] }`)]);
      const ev: Fields = {
        'evt.type': 'openat', 'evt.flags_raw': 0, 'fd.name': '/root/.ssh/id_rsa', 'proc.aname[1]': 'bash', 'proc.aname[2]': 'sshd',
        'k8s.pod.labels': { app: 'web' },
      };
      assert.equal(await fires(spec, ev), true);
      assert.equal(await fires(spec, { ...ev, 'evt.flags_raw': O_PATH }), false);
      assert.equal(await fires(spec, { ...ev, 'k8s.pod.labels': { app: 'db' } }), false);
    });
  });

  describe('output', function () {
    it('fills %fields into the sentence, <NA> for what is missing, whitespace folded', function () {
      const out = compileOutput('Shell (user=%user.uid\n  file=%fd.name) | proc.cmdline=%proc.cmdline label=%k8s.pod.label[app]');
      assert.equal(
        out.render({ 'user.uid': 0, 'proc.cmdline': 'sh -c id', 'k8s.pod.labels': { app: 'web' } }),
        'Shell (user=0 file=<NA>) | proc.cmdline=sh -c id label=web',
      );
    });

    it('escapes control characters in values (log injection) and cuts long ones', function () {
      const out = compileOutput('x | fd.name=%fd.name');
      assert.equal(out.render({ 'fd.name': '/tmp/a\nFAKE ALERT\r\t\u0000\u001b[31m\u007f\u0085\u2028' }),
        'x | fd.name=/tmp/a\\nFAKE ALERT\\r\\t\\u0000\\u001b[31m\\u007f\\u0085\\u2028');
      const long = 'a'.repeat(OUTPUT_VALUE_MAX + 50);
      const shown = out.render({ 'fd.name': long });
      assert.equal(shown, `x | fd.name=${'a'.repeat(OUTPUT_VALUE_MAX)}...`);
      assert.equal(out.fields({ 'fd.name': long })['fd.name'], long, 'output_fields keep the whole value');
    });

    it('arrays, maps, numbers, booleans', function () {
      assert.equal(renderValue(['sh', '-c', 'id']), 'sh -c id');
      assert.equal(renderValue({ app: 'web', tier: 'fe' }), 'app:web,tier:fe');
      assert.equal(renderValue(0), '0');
      assert.equal(renderValue(false), 'false');
      assert.equal(renderValue(undefined), '<NA>');
    });

    it('%text that is not a field stays as written', function () {
      assert.equal(compileOutput('100% sure | %proc.name').render({ 'proc.name': 'sh' }), '100% sure | sh');
    });

    it('output_fields: the context fields plus every field the output names, derived ones computed', function () {
      const out = compileOutput('x %fd.filename | proc.cmdline=%proc.cmdline fd.name=%fd.name');
      const fields = out.fields({ 'evt.type': 'openat', 'fd.name': '/etc/shadow', 'proc.name': 'cat' });
      assert.deepEqual(Object.keys(fields).sort(), [...new Set([...CONTEXT_FIELDS, 'fd.filename', 'proc.cmdline', 'fd.name'])].sort());
      assert.equal(fields['fd.filename'], 'shadow');
      assert.equal(fields['proc.name'], 'cat');
      assert.equal(fields['container.id'], null);
    });

    it('a rule\'s output is compiled with it', function () {
      const { spec } = load([rule('R', '{ fact: proc.name, operator: equal, value: sh }')]);
      const [hit] = new CompiledRuleset(spec).evaluate(EXEC({ 'proc.name': 'sh' }));
      assert.equal(hit.output.render(EXEC({ 'proc.name': 'sh' })), 'R | proc.name=sh');
    });
  });

  describe('the compiled ruleset', function () {
    const { spec } = load([
      rule('On exec', '{ fact: proc.name, operator: exists, value: true }').replace('[exec, open, connect]', '[exec]'),
      rule('On open', '{ fact: proc.name, operator: exists, value: true }').replace('[exec, open, connect]', '[open]'),
      rule('On openat only', '{ fact: proc.name, operator: exists, value: true }').replace('[exec, open, connect]', '[openat]'),
      rule('Off', '{ fact: proc.name, operator: exists, value: true }', '  enabled: false').replace('[exec, open, connect]', '[open, exec]'),
      rule('On syscalls', '{ fact: proc.name, operator: exists, value: true }').replace('[exec, open, connect]', '[syscall]'),
    ]);
    const rs = new CompiledRuleset(spec);

    it('runs a rule only on the evt.type values of its events', function () {
      const names = (t: string): string[] => rs.evaluate({ 'evt.type': t, 'proc.name': 'x' }).map((r) => r.name);
      assert.deepEqual(names('execve'), ['On exec']);
      assert.deepEqual(names('openat'), ['On open', 'On openat only']);
      assert.deepEqual(names('creat'), ['On open']);
      assert.deepEqual(names('renameat2'), ['On syscalls']);
      assert.deepEqual(names('mount'), ['On syscalls']);
      assert.deepEqual(names('connect'), []);
      assert.deepEqual(names('dns'), []);
      assert.deepEqual(names('no-such-type'), []);
      assert.deepEqual(rs.evaluate({ 'proc.name': 'x' }), [], 'no evt.type, no rule');
    });

    it('indexes by type: the rules for a type, the types any rule wants; disabled rules nowhere', function () {
      assert.deepEqual(rs.rulesFor('execve').map((r) => r.name), ['On exec']);
      assert.deepEqual(rs.rulesFor('connect'), []);
      assert.ok(rs.eventTypes().includes('openat2'));
      assert.ok(rs.eventTypes().includes('bpf'));
      assert.ok(!rs.eventTypes().includes('execve') || rs.rulesFor('execve').every((r) => r.name !== 'Off'));
      assert.ok(!rs.rules.some((r) => r.name === 'Off'));
    });

    it('counts how often each rule fired', function () {
      const fresh = new CompiledRuleset(spec);
      fresh.evaluate({ 'evt.type': 'execve', 'proc.name': 'x' });
      fresh.evaluate({ 'evt.type': 'execve', 'proc.name': 'x' });
      fresh.evaluate({ 'evt.type': 'execve' });
      assert.equal(fresh.rules.find((r) => r.name === 'On exec')!.fired, 2);
    });
  });

  describe('what loads with warnings only', function () {
    it('priorities in any case, INFO for Informational', function () {
      const { spec } = load([
        rule('A', '{ fact: proc.name, operator: equal, value: sh }').replace('WARNING', 'info'),
        rule('B', '{ fact: proc.name, operator: equal, value: sh }').replace('WARNING', 'Emergency'),
      ]);
      assert.deepEqual(spec.rules.map((r) => r.priority), ['Informational', 'Emergency']);
    });

    it('an empty file, a rule without a MITRE tag, an output without "|"', function () {
      const r = loadRuleTexts([
        { file: 'empty.yaml', text: '# nothing yet\n' },
        { file: 'r.yaml', text: rule('R', '{ fact: proc.name, operator: equal, value: sh }').replace('[T1059, execution]', '[execution]').replace('"R | proc.name=%proc.name"', '"R %proc.name"') },
      ]);
      assert.ok(r.spec);
      assert.deepEqual(r.problems.map((p) => [p.file, p.severity, p.message.replace(/:.*/, '')]), [
        ['empty.yaml', 'warning', 'the file is empty'],
        ['r.yaml', 'warning', 'rule "R" has no MITRE ATT&CK technique tag (e.g. T1611)'],
        ['r.yaml', 'warning', 'rule "R"'],
      ]);
    });
  });
});
