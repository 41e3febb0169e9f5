/**
 * Heap ListState: an array per (key, namespace). With a TTL every element carries its own
 * timestamp, as in Flink's TtlListState.
 */
import { AbstractHeapState, type CurrentKeyHolder, type StateTable, type StoredCodec } from "./heap-state.ts";
import type { TtlPolicy, TtlValue } from "./ttl.ts";
import type { ListState, Namespace } from "./types.ts";

/** Snapshot form: the array, or `[v1, t1, v2, t2, ...]` with a TTL. */
export const listCodec: StoredCodec = {
  encode(stored, ttl, policy, now) {
    if (!ttl) return stored;
    const out: unknown[] = [];
    for (const e of stored as TtlValue<unknown>[]) {
      if (policy === undefined || !policy.isExpired(e.t, now)) out.push(e.v, e.t);
    }
    return out.length === 0 ? undefined : out;
  },
  decode(encoded, ttl) {
    if (!ttl) return encoded;
    const flat = encoded as unknown[];
    const out: TtlValue<unknown>[] = [];
    for (let i = 0; i < flat.length; i += 2) out.push({ v: flat[i], t: flat[i + 1] as number });
    return out;
  },
  prune(stored, policy, now) {
    const list = stored as TtlValue<unknown>[];
    let w = 0;
    for (let r = 0; r < list.length; r++) if (!policy.isExpired(list[r]!.t, now)) list[w++] = list[r]!;
    list.length = w;
    return w === 0 ? undefined : list;
  },
};

/** Heap {@link ListState}. */
export class HeapListState<T> extends AbstractHeapState<unknown[]> implements ListState<T> {
  constructor(backend: CurrentKeyHolder, table: StateTable, ttl: TtlPolicy | undefined) {
    super(backend, table, ttl, listCodec);
  }

  get(): T[] {
    const list = this.getStored();
    if (list === undefined) return [];
    const policy = this.ttl;
    if (policy === undefined) return (list as T[]).slice();
    const now = policy.now();
    const out: T[] = [];
    let expired = false;
    for (const e of list as TtlValue<T>[]) {
      if (policy.isExpired(e.t, now)) {
        expired = true;
        if (policy.returnExpired) out.push(e.v);
      } else {
        if (policy.updateOnRead) e.t = now;
        out.push(e.v);
      }
    }
    // Expired elements are cleaned up on read (returned this once if visibility allows).
    if (expired && listCodec.prune(list, policy, now) === undefined) this.removeStored();
    return out;
  }

  add(value: T): void {
    // Wrap first: TTL cleanup may drop the stored list.
    const element = this.wrap(value);
    const list = this.getStored();
    if (list === undefined) this.putStored([element]);
    else list.push(element);
  }

  addAll(values: Iterable<T>): void {
    const elements: unknown[] = [];
    for (const v of values) elements.push(this.wrap(v));
    if (elements.length === 0) return;
    const list = this.getStored();
    if (list === undefined) this.putStored(elements);
    else for (const e of elements) list.push(e);
  }

  update(values: Iterable<T>): void {
    const list: unknown[] = [];
    for (const v of values) list.push(this.wrap(v));
    if (list.length === 0) this.removeStored();
    else this.putStored(list);
  }

  mergeNamespaces(target: Namespace, sources: readonly Namespace[]): void {
    this.mergeInto(target, sources, (a, b) => {
      for (let i = 0; i < b.length; i++) a.push(b[i]);
      return a;
    });
  }

  private wrap(value: T): unknown {
    const policy = this.ttl;
    if (policy === undefined) return value;
    const now = policy.now();
    this.cleanupIncrementally(now);
    return { v: value, t: now };
  }
}
