// Human columns for `sensor trace`, like Inspektor Gadget's: fixed-width
// leading columns, the free-text column last. Control characters in workload
// strings are escaped so they cannot drive the terminal.
import type { BootClock } from '../kernel/clock';
import { qtypeName, rcodeName } from '../decode/dns';
import { toFields } from '../decode/fields';
import { errnoName, openFlagNames, signalName } from '../decode/names';
import { l4proto } from '../decode/sysnames';
import { forTerminal } from '../decode/strings';
import type { EventType, SensorEvent } from '../decode/types';
import type { Context } from '../enrich/enricher';

interface Column {
  name: string;
  width: number;
}

const LEAD: Column[] = [
  { name: 'TIME', width: 12 },
  { name: 'PID', width: 8 },
  { name: 'PPID', width: 8 },
  { name: 'UID', width: 6 },
  { name: 'COMM', width: 16 },
];

const SPECIFIC: Record<EventType, Column[]> = {
  exec: [{ name: 'RET', width: 4 }, { name: 'ARGS', width: 0 }],
  open: [{ name: 'FD', width: 4 }, { name: 'ERR', width: 8 }, { name: 'FLAGS', width: 28 }, { name: 'PATH', width: 0 }],
  fork: [{ name: 'CHILD', width: 0 }],
  exit: [{ name: 'CODE', width: 5 }, { name: 'SIGNAL', width: 0 }],
  connect: [{ name: 'PROTO', width: 6 }, { name: 'ERR', width: 13 }, { name: 'CONNECTION', width: 0 }],
  accept: [{ name: 'PROTO', width: 6 }, { name: 'ERR', width: 13 }, { name: 'CONNECTION', width: 0 }],
  dns: [
    { name: 'QR', width: 11 },
    { name: 'NAMESERVER', width: 18 },
    { name: 'TYPE', width: 6 },
    { name: 'RCODE', width: 9 },
    { name: 'ANS', width: 4 },
    { name: 'LATENCY', width: 10 },
    { name: 'NAME', width: 0 },
  ],
  syscall: [{ name: 'SYSCALL', width: 13 }, { name: 'ERR', width: 9 }, { name: 'ARGS', width: 0 }],
};

/** evt.arg.* and fd.name of a syscall as key=value pairs. */
function syscallArgs(ev: SensorEvent): string {
  const f = toFields(ev, null);
  return Object.entries(f)
    .filter(([k, v]) => (k.startsWith('evt.arg.') || k === 'fd.name' || k === 'fd.is_socket') && v !== '' && v !== null)
    .map(([k, v]) => `${k.replace(/^evt\.arg\./, '')}=${Array.isArray(v) ? v.join(',') : String(v)}`)
    .join(' ');
}

function pad(s: string, w: number): string {
  return w === 0 ? s : s.length >= w ? s.slice(0, w - 1) + ' ' : s.padEnd(w);
}

function specificValues(ev: SensorEvent): string[] {
  switch (ev.type) {
    case 'exec':
      return ['0', ev.args.join(' ') + (ev.argsTruncated ? ' …' : '')];
    case 'open':
      return [
        ev.ret >= 0 ? String(ev.ret) : '-1',
        ev.ret >= 0 ? '' : errnoName(ev.ret),
        openFlagNames(ev.flags),
        ev.path,
      ];
    case 'fork':
      return [String(ev.pid)];
    case 'exit':
      return [String(ev.exitCode), signalName(ev.signal)];
    case 'connect':
    case 'accept':
      return [
        l4proto(ev.family, ev.protocol, ev.sockType),
        ev.type === 'connect' && ev.ret < 0 ? errnoName(ev.ret) : '',
        String(toFields(ev, null)['fd.name']),
      ];
    case 'dns':
      return [
        ev.qr,
        ev.nameserver.includes(':') ? `[${ev.nameserver}]:${ev.nameserverPort}` : `${ev.nameserver}:${ev.nameserverPort}`,
        qtypeName(ev.qtype),
        ev.rcode === null ? '' : rcodeName(ev.rcode),
        ev.qr === 'query' ? '' : String(ev.answers),
        ev.latencyMs === null ? '' : `${ev.latencyMs.toFixed(2)}ms`,
        ev.name,
      ];
    case 'syscall':
      return [ev.syscall, ev.ret < 0 ? errnoName(ev.ret) : '', syscallArgs(ev)];
  }
}

/** Where the process runs: the container ID (12), and with Kubernetes, namespace and pod. */
const CONTAINER: Column[] = [{ name: 'CONTAINER', width: 13 }];
const K8S: Column[] = [
  { name: 'K8S.NAMESPACE', width: 16 },
  { name: 'K8S.POD', width: 24 },
  { name: 'K8S.CONTAINER', width: 16 },
];

export class ColumnFormatter {
  private readonly multi: boolean;
  private readonly where: Column[];

  constructor(
    private readonly types: EventType[],
    private readonly clock: BootClock,
    private readonly k8s = false,
  ) {
    this.multi = new Set(types).size > 1;
    this.where = k8s ? K8S : CONTAINER;
  }

  header(): string {
    const lead = [...this.where, ...LEAD];
    if (this.multi) return [...lead, { name: 'EVENT', width: 8 }, { name: 'DETAILS', width: 0 }].map((c) => pad(c.name, c.width)).join('');
    return [...lead, ...SPECIFIC[this.types[0]]].map((c) => pad(c.name, c.width)).join('');
  }

  row(ev: SensorEvent, ctx?: Context): string {
    const time = this.clock.toIso(ev.ktime).slice(11, 23);
    const where = this.k8s
      ? [ctx?.pod?.namespace ?? '', ctx?.pod?.name ?? '', ctx?.podContainer?.name ?? (ctx?.container ? ctx.container.id.slice(0, 12) : '')]
      : [ctx?.container ? ctx.container.id.slice(0, 12) : ''];
    const lead = [time, String(ev.pid), String(ev.ppid), String(ev.uid), ev.comm];
    let line = this.where.map((c, i) => pad(forTerminal(where[i]), c.width)).join('');
    line += LEAD.map((c, i) => pad(forTerminal(lead[i]), c.width)).join('');
    const vals = specificValues(ev).map(forTerminal);
    if (this.multi) {
      line += pad(ev.type, 8) + vals.filter((v) => v !== '').join(' ');
    } else {
      line += SPECIFIC[ev.type].map((c, i) => pad(vals[i], c.width)).join('');
    }
    return line;
  }
}
