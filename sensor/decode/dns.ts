// The parts of a DNS message the sensor reports: header and first question.
// Input is hostile: every read is bounds-checked; a malformed message yields
// null, never an exception.
import { decodeBytes } from './strings';

export interface DnsMessage {
  id: number;
  response: boolean;
  opcode: number;
  rcode: number;
  qdcount: number;
  ancount: number;
  name: string;
  qtype: number;
}

const MAX_LABELS = 128;

/** Parse buf[start, end). Names are lowercased (DNS is case-insensitive). */
export function parseDns(buf: Buffer, start: number, end: number): DnsMessage | null {
  if (end - start < 12) return null;
  const flags = buf.readUInt16BE(start + 2);
  const msg: DnsMessage = {
    id: buf.readUInt16BE(start),
    response: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    rcode: flags & 0xf,
    qdcount: buf.readUInt16BE(start + 4),
    ancount: buf.readUInt16BE(start + 6),
    name: '',
    qtype: 0,
  };
  if (msg.qdcount === 0) return msg;
  const labels: string[] = [];
  let i = start + 12;
  for (let n = 0; ; n++) {
    if (i >= end || n > MAX_LABELS) return null;
    const len = buf[i];
    if (len === 0) {
      i++;
      break;
    }
    if ((len & 0xc0) !== 0) return null; // no compression in a first question
    if (i + 1 + len > end) return null;
    labels.push(decodeBytes(buf, i + 1, i + 1 + len).replace(/\./g, '\\.'));
    i += 1 + len;
  }
  if (i + 2 > end) return null;
  msg.name = labels.join('.').replace(/[A-Z]/g, (c) => c.toLowerCase());
  msg.qtype = buf.readUInt16BE(i);
  return msg;
}

const QTYPES: Record<number, string> = {
  1: 'A', 2: 'NS', 5: 'CNAME', 6: 'SOA', 12: 'PTR', 15: 'MX', 16: 'TXT', 28: 'AAAA', 33: 'SRV',
  35: 'NAPTR', 43: 'DS', 48: 'DNSKEY', 64: 'SVCB', 65: 'HTTPS', 255: 'ANY',
};

export function qtypeName(t: number): string {
  return QTYPES[t] ?? `TYPE${t}`;
}

const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED', 'YXDOMAIN', 'YXRRSET', 'NXRRSET', 'NOTAUTH', 'NOTZONE'];

export function rcodeName(r: number): string {
  return RCODES[r] ?? `RCODE${r}`;
}
