// The Falco and OCSF formats: what they emit parses back into the data that
// went in, for every string a workload could make up.
import { strict as assert } from 'node:assert';
import { formatFalco, toFalco } from '../../sensor/alerts/falco';
import { formatOcsf, OCSF_SEVERITY, toOcsf } from '../../sensor/alerts/ocsf';
import { PRODUCT } from '../../sensor/alerts/product';
import { PRIORITIES } from '../../sensor/alerts/types';
import { HOSTILE, isWellFormed, makeAlert, wellFormedExpected } from './fixture';

type Obj = Record<string, any>;

/** The line is one line of valid, well-formed JSON. */
function parseLine(line: string): Obj {
  assert.ok(!/[\n\r\u2028\u2029]/.test(line), 'the line holds a raw line break or separator');
  assert.ok(isWellFormed(line), 'the line holds a lone surrogate');
  return JSON.parse(line) as Obj;
}

describe('alerts: Falco JSON', function () {
  it('has the Falco envelope and nothing else', function () {
    const a = makeAlert();
    const o = parseLine(formatFalco(a));
    assert.deepEqual(Object.keys(o).sort(), ['hostname', 'output', 'output_fields', 'priority', 'rule', 'source', 'tags', 'time', 'uuid']);
    assert.equal(o.time, a.time);
    assert.equal(o.rule, a.rule);
    assert.equal(o.priority, 'Notice');
    assert.equal(o.source, 'syscall');
    assert.equal(o.hostname, 'node-1');
    assert.equal(o.uuid, a.uuid);
    assert.deepEqual(o.tags, a.tags);
    assert.deepEqual(o.output_fields, a.output_fields);
  });

  it('keeps field types: numbers, booleans, null, arrays, maps', function () {
    const o = parseLine(formatFalco(makeAlert()));
    assert.equal(o.output_fields['proc.pid'], 4242);
    assert.equal(o.output_fields['container.privileged'], false);
    assert.equal(o.output_fields['fd.name'], null);
    assert.deepEqual(o.output_fields['proc.args'], ['-i']);
    assert.deepEqual(o.output_fields['k8s.pod.labels'], { app: 'web', tier: 'front' });
  });

  it('carries count, first_time and last_time only on summaries', function () {
    assert.ok(!('count' in parseLine(formatFalco(makeAlert()))));
    const o = parseLine(formatFalco(makeAlert({ count: 1000, first_time: '2026-11-22T10:00:00Z', last_time: '2026-11-22T10:00:01Z' })));
    assert.equal(o.count, 1000);
    assert.equal(o.first_time, '2026-11-22T10:00:00Z');
    assert.equal(o.last_time, '2026-11-22T10:00:01Z');
  });

  for (const [name, s] of Object.entries(HOSTILE)) {
    it(`round-trips a hostile string: ${name}`, function () {
      const a = makeAlert(
        { rule: `rule ${s}`, output: `out ${s}`, hostname: s, tags: [s, 'T1611'] },
        { 'proc.cmdline': s, 'proc.args': [s, s], 'k8s.pod.labels': { [s]: s }, [`weird.${s}`]: s },
      );
      const o = parseLine(formatFalco(a));
      const want = wellFormedExpected(s);
      assert.equal(o.rule, `rule ${want}`);
      assert.equal(o.output, `out ${want}`);
      assert.equal(o.hostname, want);
      assert.deepEqual(o.tags, [want, 'T1611']);
      assert.equal(o.output_fields['proc.cmdline'], want);
      assert.deepEqual(o.output_fields['proc.args'], [want, want]);
      assert.deepEqual(o.output_fields['k8s.pod.labels'], { [want]: want });
      assert.equal(o.output_fields[`weird.${want}`], want);
      assert.deepEqual(o, JSON.parse(JSON.stringify(toFalco(a))));
      if (isWellFormed(s)) assert.equal(want, s, 'a well-formed string must come back unchanged');
    });
  }

  it('replaces lone surrogates with U+FFFD and keeps real pairs', function () {
    const o = parseLine(formatFalco(makeAlert({ output: 'x\uD800y 😀 \uDFFF' })));
    assert.equal(o.output, 'x\uFFFDy 😀 \uFFFD');
  });

  it('escapes U+2028 and U+2029 as \\u escapes', function () {
    const line = formatFalco(makeAlert({ output: 'a\u2028b\u2029c' }));
    assert.ok(line.includes('a\\u2028b\\u2029c'));
  });
});

