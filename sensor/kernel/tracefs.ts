// Classic tracepoints are attached by id, which libbpf reads from tracefs.
// Hosts and pods do not always have it mounted: mount it when missing.
import { existsSync } from 'node:fs';
import * as libc from './libc';

const TRACEFS = '/sys/kernel/tracing';
const DEBUGFS_TRACING = '/sys/kernel/debug/tracing';

/** Returns the tracefs mount in use, mounting it when needed. */
export function ensureTracefs(): string {
  if (existsSync(`${TRACEFS}/events`)) return TRACEFS;
  if (existsSync(`${DEBUGFS_TRACING}/events`)) return DEBUGFS_TRACING;
  if (libc.mount('tracefs', TRACEFS, 'tracefs', 0, null) === 0 && existsSync(`${TRACEFS}/events`)) {
    return TRACEFS;
  }
  const why = libc.strerror(libc.errno());
  throw new Error(
    `tracefs is not mounted at ${TRACEFS} and mounting it failed (${why}); ` +
      `mount it with "mount -t tracefs tracefs ${TRACEFS}" or mount the host's into the pod`,
  );
}
