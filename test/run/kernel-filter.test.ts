// The interest set end to end through `sensor run`: with the default rules an
// open of a file no rule watches stays in the kernel and is counted as
// filtered (not dropped); a reload that adds a rule on that file lets its
// opens through and the rule fires; --kernel-filter=false traces every open.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { helper, requireBpf, run } from '../support';
import { startSensor, type RunningSensor } from '../sensor-run';
import { freePort, scrape, sum, value, type Sample } from './prom';

const LOOP = 3000;

function probeRule(file: string): string {
  return `- rule: Probe file read
  desc: a test rule on one file's reads
  events: [open, openat]
  condition:
    all:
      - { fact: fd.name, operator: equal, value: ${JSON.stringify(file)} }
      - { fact: evt.is_open_read, operator: equal, value: true }
  output: probe read (file=%fd.name) | fd.name=%fd.name
  priority: NOTICE
  tags: [T1005, test]
`;
}

const filtered = (m: Sample[]): number => value(m, 'kestrel_kernel_filtered_total', { ring: 'file', reason: 'open_read' }) ?? 0;
const opens = (m: Sample[]): number => sum(m, 'kestrel_events_total', { type: 'openat' }) + sum(m, 'kestrel_events_total', { type: 'open' });

describe('sensor run: opens no rule can match stay in the kernel', function () {
  this.timeout(120_000);
  let tmp: string;
  let probe: string;
  let rulesDir: string;
  let sensor: RunningSensor | null = null;

  before(function () {
    requireBpf(this);
  });

  beforeEach(function () {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-filter-'));
    probe = path.join(tmp, 'probe.dat');
    fs.writeFileSync(probe, 'x');
    rulesDir = path.join(tmp, 'rules');
    fs.mkdirSync(rulesDir);
  });

  afterEach(async function () {
    if (sensor) await sensor.stop('SIGKILL', 0);
    sensor = null;
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** Scrape until `ok` holds or 5 s pass: kernel counters are read about once a second. */
  async function scrapeUntil(port: number, ok: (m: Sample[]) => boolean): Promise<Sample[]> {
    let m = await scrape(port);
    for (let i = 0; i < 20 && !ok(m); i++) {
      await new Promise((r) => setTimeout(r, 250));
      m = await scrape(port);
    }
    return m;
  }

  async function loop(n: number): Promise<void> {
    const r = await run(helper('fileops'), ['loop', String(n), probe]);
    assert.equal(r.status, 0, `fileops exit ${r.status}`);
  }

  it('counts an unwatched file\'s opens as filtered, and lets them through once a reload adds a rule on it', async function () {
    const port = await freePort();
    sensor = await startSensor(['--no-k8s', '--no-reload', '--metrics-addr', `127.0.0.1:${port}`, '--rules', rulesDir]);
    const m0 = await scrape(port);
    await loop(LOOP);
    const m1 = await scrapeUntil(port, (m) => filtered(m) - filtered(m0) >= LOOP);
    assert.ok(filtered(m1) - filtered(m0) >= LOOP, `filtered grew by ${filtered(m1) - filtered(m0)}`);
    assert.equal(sum(m1, 'kestrel_kernel_drops_total'), 0, 'filtered opens are not drops');
    assert.equal(sensor.alerts().filter((a) => a.rule === 'Sensor dropped kernel events').length, 0);

    fs.writeFileSync(path.join(rulesDir, 'probe.yaml'), probeRule(probe));
    const mark = sensor.logs().length;
    sensor.child.kill('SIGHUP');
    await sensor.waitFor(() => sensor!.logs().slice(mark).find((l) => l.msg === 'rules reloaded'), 10_000, 'the reload');
    const m2 = await scrape(port);
    await loop(100);
    const alert = await sensor.waitFor(() => sensor!.alerts().find((a) => a.rule === 'Probe file read'), 10_000, 'the probe rule firing');
    assert.equal(alert.output_fields['fd.name'], probe);
    const m3 = await scrapeUntil(port, (m) => opens(m) - opens(m2) >= 100);
    assert.ok(opens(m3) - opens(m2) >= 100, `open events grew by ${opens(m3) - opens(m2)}`);
  });

  it('--kernel-filter=false: every open reaches user space and nothing is counted as filtered', async function () {
    const port = await freePort();
    sensor = await startSensor(['--no-k8s', '--kernel-filter=false', '--metrics-addr', `127.0.0.1:${port}`]);
    const m0 = await scrape(port);
    await loop(LOOP);
    // The reader may still hold the tail of the loop: wait for it.
    const m1 = await scrapeUntil(port, (m) => opens(m) - opens(m0) >= LOOP);
    assert.ok(opens(m1) - opens(m0) >= LOOP, `open events grew by ${opens(m1) - opens(m0)}`);
    assert.equal(filtered(m1) - filtered(m0), 0);
  });
});
