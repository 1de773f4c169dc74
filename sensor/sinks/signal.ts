// A wake-up for loops that wait for work or a deadline, whichever comes first.
// A fire() while nobody waits is kept for the next wait(), so a wake-up sent
// between a loop's last check and its wait is not lost.
export class Signal {
  private waiters = new Set<() => void>();
  private missed = false;

  /** Wakes everyone waiting now, or the next waiter if there is none. */
  fire(): void {
    if (!this.waiters.size) {
      this.missed = true;
      return;
    }
    const w = this.waiters;
    this.waiters = new Set();
    for (const f of w) f();
  }

  /** Resolves at the next fire() (or at once, for one missed), or after `ms` (never, for Infinity). */
  wait(ms: number): Promise<void> {
    if (this.missed) {
      this.missed = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (): void => {
        if (timer) clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      this.waiters.add(done);
      if (Number.isFinite(ms)) timer = setTimeout(done, Math.max(0, ms));
    });
  }
}

/** True once the promise settles (either way), false if `deadline` (ms since the epoch) passes first. */
export async function beforeDeadline(p: Promise<unknown>, deadline: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()))));
  try {
    return await Promise.race([p.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
