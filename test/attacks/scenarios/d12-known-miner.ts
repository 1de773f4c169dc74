// D12: a known miner started, also under another name when its argv[0] or
// its options give it away.
import { NET } from '../lib/net-plan';
import type { Scenario } from '../lib/types';

const RULE = 'Known cryptominer executed';
const WALLET = '48edfHu7V9Z84YzzMa6fUueoELZ9ZRXq9VetWzYGzKt52XU5xvqgzYnDK9URnRoJMk1j8nLwEVsaSWJ4fhdUyZijBGUicoD';

export const d12: Scenario = {
  row: 'D12',
  title: 'Exec of a known miner, also when renamed but its first argument or options give it away',
  rules: [RULE],
  mitre: 'T1496',
  category: 'cryptomining',
  cases: [
    {
      kind: 'attack',
      name: 'xmrig started in a pod',
      script: `xmrig -o ${NET.pool}:3333 -u x --cpu-max-threads-hint 50`,
      expect: [{ rule: RULE, proc: 'xmrig', fields: { 'proc.exepath': '/usr/local/bin/xmrig' } }],
    },
    {
      kind: 'variant',
      name: 'renamed to sysupdate but started with argv[0] "xmrig"',
      evasion: ['renamed binary'],
      script: `cp /usr/local/bin/xmrig /tmp/sysupdate && bash -c 'exec -a xmrig /tmp/sysupdate -o ${NET.pool}:3333 -u x'`,
      expect: [{ rule: RULE, proc: 'sysupdate', cmdline: /^xmrig -o / }],
    },
    {
      kind: 'variant',
      name: 'renamed, argv[0] spoofed, given away by miner-only options (--donate-level, -a rx/0)',
      evasion: ['renamed binary', 'argv[0] spoofing'],
      script: `cp /usr/local/bin/xmrig /tmp/php-fpm && bash -c 'exec -a "php-fpm: pool www" /tmp/php-fpm -o ${NET.pool}:3333 --donate-level 1 -a rx/0'`,
      expect: [{ rule: RULE, proc: 'php-fpm', cmdline: /--donate-level 1 -a rx\/0/ }],
    },
    {
      kind: 'variant',
      name: 'renamed and spoofed, given away by a Monero wallet as the pool user',
      evasion: ['renamed binary', 'argv[0] spoofing'],
      script: `cp /usr/local/bin/xmrig /tmp/node && bash -c 'exec -a node /tmp/node -o ${NET.pool}:3333 -u ${WALLET}'`,
      expect: [{ rule: RULE, proc: 'node', cmdline: /-u 48edf/ }],
    },
    {
      kind: 'benign',
      name: 'ordinary programs with -a and -o options (sort -o, ls -a)',
      script: 'sort -o /tmp/sorted /etc/passwd; ls -a / > /dev/null; /app/server connect 192.0.2.2 80 "GET / HTTP/1.0" > /dev/null',
      marker: 'exec',
    },
  ],
};
