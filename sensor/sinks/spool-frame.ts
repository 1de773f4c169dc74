// The spool's record framing: u32le payload length, u32le CRC32 of the length
// bytes and the payload, then the payload. A crash can leave a torn frame at
// the end of a file (or, without fsync, garbage where pages were never
// written); the CRC tells such bytes from records.
import * as zlib from 'node:zlib';

export const FRAME_HEADER = 8;

let table: Int32Array | undefined;

function crcTable(): Int32Array {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
}

/** CRC-32 (IEEE), continuing from `prev`; for Node releases before zlib.crc32 (20.15). */
function crc32js(data: Uint8Array, prev = 0): number {
  table ??= crcTable();
  let c = ~prev;
  for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

export const crc32: (data: Uint8Array, prev?: number) => number =
  typeof zlib.crc32 === 'function' ? (d, p) => zlib.crc32(d, p) : crc32js;

function frameCrc(buf: Buffer, start: number, len: number): number {
  return crc32(buf.subarray(start + FRAME_HEADER, start + FRAME_HEADER + len), crc32(buf.subarray(start, start + 4)));
}

export function encodeFrame(payload: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_HEADER + payload.length);
  frame.writeUInt32LE(payload.length, 0);
  payload.copy(frame, FRAME_HEADER);
  frame.writeUInt32LE(frameCrc(frame, 0, payload.length), 4);
  return frame;
}

export type FrameCheck =
  /** A whole, valid frame of `size` bytes (header included). */
  | { kind: 'ok'; size: number }
  /** The buffer ends inside the frame; `size` is what the whole frame needs. */
  | { kind: 'short'; size: number }
  /** Not a frame: a torn write or garbage. */
  | { kind: 'bad' };

/** Checks the frame starting at `at`. A length beyond `maxPayload` is garbage. */
export function checkFrame(buf: Buffer, at: number, maxPayload: number): FrameCheck {
  if (buf.length - at < FRAME_HEADER) return { kind: 'short', size: FRAME_HEADER };
  const len = buf.readUInt32LE(at);
  if (len > maxPayload) return { kind: 'bad' };
  const size = FRAME_HEADER + len;
  if (buf.length - at < size) return { kind: 'short', size };
  return frameCrc(buf, at, len) === buf.readUInt32LE(at + 4) ? { kind: 'ok', size } : { kind: 'bad' };
}

/** The payload of a frame checkFrame accepted (a view, not a copy). */
export function framePayload(buf: Buffer, at: number): Buffer {
  return buf.subarray(at + FRAME_HEADER, at + FRAME_HEADER + buf.readUInt32LE(at));
}
