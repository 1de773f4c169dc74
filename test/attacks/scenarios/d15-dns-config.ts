// D15: the resolver configuration changed at run time, however it is done.
import type { Scenario } from '../lib/types';

const RULE = 'DNS configuration modified';

export const d15: Scenario = {
  row: 'D15',
  title: '/etc/resolv.conf, /etc/hosts or /etc/nsswitch.conf changed at run time',
  rules: [RULE],
  mitre: 'T1565.001',
  category: 'dns_tampering',
  cases: [
    {
      kind: 'attack',
      name: 'a pod points its resolver at the attacker (echo > /etc/resolv.conf)',
      script: 'echo "nameserver 6.6.6.6" > /etc/resolv.conf',
      expect: [{ rule: RULE, proc: 'sh', pname: /^(runc|sh)/, fields: { 'fd.name': '/etc/resolv.conf', 'evt.type': 'openat' } }],
    },
    {
      kind: 'variant',
      name: 'cd /etc && sed -i into ./hosts',
      evasion: ['relative path', 'rename-over', 'another tool'],
      // busybox sed -i writes a temporary file and renames it over hosts.
      script: 'cd /etc && sed -i "1i 6.6.6.6 bank.example" ./hosts',
      expect: [{ rule: RULE, proc: 'sed', cmdline: /sed -i/, fields: { 'fd.name': '/etc/hosts' } }],
    },
    {
      kind: 'variant',
      name: 'through /tmp/../etc/nsswitch.conf',
      evasion: ['..'],
      script: 'echo "hosts: dns files" > /tmp/../etc/nsswitch.conf',
      expect: [{ rule: RULE, proc: 'sh', pname: /^(runc|sh)/, fields: { 'fd.name': '/etc/nsswitch.conf' } }],
    },
    {
      kind: 'variant',
      name: 'through a symlink in /tmp',
      evasion: ['symlink'],
      script: 'ln -s /etc/resolv.conf /tmp/r && echo "nameserver 6.6.6.6" >> /tmp/r',
      expect: [{ rule: RULE, proc: 'sh', pname: /^(runc|sh)/, fields: { 'fd.name': '/etc/resolv.conf', 'fd.nameraw': '/tmp/r' } }],
    },
    {
      kind: 'variant',
      name: 'openat relative to a directory fd',
      evasion: ['dirfd'],
      script: 'attackops openat /etc resolv.conf a "nameserver 6.6.6.6\n"',
      expect: [{ rule: RULE, proc: 'attackops', fields: { 'fd.name': '/etc/resolv.conf', 'fd.nameraw': 'resolv.conf' } }],
    },
    {
      kind: 'variant',
      name: 'a prepared file renamed over it (mv)',
      evasion: ['rename-over'],
      script: 'echo "nameserver 6.6.6.6" > /tmp/resolv.new && mv /tmp/resolv.new /etc/resolv.conf',
      expect: [{ rule: RULE, proc: 'mv', cmdline: /mv \/tmp\/resolv\.new \/etc\/resolv\.conf/, fields: { 'fd.name': '/etc/resolv.conf', 'evt.type': 'rename' } }],
    },
    {
      kind: 'variant',
      name: 'a prepared file hard-linked into place',
      evasion: ['hard link'],
      script: 'echo "6.6.6.6 bank.example" > /tmp/hosts.new && rm /etc/hosts && ln /tmp/hosts.new /etc/hosts',
      expect: [
        { rule: RULE, proc: 'rm', cmdline: /rm \/etc\/hosts/, fields: { 'fd.name': '/etc/hosts' } },
        { rule: RULE, proc: 'ln', cmdline: /ln \/tmp\/hosts\.new \/etc\/hosts/, fields: { 'fd.name': '/etc/hosts', 'evt.type': 'link' } },
      ],
    },
    {
      kind: 'benign',
      name: 'a pod reads its resolver configuration and resolves a name',
      script: 'cat /etc/resolv.conf /etc/hosts /etc/nsswitch.conf > /dev/null; nslookup example.org > /dev/null',
      marker: 'file2',
    },
    {
      kind: 'benign',
      name: 'a network manager on the host opens /etc/resolv.conf for writing (appends nothing)',
      hostProcName: 'dhclient-script',
      script: ': >> /etc/resolv.conf',
      marker: 'file2',
    },
  ],
};
