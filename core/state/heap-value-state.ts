/**
 * Heap ValueState, and the stored-value codec that the single-value kinds (value, reducing,
 * aggregating) share: the value itself, or `{ v, t }` with a TTL.
 */
import { AbstractHeapState, type CurrentKeyHolder, type StateTable, type StoredCodec } from "./heap-state.ts";
import type { TtlPolicy, TtlValue } from "./ttl.ts";
import type { ValueState } from "./types.ts";

/** Codec for kinds that store one value per (key, namespace). Snapshot form: `v` or `[v, t]`. */
export const singleValueCodec: StoredCodec = {
  encode(stored, ttl, policy, now) {
    if (!ttl) return stored;
    const s = stored as TtlValue<unknown>;
    if (policy !== undefined && policy.isExpired(s.t, now)) return undefined;
    return [s.v, s.t];
  },
  decode(encoded, ttl) {
    if (!ttl) return encoded;
    const [v, t] = encoded as [unknown, number];
    return { v, t };
  },
  prune(stored, policy, now) {
    return policy.isExpired((stored as TtlValue<unknown>).t, now) ? undefined : stored;
  },
};

/**
 * Base of the single-value kinds: reads with Flink's TTL semantics (expired values are cleared
 * on access and returned once only with ReturnExpiredIfNotCleanedUp).
 */
export abstract class SingleValueHeapState<T> extends AbstractHeapState<unknown> {
  constructor(backend: CurrentKeyHolder, table: StateTable, ttl: TtlPolicy | undefined) {
    super(backend, table, ttl, singleValueCodec);
  }

  /** The current value, or undefined when unset or expired (and not returnable). */
  protected read(): T | undefined {
    const s = this.getStored();
    if (this.ttl === undefined || s === undefined) return s as T | undefined;
    const w = s as TtlValue<T>;
    const now = this.ttl.now();
    if (this.ttl.isExpired(w.t, now)) {
      this.removeStored();
      return this.ttl.returnExpired ? w.v : undefined;
    }
    if (this.ttl.updateOnRead) w.t = now;
    return w.v;
  }

  /** The current value for an update: like `read` but never returns an expired value and never refreshes. */
  protected readForUpdate(): T | undefined {
    const s = this.getStored();
    if (this.ttl === undefined || s === undefined) return s as T | undefined;
    const w = s as TtlValue<T>;
    return this.ttl.isExpired(w.t, this.ttl.now()) ? undefined : w.v;
  }

  protected write(value: T): void {
    if (this.ttl === undefined) {
      this.putStored(value);
      return;
    }
    const now = this.ttl.now();
    this.cleanupIncrementally(now);
    const s = this.getStored() as TtlValue<T> | undefined;
    if (s !== undefined) {
      s.v = value;
      s.t = now;
    } else {
      this.putStored({ v: value, t: now });
    }
  }

  /** Merges two stored values with `fn`, dropping expired ones. */
  protected mergeStoredWith(fn: (a: T, b: T) => T): (a: unknown, b: unknown) => unknown {
    const policy = this.ttl;
    if (policy === undefined) return fn as (a: unknown, b: unknown) => unknown;
    return (a, b) => {
      const now = policy.now();
      const x = a as TtlValue<T>;
      const y = b as TtlValue<T>;
      if (policy.isExpired(x.t, now)) return y;
      if (policy.isExpired(y.t, now)) return x;
      return { v: fn(x.v, y.v), t: now };
    };
  }
}

/** Heap {@link ValueState}. */
export class HeapValueState<T> extends SingleValueHeapState<T> implements ValueState<T> {
  constructor(
    backend: CurrentKeyHolder,
    table: StateTable,
    ttl: TtlPolicy | undefined,
    private readonly defaultValue: T | undefined,
  ) {
    super(backend, table, ttl);
  }

  value(): T | undefined {
    const v = this.read();
    return v === undefined ? this.defaultValue : v;
  }

  update(value: T): void {
    // As in Flink, updating to null/undefined clears the state.
    if (value === undefined || value === null) this.removeStored();
    else this.write(value);
  }
}
