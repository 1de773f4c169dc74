// Markers: what a benign twin does after its benign steps, to prove the sensor
// processed that pod's events. Each raises a known alert of another row, on
// the same kind of event as the row it stands beside (an open for file rows,
// an exec for exec rows...), so the twin's own events were judged before it.
import { NET } from './net-plan';
import type { MarkerKind } from './types';

// hostScript: the same for a host twin, made by the twin's own process (a
// shell builtin) so that its process name tells its alerts apart.
export const MARKERS: Record<MarkerKind, { script: string; rule: string; hostScript?: string }> = {
  file: { script: "echo '# kestrel-marker' >> /etc/hosts", rule: 'DNS configuration modified' },
  file2: { script: 'cat /etc/shadow > /dev/null', rule: 'Sensitive authentication file read', hostScript: ': < /etc/shadow' },
  exec: { script: 'grep -q "BEGIN RSA PRIVATE KEY" /etc/motd', rule: 'Private key or cloud credential search' },
  exec2: { script: `nmap -p 80 ${NET.web} > /dev/null`, rule: 'Network scanner or sniffer launched in container' },
  connect: { script: `nc -w 2 ${NET.pool} 3333 < /dev/null > /dev/null`, rule: 'Outbound connection to mining pool port from container' },
  connect2: { script: `wget -q -O /dev/null http://${NET.metadata}/latest/meta-data/`, rule: 'Cloud metadata service contacted from container' },
  dns: { script: 'nslookup metadata.google.internal > /dev/null', rule: 'Cloud metadata service contacted from container' },
  dns2: { script: 'nslookup pool.supportxmr.com > /dev/null', rule: 'DNS lookup of mining pool domain' },
  syscall: { script: 'unshare -U true', rule: 'Namespace change in container' },
  syscall2: { script: 'mount -t tmpfs none /mnt 2> /dev/null', rule: 'Mount in container' },
};
