// Opening a spool directory (spool.ts): create it 0700, delete what the
// committed position says was delivered, check every remaining segment frame
// by frame and cut off a torn or corrupt tail, and find where reading resumes.
// Synchronous: it runs once, at start-up, before any alert is written.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkFrame } from './spool-frame';

/** A record's payload may not exceed this; a larger length read from disk is garbage. */
export const MAX_RECORD_BYTES = 64 * 1024 * 1024;
export const COMMITTED = 'committed';
const SEGMENT_RE = /^(\d{16})\.seg$/;

export interface SpoolPosition {
  segment: number;
  offset: number;
}

export interface Segment {
  seq: number;
  /** Bytes of whole, verified frames (never the bytes of a failed write). */
  size: number;
  frames: number;
  /** No more appends: a newer segment exists, or it was found at open. */
  sealed: boolean;
}

export interface Cursor extends SpoolPosition {
  /** Index of the next frame within the segment. */
  frame: number;
}

export const segName = (seq: number): string => `${String(seq).padStart(16, '0')}.seg`;

function readCommitted(file: string): SpoolPosition | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  try {
    const p = JSON.parse(text) as Partial<SpoolPosition>;
    if (Number.isSafeInteger(p.segment) && Number.isSafeInteger(p.offset) && p.segment! >= 0 && p.offset! >= 0) {
      return { segment: p.segment!, offset: p.offset! };
    }
  } catch {
    // fall through: an unreadable commit file means replaying everything (at-least-once)
  }
  return null;
}

/** Walks a segment's frames; `mark` is a committed offset to locate among them. */
function scanSegment(buf: Buffer, mark: number): { valid: number; frames: number; markOffset: number; markFrame: number } {
  let at = 0;
  let frames = 0;
  let markOffset = -1;
  let markFrame = 0;
  for (;;) {
    if (markOffset < 0 && at >= mark) {
      markOffset = at;
      markFrame = frames;
    }
    if (at >= buf.length) break;
    const c = checkFrame(buf, at, MAX_RECORD_BYTES);
    if (c.kind !== 'ok') break;
    at += c.size;
    frames++;
  }
  if (markOffset < 0) {
    markOffset = at;
    markFrame = frames;
  }
  return { valid: at, frames, markOffset, markFrame };
}

export interface Recovered {
  segments: Segment[];
  /** Where reading resumes: the committed position, on a frame boundary. */
  cursor: Cursor;
  nextSeq: number;
  /** Records after the cursor. */
  records: number;
  tornTails: number;
  tornBytes: number;
}

export function recoverSpool(dir: string): Recovered {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
  fs.rmSync(path.join(dir, `${COMMITTED}.tmp`), { force: true });
  const committed = readCommitted(path.join(dir, COMMITTED));
  const seqs = fs
    .readdirSync(dir)
    .map((n) => SEGMENT_RE.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
  const out: Recovered = { segments: [], cursor: { segment: 0, offset: 0, frame: 0 }, nextSeq: 1, records: 0, tornTails: 0, tornBytes: 0 };
  let cursor: Cursor | null = null;
  for (const seq of seqs) {
    const file = path.join(dir, segName(seq));
    if (committed && seq < committed.segment) {
      fs.unlinkSync(file);
      continue;
    }
    const buf = fs.readFileSync(file);
    const scan = scanSegment(buf, committed && seq === committed.segment ? committed.offset : 0);
    if (scan.valid < buf.length) {
      fs.truncateSync(file, scan.valid);
      out.tornTails++;
      out.tornBytes += buf.length - scan.valid;
    }
    out.segments.push({ seq, size: scan.valid, frames: scan.frames, sealed: true });
    cursor ??= { segment: seq, offset: scan.markOffset, frame: scan.markFrame };
    out.records += scan.frames - (cursor.segment === seq ? scan.markFrame : 0);
  }
  out.nextSeq = Math.max(seqs.length ? seqs[seqs.length - 1] : 0, committed?.segment ?? 0) + 1;
  out.cursor = cursor ?? { segment: out.nextSeq, offset: 0, frame: 0 };
  return out;
}
