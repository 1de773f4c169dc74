// Small helpers shared by the sinks' stats bookkeeping.
import type { SinkStats } from './types';

export function emptyStats(): SinkStats {
  return { received: 0, delivered: 0, dropped: {}, queued: 0, errors: 0 };
}

export function countDrop(s: SinkStats, reason: string, n = 1): void {
  if (n > 0) s.dropped[reason] = (s.dropped[reason] ?? 0) + n;
}

export function copyStats(s: SinkStats): SinkStats {
  return { ...s, dropped: { ...s.dropped } };
}

/** A promise that resolves at the deadline (ms since the epoch), and a way to cancel it. */
export function untilDeadline(deadline: number | undefined): { done: Promise<'deadline'>; cancel(): void } {
  if (deadline === undefined) return { done: new Promise(() => undefined), cancel: () => undefined };
  let timer: NodeJS.Timeout | undefined;
  const done = new Promise<'deadline'>((resolve) => {
    timer = setTimeout(() => resolve('deadline'), Math.max(0, deadline - Date.now()));
  });
  return { done, cancel: () => clearTimeout(timer) };
}

/** Runs p, giving up (resolving 'deadline') when the deadline passes first. */
export async function withDeadline<T>(p: Promise<T>, deadline: number | undefined): Promise<T | 'deadline'> {
  const d = untilDeadline(deadline);
  try {
    return await Promise.race([p, d.done]);
  } finally {
    d.cancel();
  }
}
