/** Heap ReducingState: one value per (key, namespace), folded with a reduce function on add. */
import type { CurrentKeyHolder, StateTable } from "./heap-state.ts";
import { SingleValueHeapState } from "./heap-value-state.ts";
import type { TtlPolicy } from "./ttl.ts";
import type { Namespace, ReduceFunction, ReducingState } from "./types.ts";

/** Heap {@link ReducingState}. */
export class HeapReducingState<T> extends SingleValueHeapState<T> implements ReducingState<T> {
  constructor(
    backend: CurrentKeyHolder,
    table: StateTable,
    ttl: TtlPolicy | undefined,
    private readonly reduce: ReduceFunction<T>,
  ) {
    super(backend, table, ttl);
  }

  get(): T | undefined {
    return this.read();
  }

  add(value: T): void {
    if (this.ttl === undefined) {
      // The hot path: one get and one set.
      const m = this.current;
      const old = m === undefined ? undefined : (m.get(this.backend.currentKey) as T | undefined);
      this.putStored(old === undefined ? value : this.reduce(old, value));
      return;
    }
    const old = this.readForUpdate();
    this.write(old === undefined ? value : this.reduce(old, value));
  }

  mergeNamespaces(target: Namespace, sources: readonly Namespace[]): void {
    this.mergeInto(target, sources, this.mergeStoredWith(this.reduce));
  }
}
