/**
 * User-facing keyed state (Flink's names) and the descriptors that declare it.
 */

/** Keys must be primitives: they are compared by value and hashed to key groups. */
export type Key = string | number | bigint | boolean;

/** A single value per key (and namespace). */
export interface ValueState<T> {
  /** The value, or the descriptor's default (undefined when none) if unset or expired. */
  value(): T | undefined;
  update(value: T): void;
  clear(): void;
}

/** A list of values per key. */
export interface ListState<T> {
  /** All values, in insertion order (a fresh array; mutating it does not change state). */
  get(): T[];
  add(value: T): void;
  addAll(values: Iterable<T>): void;
  update(values: Iterable<T>): void;
  clear(): void;
}

/** A map per key. User keys are compared like JavaScript `Map` keys. */
export interface MapState<UK, UV> {
  get(key: UK): UV | undefined;
  put(key: UK, value: UV): void;
  putAll(entries: Iterable<readonly [UK, UV]>): void;
  remove(key: UK): void;
  contains(key: UK): boolean;
  entries(): [UK, UV][];
  keys(): UK[];
  values(): UV[];
  isEmpty(): boolean;
  clear(): void;
}

/** A value folded with a reduce function as values are added. */
export interface ReducingState<T> {
  get(): T | undefined;
  add(value: T): void;
  clear(): void;
}

/** An accumulator folded with an {@link AggregateFunction}; `get` returns its result. */
export interface AggregatingState<IN, OUT> {
  get(): OUT | undefined;
  add(value: IN): void;
  clear(): void;
}

/** Flink's AggregateFunction: an accumulator that values are added to and that can be merged. */
export interface AggregateFunction<IN, ACC, OUT> {
  createAccumulator(): ACC;
  add(value: IN, accumulator: ACC): ACC;
  getResult(accumulator: ACC): OUT;
  merge(a: ACC, b: ACC): ACC;
}

/** Folds two values into one. */
export type ReduceFunction<T> = (a: T, b: T) => T;

/** When a TTL'd entry's timestamp is refreshed (Flink's StateTtlConfig.UpdateType). */
export type TtlUpdateType = "OnCreateAndWrite" | "OnReadAndWrite";

/** Whether an expired but not yet cleaned-up entry may be read (Flink's StateVisibility). */
export type TtlStateVisibility = "NeverReturnExpired" | "ReturnExpiredIfNotCleanedUp";

/** Time-to-live for keyed state, measured on the processing-time clock. */
export interface StateTtlConfig {
  readonly ttlMs: number;
  readonly updateType: TtlUpdateType;
  readonly stateVisibility: TtlStateVisibility;
  /**
   * Entries checked for expiry on each write to the state (Flink's heap `cleanupIncrementally`);
   * 0 disables background cleanup. Default 5. Expired entries are also dropped on read and are
   * never written to snapshots.
   */
  readonly incrementalCleanupSize?: number;
}

/** Builds a {@link StateTtlConfig}: `StateTtlConfig.newBuilder(60_000).build()`. */
export const StateTtlConfig = {
  newBuilder: (ttlMs: number): StateTtlConfigBuilder => {
    return new StateTtlConfigBuilder(ttlMs);
  },
};

/** Builder for {@link StateTtlConfig}. */
export class StateTtlConfigBuilder {
  private updateType: TtlUpdateType = "OnCreateAndWrite";
  private visibility: TtlStateVisibility = "NeverReturnExpired";
  private cleanupSize = 5;
  constructor(private readonly ttlMs: number) {}
  setUpdateType(type: TtlUpdateType): this {
    this.updateType = type;
    return this;
  }
  updateTtlOnReadAndWrite(): this {
    return this.setUpdateType("OnReadAndWrite");
  }
  setStateVisibility(visibility: TtlStateVisibility): this {
    this.visibility = visibility;
    return this;
  }
  returnExpiredIfNotCleanedUp(): this {
    return this.setStateVisibility("ReturnExpiredIfNotCleanedUp");
  }
  /** Checks `cleanupSize` entries for expiry on each write (Flink's incremental cleanup). */
  cleanupIncrementally(cleanupSize: number): this {
    this.cleanupSize = cleanupSize;
    return this;
  }
  /** Only reads and snapshots drop expired entries. */
  disableCleanupInBackground(): this {
    this.cleanupSize = 0;
    return this;
  }
  build(): StateTtlConfig {
    return {
      ttlMs: this.ttlMs,
      updateType: this.updateType,
      stateVisibility: this.visibility,
      incrementalCleanupSize: this.cleanupSize,
    };
  }
}

