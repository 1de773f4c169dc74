// Alerts for the alert and sink tests: a realistic one, and the strings a
// hostile workload could put into fields.
import { randomUUID } from 'node:crypto';
import type { Alert } from '../../sensor/alerts/types';

export function makeAlert(over: Partial<Alert> = {}, fields: Alert['output_fields'] = {}): Alert {
  return {
    time: '2026-11-22T10:00:00.123456789Z',
    rule: 'Terminal shell in container',
    priority: 'Notice',
    source: 'syscall',
    hostname: 'node-1',
    output: 'A shell was spawned in a container (user=root shell=bash container=3f1c2e4b5d69)',
    tags: ['container', 'shell', 'mitre_execution', 'T1059.004'],
    output_fields: {
      'evt.time': '2026-11-22T10:00:00.123456789Z',
      'evt.ktime': 1234567890123,
      'evt.type': 'execve',
      'proc.pid': 4242,
      'proc.tid': 4242,
      'proc.name': 'bash',
      'proc.exepath': '/usr/bin/bash',
      'proc.cmdline': 'bash -i',
      'proc.args': ['-i'],
      'proc.ppid': 4200,
      'proc.pname': 'runc',
      'proc.pcmdline': 'runc init',
      'proc.pexepath': '/usr/bin/runc',
      'user.uid': 0,
      'container.id': '3f1c2e4b5d69',
      'container.full_id': '3f1c2e4b5d6978812345678abcdef0123456789abcdef0123456789abcdef01',
      'container.name': 'web',
      'container.image': 'nginx:1.27',
      'container.runtime': 'containerd',
      'container.privileged': false,
      'k8s.ns.name': 'shop',
      'k8s.pod.name': 'web-7c9d8',
      'k8s.pod.uid': '1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b',
      'k8s.pod.labels': { app: 'web', tier: 'front' },
      'k8s.node.name': 'node-1',
      'fd.name': null,
      ...fields,
    },
    uuid: randomUUID(),
    ...over,
  };
}

const KIB64 = 'A'.repeat(64 * 1024);

/** Name → a string no serialiser may choke on. */
export const HOSTILE: Readonly<Record<string, string>> = Object.freeze({
  newlines: 'line1\nline2\r\nline3\rend',
  quotes: `"double" 'single' \`back\` \\backslash\\ \\"escaped\\"`,
  ansi: '\u001b[31mred\u001b[0m \u001b]0;title\u0007 \u001b[2J',
  controls: Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).join('') + '\u007f\u0085',
  loneHigh: 'a\uD800b',
  loneLow: 'a\uDC00b',
  reversedPair: '\uDC00\uD800',
  trailingHigh: 'end\uD83D',
  emoji: 'ok 😀 🏳️‍🌈',
  separators: 'a\u2028b\u2029c',
  escapedText: '\\x41\\x00\\xff \\u0000 %s %d {{.}} ${x}',
  latin1: 'caf\u00e9 \u00ff\u00fe',
  bom: '\uFEFFbom \uFFFE\uFFFF',
  nul: 'a\u0000b',
  jsonLike: '{"rule":"fake","priority":"Emergency"}\n{"x":1}',
  big: KIB64,
  bigHostile: '\n"\u001b[0m\uD800\u2028\\x'.repeat(8192),
});

/** s with lone surrogates replaced by U+FFFD: what a well-formed serialiser sends. */
export function wellFormedExpected(s: string): string {
  return s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/** True when s has no lone surrogate (so it encodes to UTF-8 and back unchanged). */
export function isWellFormed(s: string): boolean {
  return Buffer.from(s, 'utf8').toString('utf8') === s;
}