describe('alerts: OCSF Detection Finding', function () {
  const socketFields = {
    'evt.type': 'connect',
    'fd.typechar': '4',
    'fd.name': '10.0.0.5:43512->203.0.113.9:4444',
    'fd.sip': '10.0.0.5',
    'fd.sport': 43512,
    'fd.dip': '203.0.113.9',
    'fd.dport': 4444,
  };

  it('is a Detection Finding: class, category, activity, type', function () {
    const o = parseLine(formatOcsf(makeAlert()));
    assert.equal(o.class_uid, 2004);
    assert.equal(o.category_uid, 2);
    assert.equal(o.activity_id, 1);
    assert.equal(o.type_uid, 200401);
    assert.equal(o.status_id, 1);
  });

  it('maps every priority to a severity_id', function () {
    const seen: number[] = [];
    for (const p of PRIORITIES) {
      const o = parseLine(formatOcsf(makeAlert({ priority: p })));
      assert.equal(o.severity_id, OCSF_SEVERITY[p][0]);
      assert.equal(o.severity, OCSF_SEVERITY[p][1]);
      seen.push(o.severity_id);
    }
    assert.deepEqual(seen, [6, 5, 5, 4, 3, 2, 1, 1]);
  });

  it('has finding_info, metadata, time and device', function () {
    const a = makeAlert();
    const o = parseLine(formatOcsf(a));
    assert.equal(o.time, Date.parse(a.time));
    assert.equal(o.finding_info.uid, a.uuid);
    assert.equal(o.finding_info.title, a.rule);
    assert.equal(o.finding_info.desc, a.output);
    assert.deepEqual(o.finding_info.analytic, { name: a.rule, uid: a.rule, type_id: 1, type: 'Rule' });
    assert.deepEqual(o.finding_info.types, ['container', 'shell']);
    assert.equal(o.metadata.product.name, 'kestrel-sensor');
    assert.equal(o.metadata.product.version, PRODUCT.version);
    assert.ok(o.metadata.product.vendor_name);
    assert.match(o.metadata.version, /^1\.\d+\.\d+$/);
    assert.equal(o.device.hostname, 'node-1');
  });

  it('turns technique tags into attacks, with sub-technique and tactic', function () {
    const o = parseLine(formatOcsf(makeAlert({ tags: ['T1611', 'T1565.001', 'container'] })));
    assert.deepEqual(o.finding_info.attacks, [
      { technique: { uid: 'T1611', name: 'Escape to Host' }, tactic: { uid: 'TA0004', name: 'Privilege Escalation' } },
      {
        technique: { uid: 'T1565', name: 'Data Manipulation' },
        sub_technique: { uid: 'T1565.001', name: 'Stored Data Manipulation' },
        tactic: { uid: 'TA0040', name: 'Impact' },
      },
    ]);
    const tagged = parseLine(formatOcsf(makeAlert({ tags: ['mitre_execution', 'T1059.004'] })));
    assert.deepEqual(tagged.finding_info.attacks[0].tactic, { uid: 'TA0002', name: 'Execution' });
    const unknown = parseLine(formatOcsf(makeAlert({ tags: ['T9999'] })));
    assert.deepEqual(unknown.finding_info.attacks, [{ technique: { uid: 'T9999' } }]);
  });

  it('maps process, parent, user and container fields', function () {
    const o = parseLine(formatOcsf(makeAlert()));
    assert.deepEqual(o.actor.process, {
      pid: 4242,
      tid: 4242,
      name: 'bash',
      cmd_line: 'bash -i',
      file: { path: '/usr/bin/bash', name: 'bash', type_id: 1 },
      user: { uid: '0' },
      parent_process: { pid: 4200, name: 'runc', cmd_line: 'runc init', file: { path: '/usr/bin/runc', name: 'runc', type_id: 1 } },
    });
    assert.deepEqual(o.container, {
      uid: '3f1c2e4b5d6978812345678abcdef0123456789abcdef0123456789abcdef01',
      name: 'web',
      image: { name: 'nginx:1.27' },
      runtime: 'containerd',
      pod_uuid: '1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b',
      orchestrator: 'Kubernetes',
    });
  });

  it('keeps unmapped fields under their Falco names, and only those', function () {
    const o = parseLine(formatOcsf(makeAlert()));
    assert.equal(o.unmapped['k8s.ns.name'], 'shop');
    assert.equal(o.unmapped['k8s.pod.name'], 'web-7c9d8');
    assert.deepEqual(o.unmapped['k8s.pod.labels'], { app: 'web', tier: 'front' });
    assert.equal(o.unmapped['evt.type'], 'execve');
    for (const used of ['proc.pid', 'proc.name', 'proc.cmdline', 'proc.exepath', 'user.uid', 'container.id', 'container.image']) {
      assert.ok(!(used in o.unmapped), `${used} is mapped, so not unmapped`);
    }
  });

  it('maps a file descriptor to file, a socket to endpoints', function () {
    const f = parseLine(formatOcsf(makeAlert({}, { 'fd.name': '/etc/shadow', 'fd.typechar': 'f' })));
    assert.deepEqual(f.file, { path: '/etc/shadow', name: 'shadow', type_id: 1 });
    const s = parseLine(formatOcsf(makeAlert({}, socketFields)));
    assert.equal(s.file, undefined);
    assert.deepEqual(s.src_endpoint, { ip: '10.0.0.5', port: 43512 });
    assert.deepEqual(s.dst_endpoint, { ip: '203.0.113.9', port: 4444 });
    assert.equal(s.unmapped['fd.name'], '10.0.0.5:43512->203.0.113.9:4444');
  });

  it('has no container for host processes', function () {
    const o = parseLine(formatOcsf(makeAlert({}, { 'container.id': 'host', 'container.full_id': null })));
    assert.equal(o.container, undefined);
  });

  it('puts a DNS name into evidences', function () {
    const o = parseLine(formatOcsf(makeAlert({}, { 'dns.name': 'evil.example', 'dns.qtype': 'A' })));
    assert.deepEqual(o.evidences, [{ query: { hostname: 'evil.example', type: 'A' } }]);
  });

  it('carries count and first/last seen on summaries', function () {
    const o = parseLine(
      formatOcsf(makeAlert({ count: 1000, first_time: '2026-11-22T10:00:00.000Z', last_time: '2026-11-22T10:00:01.000Z' })),
    );
    assert.equal(o.count, 1000);
    assert.equal(o.start_time, Date.parse('2026-11-22T10:00:00.000Z'));
    assert.equal(o.end_time, Date.parse('2026-11-22T10:00:01.000Z'));
    assert.equal(o.finding_info.first_seen_time, o.start_time);
    assert.equal(o.finding_info.last_seen_time, o.end_time);
    assert.equal(parseLine(formatOcsf(makeAlert())).count, undefined);
  });

  for (const [name, s] of Object.entries(HOSTILE)) {
    it(`round-trips a hostile string: ${name}`, function () {
      const a = makeAlert(
        { rule: s, output: s, hostname: s, tags: [s] },
        { 'proc.cmdline': s, 'proc.name': s, 'fd.name': `/tmp/${s}`, 'fd.typechar': 'f', 'k8s.pod.labels': { [s]: s }, 'dns.name': s },
      );
      const o = parseLine(formatOcsf(a));
      const want = wellFormedExpected(s);
      assert.equal(o.finding_info.title, want);
      assert.equal(o.finding_info.desc, want);
      assert.equal(o.message, want);
      assert.equal(o.device.hostname, want);
      assert.equal(o.actor.process.cmd_line, want);
      assert.equal(o.file.path, `/tmp/${want}`);
      assert.deepEqual(o.unmapped['k8s.pod.labels'], { [want]: want });
      assert.deepEqual(o, JSON.parse(JSON.stringify(toOcsf(a))));
    });
  }
});