/** Common part of every state descriptor. */
export abstract class StateDescriptor<S> {
  ttl: StateTtlConfig | undefined;
  abstract readonly kind: "value" | "list" | "map" | "reducing" | "aggregating";
  /** Phantom field tying the descriptor to the state it yields; never set. */
  declare readonly __state?: S;
  constructor(readonly name: string) {}
  /** Enables time-to-live for this state. */
  enableTimeToLive(config: StateTtlConfig): this {
    this.ttl = config;
    return this;
  }
}

/** Declares a {@link ValueState}. */
export class ValueStateDescriptor<T> extends StateDescriptor<ValueState<T>> {
  readonly kind = "value" as const;
  constructor(name: string, readonly defaultValue?: T) {
    super(name);
  }
}

/** Declares a {@link ListState}. */
export class ListStateDescriptor<T> extends StateDescriptor<ListState<T>> {
  readonly kind = "list" as const;
}

/** Declares a {@link MapState}. */
export class MapStateDescriptor<UK, UV> extends StateDescriptor<MapState<UK, UV>> {
  readonly kind = "map" as const;
}

/** Declares a {@link ReducingState}. */
export class ReducingStateDescriptor<T> extends StateDescriptor<ReducingState<T>> {
  readonly kind = "reducing" as const;
  constructor(name: string, readonly reduceFunction: ReduceFunction<T>) {
    super(name);
  }
}

/** Declares an {@link AggregatingState}. */
export class AggregatingStateDescriptor<IN, ACC, OUT> extends StateDescriptor<AggregatingState<IN, OUT>> {
  readonly kind = "aggregating" as const;
  constructor(name: string, readonly aggregateFunction: AggregateFunction<IN, ACC, OUT>) {
    super(name);
  }
}

/** Namespace of state that belongs to no window. */
export const VOID_NAMESPACE = 0;

/** A namespace scopes keyed state, e.g. to a window. Numbers or strings, compared by value. */
export type Namespace = number | string;

/**
 * State as the runtime sees it: scoped to the backend's current key and to a namespace that
 * window operators switch (Flink's InternalKvState).
 */
export interface InternalKvState {
  setCurrentNamespace(namespace: Namespace): void;
  /** Merges the given namespaces' contents into `target` (merging windows); lists append, reducing/aggregating merge. */
  mergeNamespaces?(target: Namespace, sources: readonly Namespace[]): void;
}

/**
 * Keyed state of one operator in one subtask. The runtime sets the current key before every
 * record and timer; state objects read and write under that key.
 */
export interface KeyedStateBackend {
  readonly maxParallelism: number;
  /** Key groups this subtask owns, inclusive. */
  readonly keyGroupRange: { readonly start: number; readonly end: number };
  setCurrentKey(key: Key): void;
  getCurrentKey(): Key;
  /** Returns (creating on first use) the state a descriptor declares; same name, same state. */
  getState<S>(descriptor: StateDescriptor<S>): S & InternalKvState;
  /** Keys that have state under `descriptor`'s name in `namespace`. */
  keys(stateName: string, namespace: Namespace): Iterable<Key>;
  /** Number of (key, namespace) entries over all states — for metrics and memory tests. */
  size(): number;
  /** Copies all state, written per key group, cheaply enough to run at every checkpoint. */
  snapshot(): KeyedStateSnapshot;
  /** Restores from snapshots (possibly several, of different old subtasks), keeping the key groups in range. */
  restore(snapshots: readonly KeyedStateSnapshot[]): void;
}

/**
 * Keyed state written per key group: for each key group, each named state's entries as
 * tuples, encoded so that bulk state stays fast (JSON of tuples, not superjson).
 */
export interface KeyedStateSnapshot {
  readonly maxParallelism: number;
  /** key group -> encoded entries of every state in that group. */
  readonly keyGroups: ReadonlyMap<number, string>;
}
