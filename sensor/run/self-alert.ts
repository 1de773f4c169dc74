// The sensor's alerts about itself. When the kernel drops events the sensor
// is partly blind, and an attacker may be flooding it on purpose (T1562:
// impair defenses): the SOC must hear it on the same channel as every other
// alert, not only in a log. Drops are summed per ring and reason and sent at
// most once per interval, so a sustained flood gives one alert per interval.
import { randomUUID } from 'node:crypto';
import type { Alert } from '../alerts/types';

export const DROP_RULE = 'Sensor dropped kernel events';

export interface DropAlerterOptions {
  hostname: string;
  nodeName: string;
  emit(alert: Alert): void;
  /** Least time between two alerts for one ring and reason (ms). */
  intervalMs?: number;
  now?: () => number;
}

interface Pending {
  added: number;
  total: number;
  since: number;
  lastSent: number;
}

export class DropAlerter {
  private readonly pending = new Map<string, Pending>();
  private readonly intervalMs: number;
  private readonly now: () => number;
  /** Alerts raised so far. */
  sent = 0;

  constructor(private readonly o: DropAlerterOptions) {
    this.intervalMs = o.intervalMs ?? 10_000;
    this.now = o.now ?? Date.now;
  }

  /** The kernel source's onDrops: `added` more lost on `ring` for `reason`. */
  readonly onDrops = (ring: string, reason: string, added: number, total: number): void => {
    const k = `${ring}\0${reason}`;
    const now = this.now();
    let p = this.pending.get(k);
    if (!p) this.pending.set(k, (p = { added: 0, total, since: now, lastSent: -Infinity }));
    if (p.added === 0) p.since = now;
    p.added += added;
    p.total = total;
    if (now - p.lastSent >= this.intervalMs) this.send(ring, reason, p, now);
  };

  /** Send what waited for its interval to pass; `force` sends it all (at stop). */
  flush(force = false): void {
    const now = this.now();
    for (const [k, p] of this.pending) {
      if (p.added > 0 && (force || now - p.lastSent >= this.intervalMs)) {
        const [ring, reason] = k.split('\0');
        this.send(ring, reason, p, now);
      }
    }
  }

  private send(ring: string, reason: string, p: Pending, now: number): void {
    const dropped = p.added;
    const windowS = Math.max(0, (now - p.since) / 1000);
    p.added = 0;
    p.lastSent = now;
    this.sent++;
    this.o.emit({
      time: new Date(now).toISOString(),
      rule: DROP_RULE,
      priority: 'Critical',
      source: 'kestrel',
      hostname: this.o.hostname,
      output:
        `The sensor lost ${dropped} kernel events on its ${ring} ring (${reason}) in the last ${windowS.toFixed(1)} s; ` +
        `events of this node may be missing from detection (a flood can be an attempt to blind it) | ` +
        `ring=${ring} reason=${reason} dropped=${dropped} dropped_total=${p.total} node=${this.o.nodeName}`,
      tags: ['T1562.001', 'defense_evasion', 'sensor_health'],
      output_fields: {
        'kestrel.ring': ring,
        'kestrel.drop_reason': reason,
        'kestrel.dropped': dropped,
        'kestrel.dropped_total': p.total,
        'k8s.node.name': this.o.nodeName,
        'container.id': 'host',
      },
      uuid: randomUUID(),
    });
  }
}
