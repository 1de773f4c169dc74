// The index behind PodCache: container ID → container, pod UID → pod, and a
// grace cache of what is gone. No I/O and an injected clock, so the grace
// rules are tested without waiting.
//
// Gone entries stay answerable for `graceMs` because a short-lived pod's last
// events (its exit, the files it wrote) are still in the ring buffer or the
// rules when the API server reports it deleted. The gone set is bounded; when
// it is full the oldest entry leaves early and is counted.
import type { V1Pod } from '@kubernetes/client-node';
import { containerKey, extractPod } from './extract';
import type { PodContainerInfo, PodInfo } from './types';

export interface PodIndexOptions {
  graceMs: number;
  /** Most gone pods plus gone container IDs kept at once. */
  maxGone: number;
  now: () => number;
}

interface Slot<T> {
  info: T;
  goneAt: number | undefined;
}

interface Live {
  key: string;
  uids: string[];
  ids: Set<string>;
}

export interface PodIndexCounters {
  hits: number;
  misses: number;
  graceHits: number;
  graceEvicted: number;
  badObjects: number;
}

export class PodIndex {
  private readonly containers = new Map<string, Slot<PodContainerInfo>>();
  private readonly pods = new Map<string, Slot<PodInfo>>();
  /** Pods on the node now, by primary UID. */
  private readonly live = new Map<string, Live>();
  /** namespace/name → UID, to notice a pod replaced by a namesake. */
  private readonly byName = new Map<string, string>();
  /** 'c' + id or 'p' + uid → when it went; a Map keeps insertion order, so the oldest is first. */
  private readonly gone = new Map<string, number>();
  readonly counters: PodIndexCounters = { hits: 0, misses: 0, graceHits: 0, graceEvicted: 0, badObjects: 0 };

  constructor(private readonly opts: PodIndexOptions) {}

  /** A pod was added or changed: (re)index it; IDs it no longer has start their grace. */
  upsert(obj: V1Pod): void {
    const ex = extractPod(obj);
    if (!ex) {
      this.counters.badObjects++;
      return;
    }
    const { pod } = ex;
    const key = `${pod.namespace}/${pod.name}`;
    const previousUid = this.byName.get(key);
    // A relist reports a pod deleted and recreated under the same name as an update.
    if (previousUid !== undefined && previousUid !== pod.uid) this.retire(previousUid);

    const now = this.opts.now();
    const old = this.live.get(pod.uid);
    const ids = new Set<string>();
    for (const c of ex.containers) {
      ids.add(c.id);
      this.containers.set(c.id, { info: c, goneAt: undefined });
      this.gone.delete('c' + c.id);
    }
    if (old) for (const id of old.ids) if (!ids.has(id)) this.bury('c' + id, this.containers.get(id), now);
    const uids = [pod.uid, ...ex.aliases];
    for (const uid of uids) {
      this.pods.set(uid, { info: pod, goneAt: undefined });
      this.gone.delete('p' + uid);
    }
    if (old) for (const uid of old.uids) if (!uids.includes(uid)) this.bury('p' + uid, this.pods.get(uid), now);
    this.live.set(pod.uid, { key, uids, ids });
    this.byName.set(key, pod.uid);
  }

  /** A pod was deleted: everything it had starts its grace. */
  remove(obj: V1Pod): void {
    const meta = obj.metadata;
    const uid = meta?.uid ?? this.byName.get(`${meta?.namespace ?? ''}/${meta?.name ?? ''}`);
    if (uid === undefined) {
      this.counters.badObjects++;
      return;
    }
    // The final object may carry container IDs the last update did not.
    if (this.live.has(uid)) this.upsert(obj);
    this.retire(uid);
  }

  lookupContainer(id: string): PodContainerInfo | undefined {
    if (typeof id !== 'string') return this.miss();
    let key = containerKey(id);
    let slot = this.containers.get(key);
    if (!slot) slot = this.containers.get((key = key.toLowerCase()));
    return this.answer(slot, 'c' + key);
  }

  lookupPod(uid: string): PodInfo | undefined {
    if (typeof uid !== 'string') return this.miss();
    // cgroup paths of the systemd driver spell the UID with underscores.
    let key = uid.includes('_') ? uid.replace(/_/g, '-') : uid;
    let slot = this.pods.get(key);
    if (!slot) slot = this.pods.get((key = key.toLowerCase()));
    return this.answer(slot, 'p' + key);
  }

  /** Drop what has outlived its grace. Lookups check the age too, so this only frees memory. */
  sweep(): void {
    const limit = this.opts.now() - this.opts.graceMs;
    for (const [k, at] of this.gone) {
      if (at > limit) break;
      this.forget(k);
    }
  }

  get livePods(): number {
    return this.live.size;
  }

  get liveContainers(): number {
    let n = 0;
    for (const l of this.live.values()) n += l.ids.size;
    return n;
  }

  get gonePods(): number {
    let n = 0;
    for (const k of this.gone.keys()) if (k[0] === 'p') n++;
    return n;
  }

  get goneContainers(): number {
    return this.gone.size - this.gonePods;
  }

  private answer<T>(slot: Slot<T> | undefined, goneKey: string): T | undefined {
    if (!slot) return this.miss();
    if (slot.goneAt === undefined) {
      this.counters.hits++;
      return slot.info;
    }
    if (this.opts.now() - slot.goneAt >= this.opts.graceMs) {
      this.forget(goneKey);
      return this.miss();
    }
    this.counters.graceHits++;
    return slot.info;
  }

  private miss(): undefined {
    this.counters.misses++;
    return undefined;
  }

  private retire(uid: string): void {
    const l = this.live.get(uid);
    if (!l) return;
    const now = this.opts.now();
    for (const id of l.ids) this.bury('c' + id, this.containers.get(id), now);
    for (const u of l.uids) this.bury('p' + u, this.pods.get(u), now);
    this.live.delete(uid);
    if (this.byName.get(l.key) === uid) this.byName.delete(l.key);
  }

  private bury(key: string, slot: Slot<unknown> | undefined, now: number): void {
    if (!slot || slot.goneAt !== undefined) return;
    slot.goneAt = now;
    this.gone.set(key, now);
    while (this.gone.size > this.opts.maxGone) {
      const oldest = this.gone.keys().next().value as string;
      this.forget(oldest);
      this.counters.graceEvicted++;
    }
  }

  private forget(k: string): void {
    this.gone.delete(k);
    const id = k.slice(1);
    const map: Map<string, Slot<unknown>> = k[0] === 'c' ? this.containers : this.pods;
    // Only a slot still gone: the ID may have come back to life since.
    if (map.get(id)?.goneAt !== undefined) map.delete(id);
  }
}
