import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { parseTraceArgs } from '../../sensor/cli/trace';
import { UsageError } from '../../sensor/cli/usage';
import { SENSOR } from '../support';

describe('cli: sensor trace arguments', function () {
  it('parses gadgets, output and filters', function () {
    const o = parseTraceArgs(['exec,open', '-o', 'json', '--comm', 'cat', '--pid', '42', '--timeout', '1.5']);
    assert.deepEqual(o.types, ['exec', 'open']);
    assert.equal(o.output, 'json');
    assert.deepEqual(o.filter, { comm: 'cat', pid: 42, namespace: undefined, pod: undefined, container: undefined });
    assert.equal(o.timeoutS, 1.5);
    assert.deepEqual(parseTraceArgs(['all']).types, ['exec', 'fork', 'exit', 'open', 'connect', 'accept', 'dns', 'syscall']);
  });

  it('rejects mistakes with a message that says what to change', function () {
    assert.throws(() => parseTraceArgs([]), /at least one gadget/);
    assert.throws(() => parseTraceArgs(['exce']), (e: Error) => e instanceof UsageError && /unknown gadget "exce"/.test(e.message));
    assert.throws(() => parseTraceArgs(['exec', '-o', 'yaml']), /columns or json/);
    assert.throws(() => parseTraceArgs(['exec', '--pid', '12x']), /whole number/);
    assert.throws(() => parseTraceArgs(['exec', '--timeout', '0']), /positive/);
    assert.throws(() => parseTraceArgs(['exec', '--bogus']));
  });

  it('exits 2 with usage on a bad command line, without loading BPF', function () {
    const r = spawnSync(process.execPath, [SENSOR, 'trace', 'nope'], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /unknown gadget "nope"/);
    assert.match(r.stderr, /usage: sensor/);
    const u = spawnSync(process.execPath, [SENSOR, 'frobnicate'], { encoding: 'utf8' });
    assert.equal(u.status, 2);
  });
});
