// Every detection row, performed for real against `sensor run` with the
// default rules: one scenario per row (scenarios/), each with its attack,
// evasive variants and a benign twin, each case in a runc pod of its own.
// One world (image, network, API server, sensor) serves the whole suite;
// docs/coverage.md is written from the results, also when the run fails.
import * as path from 'node:path';
import { Coverage } from './lib/coverage';
import type { Case, Scenario } from './lib/types';
import { World, worldUnavailable, type CaseOutcome } from './lib/world';
import { describeAlert } from './lib/check';
import { SCENARIOS } from './scenarios';
import { ROOT, bpfUnavailable, requireBpf } from '../support';

const COVERAGE_FILE = path.join(ROOT, 'docs/coverage.md');
/** KT_ATTACKS_ROWS=D01,D15 runs only those rows (the others show as not run). */
const ONLY = process.env.KT_ATTACKS_ROWS?.split(',').map((r) => r.trim().toUpperCase());
const RUN = ONLY ? SCENARIOS.filter((sc) => ONLY.includes(sc.row)) : SCENARIOS;

describe('attack scenarios: every detection row against sensor run', function () {
  this.timeout(120000);
  const coverage = new Coverage(SCENARIOS);
  let world: World | undefined;
  let setupError: string | undefined;

  before(async function () {
    this.timeout(180000);
    const noBpf = bpfUnavailable();
    if (noBpf) for (const sc of SCENARIOS) coverage.settle(sc, 'skip', noBpf);
    requireBpf(this);
    const why = worldUnavailable();
    if (why) {
      if (process.env.CI) throw new Error(`attack scenarios need ${why} (CI is set, so this fails)`);
      process.stderr.write(`\n!!! SKIPPING attack scenarios: ${why}\n\n`);
      for (const sc of SCENARIOS) coverage.settle(sc, 'skip', why);
      this.skip();
    }
    try {
      const t0 = Date.now();
      world = await World.start(RUN, { log: (m) => process.env.KT_ATTACKS_DEBUG && process.stderr.write(`[${Date.now() - t0} ms] ${m}\n`) });
      if (process.env.KT_ATTACKS_DEBUG) process.stderr.write(`[${Date.now() - t0} ms] ready\n`);
    } catch (err) {
      setupError = (err as Error).message;
      throw err;
    }
  });

  after(async function () {
    this.timeout(60000);
    for (const sc of SCENARIOS) coverage.settle(sc, 'not run', setupError ? `the suite's set-up failed: ${setupError.split('\n')[0]}` : 'not run: filtered out, or the run stopped before it');
    try {
      await world?.stop();
    } finally {
      coverage.write(COVERAGE_FILE);
    }
  });

  for (const sc of RUN) scenario(sc);

  function scenario(sc: Scenario): void {
    describe(`${sc.row}: ${sc.title}`, function () {
      let results: Map<Case, CaseOutcome> | undefined;

      before(async function () {
        if (!world) this.skip();
        const t0 = Date.now();
        results = await world!.runScenario(sc);
        if (process.env.KT_ATTACKS_DEBUG) process.stderr.write(`${sc.row}: ${Date.now() - t0} ms\n`);
        for (const [c, r] of results) coverage.set(c, r.status, r.reason);
        if (process.env.KT_ATTACKS_DEBUG) {
          for (const [c, r] of results) {
            process.stderr.write(`--- ${sc.row} ${c.name}: ${r.status} ${r.reason ?? ''}\n  ${r.alerts.map(describeAlert).join('\n  ')}\n`);
            if (process.env.KT_ATTACKS_DEBUG === '2') process.stderr.write(`  output:\n${r.output}\n`);
          }
        }
        const skipped = [...results.values()].find((r) => r.status === 'skip' && sc.unavailable?.(world!));
        if (skipped) process.stderr.write(`\n!!! ${sc.row} NOT OBSERVABLE HERE, SKIPPED: ${skipped.reason}\n\n`);
      });

      for (const c of sc.cases) {
        const label = c.kind === 'attack' ? `attack: ${c.name}` : c.kind === 'variant' ? `evasive variant (${c.evasion?.join(', ')}): ${c.name}` : `benign twin stays silent: ${c.name}`;
        it(label, function () {
          const r = results?.get(c);
          if (!r) throw new Error('the scenario did not run');
          if (r.status === 'gap') {
            process.stderr.write(`\n    (${sc.row} ${c.name}: ${r.reason})\n`);
            this.skip();
          }
          if (r.status === 'skip') {
            process.stderr.write(`\n!!! ${sc.row} ${c.name}: SKIPPED: ${r.reason}\n`);
            this.skip();
          }
          if (r.status === 'fail') {
            const seen = r.alerts.map(describeAlert).join('\n  ') || 'none';
            throw new Error(`${r.reason}\n  alerts of this pod:\n  ${seen}\n  its output:\n${r.output.trim().split('\n').slice(-15).map((l) => '    ' + l).join('\n')}`);
          }
        });
      }
    });
  }
});
