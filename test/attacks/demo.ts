// `npm run demo`: a new user's first five minutes. Starts `sensor run` with
// the default rules, performs a handful of real attacks in throwaway runc
// containers (each with its pod served by a local Kubernetes API server), and
// prints the alerts the sensor raised for each. Everything it makes is
// removed on exit, Ctrl-C included.
//
//   node dist/test/attacks/demo.js [--json] [ROW...]    e.g. D15 D18
import { bpfUnavailable } from '../support';
import type { AlertLine } from '../sensor-run';
import { World, worldUnavailable } from './lib/world';
import type { Scenario } from './lib/types';
import { SCENARIOS } from './scenarios';

/** The rows shown by default, and what to say about each. */
const TOUR: { row: string; story: string }[] = [
  { row: 'D15', story: 'DNS tampering: a pod rewrites its /etc/resolv.conf to send lookups to the attacker.' },
  { row: 'D18', story: 'A reverse shell: netcat connects out and hands the attacker a shell (the "attacker" types `echo ...; exit`).' },
  { row: 'D14', story: 'A cryptominer: it resolves a mining pool, connects to its stratum port and logs in. One process, four rules.' },
  { row: 'D23', story: "Credential theft: a shell reads the pod's Kubernetes service-account token." },
  { row: 'D01', story: 'A container escape: a privileged pod arms a cgroup release_agent, which the kernel would run as root on the node.' },
];

const tty = process.stdout.isTTY === true;
const paint = (code: string, s: string): string => (tty ? `\x1b[${code}m${s}\x1b[0m` : s);
const bold = (s: string): string => paint('1', s);
const dim = (s: string): string => paint('2', s);
const PRIORITY_COLOR: Record<string, string> = { Emergency: '41;97', Alert: '41;97', Critical: '31;1', Error: '31', Warning: '33', Notice: '36' };

function say(s = ''): void {
  process.stdout.write(s + '\n');
}

function showAlert(a: AlertLine, json: boolean): void {
  if (json) return say(JSON.stringify(a));
  const f = a.output_fields;
  const mitre = a.tags.filter((t) => /^T\d{4}/.test(t)).join(', ');
  const other = a.tags.filter((t) => !/^(T\d{4}|D\d\d$)/.test(t)).join(', ');
  say(`  ${paint(PRIORITY_COLOR[a.priority] ?? '0', a.priority.toUpperCase().padEnd(8))} ${bold(a.rule)}  ${dim(`(${mitre}; ${other})`)}`);
  say(`           pod ${f['k8s.ns.name']}/${f['k8s.pod.name']}, container ${f['container.id']} (${f['container.image']})`);
  const cmd = JSON.stringify(f['proc.cmdline']);
  say(`           process ${f['proc.name']} (parent ${f['proc.pname']}): ${cmd.length > 110 ? cmd.slice(0, 107) + '..."' : cmd}`);
  say(`           ${dim(a.output.split(' | ')[0])}`);
}

function usage(): never {
  say('usage: node dist/test/attacks/demo.js [--json] [ROW...]');
  say(`  rows: ${SCENARIOS.map((s) => s.row).join(' ')} (default: ${TOUR.map((t) => t.row).join(' ')})`);
  say('  --json: print each alert as the sensor emits it (one JSON object per line)');
  process.exit(2);
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args.includes('-h') || args.includes('--help')) usage();
  const json = args.includes('--json');
  const rows = args.filter((a) => !a.startsWith('-')).map((a) => a.toUpperCase());
  for (const r of rows) if (!SCENARIOS.some((s) => s.row === r)) usage();
  const tour = rows.length ? rows.map((row) => TOUR.find((t) => t.row === row) ?? { row, story: SCENARIOS.find((s) => s.row === row)!.title }) : TOUR;

  say(bold('Kestrel demo: real attacks in real containers, and what the sensor says about them'));
  say(
    dim(
      'This builds a throwaway busybox image, a pod network with a fake "internet" (a mining pool, an attacker,\n' +
        'the cloud metadata service) in private network namespaces, and a local Kubernetes API server that serves\n' +
        "a pod for each container; starts `sensor run` with the default rules; then runs each attack in a runc\n" +
        'container and prints the alerts it raised. Nothing leaves this machine, and everything is removed at the end.',
    ),
  );
  say();
  const why = bpfUnavailable() ?? worldUnavailable();
  if (why) {
    say(`The demo cannot run here: ${why}.`);
    say('It needs root on Linux with BTF, runc, busybox-static and iproute2: `sudo npm run demo` after `bash scripts/bootstrap.sh --test`.');
    return 1;
  }
  // Only each row's attack: the variants and benign twins are for the test suite.
  const scenarios: Scenario[] = tour.map(({ row }) => {
    const sc = SCENARIOS.find((s) => s.row === row)!;
    return { ...sc, cases: sc.cases.filter((c) => c.kind === 'attack') };
  });
  let world: World | undefined;
  const stop = async (code: number): Promise<never> => {
    await world?.stop().catch(() => undefined);
    process.exit(code);
  };
  process.once('SIGINT', () => {
    say('\ninterrupted: removing the containers, the network and the sensor...');
    void stop(130);
  });
  process.once('SIGTERM', () => void stop(143));
  const started = Date.now();
  world = await World.start(scenarios, { log: (m) => say(dim(`  ... ${m}`)) });
  say(dim(`  ... the sensor is watching (${((Date.now() - started) / 1000).toFixed(1)} s)`));
  let total = 0;
  for (const [i, sc] of scenarios.entries()) {
    const attack = sc.cases[0];
    say();
    say(bold(`${i + 1}/${scenarios.length}  [${sc.row}] ${tour[i].story}`));
    const script = typeof attack.script === 'function' ? attack.script(world) : attack.script;
    if (script) say(dim(`     in the pod: ${script.split('\n').join('\n                 ')}`));
    const why = attack.unavailable?.(world) ?? sc.unavailable?.(world);
    if (why) {
      say(`  (not shown here: ${why})`);
      continue;
    }
    const results = await world.runScenario(sc, { settleMs: 500 });
    const r = results.get(attack)!;
    const alerts = r.alerts;
    if (!alerts.length) say(`  no alert (${r.reason ?? 'the sensor said nothing'})`);
    for (const a of alerts) showAlert(a, json);
    total += alerts.length;
  }
  say();
  say(bold(`${total} alerts from ${scenarios.length} attacks in ${((Date.now() - started) / 1000).toFixed(0)} s.`));
  say(
    'Next: `npx mocha --no-config --exit --timeout 60000 dist/test/attacks/attacks.test.js` runs every row (D01-D30) with its\n' +
      'evasive variants and benign twins (docs/coverage.md); `npm start` runs the sensor on this host; rules/README.md tunes it.',
  );
  say(dim('removing the containers, the network and the sensor...'));
  await world.stop();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`demo failed: ${err.message}\n`);
    process.exit(1);
  },
);
