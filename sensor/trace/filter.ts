// Which events `sensor trace` prints: by process name and by pid.
import type { SensorEvent } from '../decode/types';

export interface TraceFilter {
  comm?: string;
  pid?: number;
}

export function matches(f: TraceFilter, ev: SensorEvent): boolean {
  if (f.pid !== undefined && ev.pid !== f.pid) return false;
  if (f.comm !== undefined && ev.comm !== f.comm) return false;
  return true;
}
