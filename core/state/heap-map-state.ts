/**
 * Heap MapState: a JavaScript Map per (key, namespace). With a TTL every entry carries its own
 * timestamp, as in Flink's TtlMapState.
 */
import { AbstractHeapState, type CurrentKeyHolder, type StateTable, type StoredCodec } from "./heap-state.ts";
import type { TtlPolicy, TtlValue } from "./ttl.ts";
import type { MapState } from "./types.ts";

/** Snapshot form: `[k1, v1, k2, v2, ...]`, or `[k1, v1, t1, ...]` with a TTL. */
export const mapCodec: StoredCodec = {
  encode(stored, ttl, policy, now) {
    const out: unknown[] = [];
    if (!ttl) {
      for (const [k, v] of stored as Map<unknown, unknown>) out.push(k, v);
    } else {
      for (const [k, e] of stored as Map<unknown, TtlValue<unknown>>) {
        if (policy === undefined || !policy.isExpired(e.t, now)) out.push(k, e.v, e.t);
      }
    }
    return out.length === 0 ? undefined : out;
  },
  decode(encoded, ttl) {
    const flat = encoded as unknown[];
    const out = new Map<unknown, unknown>();
    if (!ttl) for (let i = 0; i < flat.length; i += 2) out.set(flat[i], flat[i + 1]);
    else for (let i = 0; i < flat.length; i += 3) out.set(flat[i], { v: flat[i + 1], t: flat[i + 2] as number });
    return out;
  },
  prune(stored, policy, now) {
    const map = stored as Map<unknown, TtlValue<unknown>>;
    for (const [k, e] of map) if (policy.isExpired(e.t, now)) map.delete(k);
    return map.size === 0 ? undefined : map;
  },
};

/** Heap {@link MapState}. */
export class HeapMapState<UK, UV> extends AbstractHeapState<Map<UK, unknown>> implements MapState<UK, UV> {
  constructor(backend: CurrentKeyHolder, table: StateTable, ttl: TtlPolicy | undefined) {
    super(backend, table, ttl, mapCodec);
  }

  get(key: UK): UV | undefined {
    const map = this.getStored();
    if (map === undefined) return undefined;
    const policy = this.ttl;
    if (policy === undefined) return map.get(key) as UV | undefined;
    const e = map.get(key) as TtlValue<UV> | undefined;
    if (e === undefined) return undefined;
    const now = policy.now();
    if (policy.isExpired(e.t, now)) {
      map.delete(key);
      if (map.size === 0) this.removeStored();
      return policy.returnExpired ? e.v : undefined;
    }
    if (policy.updateOnRead) e.t = now;
    return e.v;
  }

  put(key: UK, value: UV): void {
    let map = this.getStored();
    const policy = this.ttl;
    if (policy !== undefined) {
      const now = policy.now();
      this.cleanupIncrementally(now);
      map = this.getStored();
      const e = map?.get(key) as TtlValue<UV> | undefined;
      if (e !== undefined) {
        e.v = value;
        e.t = now;
        return;
      }
      if (map === undefined) this.putStored((map = new Map()));
      map.set(key, { v: value, t: now });
      return;
    }
    if (map === undefined) this.putStored((map = new Map()));
    map.set(key, value);
  }

  putAll(entries: Iterable<readonly [UK, UV]>): void {
    for (const [k, v] of entries) this.put(k, v);
  }

  remove(key: UK): void {
    const map = this.getStored();
    if (map !== undefined && map.delete(key) && map.size === 0) this.removeStored();
  }

  contains(key: UK): boolean {
    if (this.ttl === undefined) return this.getStored()?.has(key) ?? false;
    return this.get(key) !== undefined;
  }

  entries(): [UK, UV][] {
    const map = this.getStored();
    if (map === undefined) return [];
    const policy = this.ttl;
    if (policy === undefined) return Array.from(map as Map<UK, UV>);
    const now = policy.now();
    const out: [UK, UV][] = [];
    for (const [k, e] of map as Map<UK, TtlValue<UV>>) {
      if (policy.isExpired(e.t, now)) {
        map.delete(k);
        if (policy.returnExpired) out.push([k, e.v]);
      } else {
        if (policy.updateOnRead) e.t = now;
        out.push([k, e.v]);
      }
    }
    if (map.size === 0) this.removeStored();
    return out;
  }

  keys(): UK[] {
    return this.entries().map((e) => e[0]);
  }

  values(): UV[] {
    return this.entries().map((e) => e[1]);
  }

  isEmpty(): boolean {
    if (this.ttl === undefined) return this.getStored() === undefined;
    return this.entries().length === 0;
  }
}
