/**
 * Timers of one time domain, unique per (key, namespace, timestamp): a min-heap of distinct
 * timestamps plus `Map<timestamp, Map<namespace, Map<key, registration seq>>>`. Window timers
 * share a few timestamps, so registering an existing timer costs three Map lookups and
 * allocates nothing.
 */
import type { Key, Namespace } from "../state/types.ts";
import { TimestampHeap } from "./timestamp-heap.ts";

/** The timers at one timestamp: namespace -> key -> registration sequence number. */
export type TimerBucket = Map<Namespace, Map<Key, number>>;

/** One time domain's timers. */
export class TimerQueue {
  private readonly buckets = new Map<number, TimerBucket>();
  /** Distinct timestamps; may hold stale ones whose bucket was emptied (skipped when popped). */
  private readonly heap = new TimestampHeap();
  private lastTimestamp = Number.NaN;
  private lastBucket: TimerBucket | undefined;
  /** The namespace last registered in `lastBucket` and its keys: a window's records hit it. */
  private lastNamespace: Namespace | undefined;
  private lastKeys: Map<Key, number> | undefined;
  private seq = 0;
  /** The bucket being fired, taken out of `buckets`; deletes and dedupe still see it. */
  firing: TimerBucket | undefined;
  firingTimestamp = Number.NaN;
  /** Number of timers (including not-yet-fired ones of the firing bucket). */
  size = 0;

  /** Adds a timer; returns true when the timestamp had no timers before (a new earliest candidate). */
  add(timestamp: number, namespace: Namespace, key: Key): boolean {
    if (this.firing !== undefined && timestamp === this.firingTimestamp && this.firing.get(namespace)?.has(key)) {
      return false;
    }
    if (timestamp === this.lastTimestamp && namespace === this.lastNamespace) {
      const keys = this.lastKeys!;
      if (!keys.has(key)) {
        keys.set(key, this.seq++);
        this.size++;
      }
      return false;
    }
    let created = false;
    let bucket = timestamp === this.lastTimestamp ? this.lastBucket : this.buckets.get(timestamp);
    if (bucket === undefined) {
      bucket = new Map();
      this.buckets.set(timestamp, bucket);
      this.heap.push(timestamp);
      created = true;
    }
    this.lastTimestamp = timestamp;
    this.lastBucket = bucket;
    let keys = bucket.get(namespace);
    if (keys === undefined) {
      keys = new Map();
      bucket.set(namespace, keys);
    }
    this.lastNamespace = namespace;
    this.lastKeys = keys;
    if (!keys.has(key)) {
      keys.set(key, this.seq++);
      this.size++;
    }
    return created;
  }

  delete(timestamp: number, namespace: Namespace, key: Key): void {
    const bucket = this.buckets.get(timestamp);
    if (bucket !== undefined) {
      const keys = bucket.get(namespace);
      if (keys !== undefined && keys.delete(key)) {
        this.size--;
        if (keys.size === 0) {
          bucket.delete(namespace);
          if (keys === this.lastKeys) this.forgetLast();
        }
        if (bucket.size === 0) this.dropBucket(timestamp);
        return;
      }
    }
    // Not yet fired timers of the bucket being fired can still be deleted.
    if (this.firing !== undefined && timestamp === this.firingTimestamp && this.firing.get(namespace)?.delete(key)) {
      this.size--;
    }
  }

  /** Whether the timer is registered. */
  has(timestamp: number, namespace: Namespace, key: Key): boolean {
    if (this.buckets.get(timestamp)?.get(namespace)?.has(key)) return true;
    return this.firing !== undefined && timestamp === this.firingTimestamp && this.firing.get(namespace)?.has(key) === true;
  }

  /** Earliest timestamp with timers, dropping stale heap entries. */
  peekTimestamp(): number | undefined {
    for (;;) {
      const ts = this.heap.peek();
      if (ts === undefined || this.buckets.has(ts)) return ts;
      this.heap.pop();
    }
  }

  /** Removes and returns the bucket at the earliest timestamp (call after {@link peekTimestamp}). */
  takeEarliest(): TimerBucket {
    const ts = this.heap.pop()!;
    const bucket = this.buckets.get(ts)!;
    this.dropBucket(ts);
    return bucket;
  }

  /** Puts back timers of a bucket whose firing was interrupted by an error. */
  restoreUnfired(timestamp: number, bucket: TimerBucket): void {
    for (const [ns, keys] of bucket) {
      for (const key of keys.keys()) {
        this.size--;
        this.add(timestamp, ns, key);
      }
    }
  }

  /** Visits every timer (for snapshots). */
  forEach(visit: (timestamp: number, namespace: Namespace, key: Key) => void): void {
    for (const [ts, bucket] of this.buckets) {
      for (const [ns, keys] of bucket) for (const key of keys.keys()) visit(ts, ns, key);
    }
    if (this.firing !== undefined) {
      const ts = this.firingTimestamp;
      for (const [ns, keys] of this.firing) for (const key of keys.keys()) visit(ts, ns, key);
    }
  }

  private dropBucket(timestamp: number): void {
    this.buckets.delete(timestamp);
    if (timestamp === this.lastTimestamp) this.forgetLast();
  }

  private forgetLast(): void {
    this.lastTimestamp = Number.NaN;
    this.lastBucket = undefined;
    this.lastNamespace = undefined;
    this.lastKeys = undefined;
  }
}
