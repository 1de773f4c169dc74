// Addresses against networks, IPv4 and IPv6, without allocation per test.
import { isIP } from 'node:net';

export interface Network {
  v6: boolean;
  /** Address as 4 (v4) or 16 (v6) bytes. */
  bytes: Uint8Array;
  bits: number;
}

export class CidrError extends Error {}

function v4Bytes(s: string): Uint8Array | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    if (!/^\d{1,3}$/.test(parts[i])) return null;
    const n = Number(parts[i]);
    if (n > 255) return null;
    out[i] = n;
  }
  return out;
}

function v6Bytes(s: string): Uint8Array | null {
  if (isIP(s) !== 6) return null;
  let text = s;
  const out = new Uint8Array(16);
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two groups.
  const dot = text.lastIndexOf('.');
  if (dot >= 0) {
    const colon = text.lastIndexOf(':');
    const v4 = v4Bytes(text.slice(colon + 1));
    if (!v4) return null;
    text = text.slice(0, colon + 1) + ((v4[0] << 8) | v4[1]).toString(16) + ':' + ((v4[2] << 8) | v4[3]).toString(16);
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, null];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === null ? h : [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t];
  if (groups.length !== 8) return null;
  for (let i = 0; i < 8; i++) {
    const g = parseInt(groups[i], 16);
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 0xff;
  }
  return out;
}

function isV4Mapped(v6: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (v6[i] !== 0) return false;
  return v6[10] === 0xff && v6[11] === 0xff;
}

/** Parse an address to bytes; v4-mapped IPv6 (::ffff:a.b.c.d) becomes IPv4. */
export function addressBytes(s: string): Uint8Array | null {
  const v4 = v4Bytes(s);
  if (v4) return v4;
  const v6 = v6Bytes(s);
  if (!v6) return null;
  return isV4Mapped(v6) ? v6.subarray(12) : v6;
}

export function parseCidr(text: string): Network {
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  const bytes = v4Bytes(addr) ?? v6Bytes(addr);
  if (!bytes) throw new CidrError(`"${text}" is not an IPv4 or IPv6 network (e.g. 10.0.0.0/8, fd00::/8)`);
  const max = bytes.length * 8;
  const bitsText = slash < 0 ? String(max) : text.slice(slash + 1);
  const bits = Number(bitsText);
  if (!/^\d+$/.test(bitsText) || bits > max) {
    throw new CidrError(`"${text}": prefix length must be 0-${max}`);
  }
  // Addresses in ::ffff:0:0/96 are compared as IPv4 (addressBytes), so such
  // a network must be too, or it would never match.
  if (bytes.length === 16 && bits >= 96 && isV4Mapped(bytes)) return { v6: false, bytes: bytes.slice(12), bits: bits - 96 };
  return { v6: bytes.length === 16, bytes, bits };
}

export function inNetwork(addr: Uint8Array, net: Network): boolean {
  if (addr.length !== net.bytes.length) return false;
  let bits = net.bits;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((addr[i] & mask) !== (net.bytes[i] & mask)) return false;
  }
  return true;
}
