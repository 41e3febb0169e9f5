/** Heap AggregatingState: an accumulator per (key, namespace), folded with an AggregateFunction. */
import type { CurrentKeyHolder, StateTable } from "./heap-state.ts";
import { SingleValueHeapState } from "./heap-value-state.ts";
import type { TtlPolicy } from "./ttl.ts";
import type { AggregateFunction, AggregatingState, Namespace } from "./types.ts";

/** Heap {@link AggregatingState}; stores the accumulator, `get` returns its result. */
export class HeapAggregatingState<IN, ACC, OUT> extends SingleValueHeapState<ACC> implements AggregatingState<IN, OUT> {
  constructor(
    backend: CurrentKeyHolder,
    table: StateTable,
    ttl: TtlPolicy | undefined,
    private readonly fn: AggregateFunction<IN, ACC, OUT>,
  ) {
    super(backend, table, ttl);
  }

  get(): OUT | undefined {
    const acc = this.read();
    return acc === undefined ? undefined : this.fn.getResult(acc);
  }

  add(value: IN): void {
    if (this.ttl === undefined) {
      const m = this.current;
      const old = m === undefined ? undefined : (m.get(this.backend.currentKey) as ACC | undefined);
      this.putStored(this.fn.add(value, old === undefined ? this.fn.createAccumulator() : old));
      return;
    }
    const old = this.readForUpdate();
    this.write(this.fn.add(value, old === undefined ? this.fn.createAccumulator() : old));
  }

  mergeNamespaces(target: Namespace, sources: readonly Namespace[]): void {
    this.mergeInto(target, sources, this.mergeStoredWith((a, b) => this.fn.merge(a, b)));
  }
}
