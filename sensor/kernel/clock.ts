// Kernel timestamps are CLOCK_BOOTTIME nanoseconds; alerts want wall time.
import { CLOCK_BOOTTIME, CLOCK_REALTIME, clockNs } from './libc';

export class BootClock {
  /** Wall time at boot, as whole seconds and nanoseconds. */
  private readonly bootSec: number;
  private readonly bootNsec: number;

  constructor() {
    const [rs, rn] = clockNs(CLOCK_REALTIME);
    const [bs, bn] = clockNs(CLOCK_BOOTTIME);
    let sec = rs - bs;
    let nsec = rn - bn;
    if (nsec < 0) {
      nsec += 1e9;
      sec -= 1;
    }
    this.bootSec = sec;
    this.bootNsec = nsec;
  }

  /** Now, in CLOCK_BOOTTIME nanoseconds (as the kernel stamps events). */
  static nowNs(): number {
    const [s, n] = clockNs(CLOCK_BOOTTIME);
    return s * 1e9 + n;
  }

  /** RFC 3339 UTC time with nanoseconds for a CLOCK_BOOTTIME stamp. */
  toIso(ktimeNs: number): string {
    const ks = Math.floor(ktimeNs / 1e9);
    let nsec = this.bootNsec + Math.round(ktimeNs - ks * 1e9);
    let sec = this.bootSec + ks;
    if (nsec >= 1e9) {
      nsec -= 1e9;
      sec += 1;
    }
    const base = new Date(sec * 1000).toISOString(); // 2026-11-22T20:53:28.000Z
    return `${base.slice(0, 19)}.${String(nsec).padStart(9, '0')}Z`;
  }

  /** Milliseconds since the epoch for a CLOCK_BOOTTIME stamp. */
  toEpochMs(ktimeNs: number): number {
    return this.bootSec * 1000 + (this.bootNsec + ktimeNs) / 1e6;
  }
}
