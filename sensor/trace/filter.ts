// Which events `sensor trace` prints: by process name and pid, and by
// Kubernetes namespace, pod and container.
import type { SensorEvent } from '../decode/types';
import type { Context } from '../enrich/enricher';

export interface TraceFilter {
  comm?: string;
  pid?: number;
  namespace?: string;
  pod?: string;
  /** A container name, or a prefix (12 characters or more) of its ID. */
  container?: string;
}

export function needsContext(f: TraceFilter): boolean {
  return f.namespace !== undefined || f.pod !== undefined || f.container !== undefined;
}

export function matches(f: TraceFilter, ev: SensorEvent, ctx?: Context): boolean {
  if (f.pid !== undefined && ev.pid !== f.pid) return false;
  if (f.comm !== undefined && ev.comm !== f.comm) return false;
  if (!needsContext(f)) return true;
  if (f.namespace !== undefined && ctx?.pod?.namespace !== f.namespace) return false;
  if (f.pod !== undefined && ctx?.pod?.name !== f.pod) return false;
  if (f.container !== undefined) {
    const name = ctx?.podContainer?.name;
    const id = ctx?.container?.id;
    const byId = f.container.length >= 12 && id !== undefined && id.startsWith(f.container);
    if (name !== f.container && !byId) return false;
  }
  return true;
}
