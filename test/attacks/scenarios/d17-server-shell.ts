// D17: a shell spawned by a server process: a web shell. The pod runs
// busybox httpd with a CGI that does what its query string says, and asks
// it over HTTP to run commands.
import { applet } from '../lib/check';
import type { Scenario } from '../lib/types';

const RULE = 'Shell spawned by server process in container';

/**
 * Start httpd, wait until it serves, make one request, stop httpd. Pods
 * share a network namespace here: one port each.
 */
export function web(path: string, port: number): string {
  const url = `http://127.0.0.1:${port}`;
  return [
    `httpd -f -p 127.0.0.1:${port} -h /www & h=$!`,
    `i=0; until wget -q -O /dev/null ${url}/index.html || [ $i -ge 50 ]; do i=$((i+1)); sleep 0.1; done`,
    `wget -q -O /dev/null '${url}${path}'`,
    'kill $h',
  ].join('\n');
}

export const d17: Scenario = {
  row: 'D17',
  title: 'A shell or interpreter spawned by a server process in a container',
  rules: [RULE],
  mitre: 'T1059',
  category: 'execution',
  cases: [
    {
      kind: 'attack',
      name: 'a web shell CGI under httpd runs the command it is sent',
      script: web('/cgi-bin/exec.cgi?id', 8081),
      expect: [
        { rule: RULE, proc: 'exec.cgi', pname: 'httpd' },
        { rule: RULE, proc: applet('sh'), pname: 'exec.cgi', cmdline: /^sh -c id$/ },
      ],
    },
    {
      kind: 'variant',
      name: 'a bash CGI that execs dash as "php-worker"',
      evasion: ['another shell', 'argv[0] spoofing'],
      script: web('/cgi-bin/bash.cgi', 8082),
      expect: [{ rule: RULE, proc: 'dash', pname: 'httpd', cmdline: /^php-worker -c / }],
    },
    {
      kind: 'variant',
      name: 'the web shell starts busybox sh by applet name',
      evasion: ['busybox applet'],
      script: web('/cgi-bin/exec.cgi?busybox+sh+-c+uname', 8083),
      expect: [{ rule: RULE, proc: applet('busybox'), pname: /^(sh|exec\.cgi)$/, cmdline: /^busybox sh -c uname/ }],
    },
    {
      kind: 'benign',
      name: 'httpd serves a page and runs a compiled CGI program',
      script: `${web('/index.html', 8084)}\n${web('/cgi-bin/status', 8084)}`,
      marker: 'exec',
    },
  ],
};
