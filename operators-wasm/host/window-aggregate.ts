/**
 * A window-aggregate component as Flink's AggregateFunction. Accumulators live in the window
 * operator's state like any other (so they are checkpointed); adding a record only queues it
 * on the accumulator, and the queued records of every window touched in a batch go to the
 * component in one `add` call (at the end of the batch, when a window fires or merges, or
 * when an accumulator has queued 1000 records).
 */
import type { AggregateFunction } from "../../core/state/types.ts";
import type { RichFunction, RuntimeContext } from "../../core/api/functions.ts";
import { ByteWriter, decodeBlobs } from "./batch-codec.ts";
import { WasmOperatorError } from "./errors.ts";
import type { LoadedComponent } from "./instance.ts";
import { encodeMergeInput } from "./keyed-codec.ts";
import { MAX_BATCH, type ComponentSource } from "./operators.ts";
import { bytesToLatin1, latin1ToBytes, parseJsonValue, readValue, unencodableValue, utf8String, writeValue } from "./value-codec.ts";

/**
 * An accumulator as window state keeps it: the component's bytes (latin1; null until created)
 * and the values added since the last `add` call. Plain JSON, so snapshots carry it.
 */
export interface QueuedAccumulator {
  a: string | null;
  p: unknown[];
}

export class WindowAggregateFunction implements AggregateFunction<unknown, QueuedAccumulator, unknown>, RichFunction {
  private component!: LoadedComponent;
  private dirty = new Set<QueuedAccumulator>();
  private operator: string | undefined;

  constructor(private readonly source: ComponentSource) {}

  async open(context?: RuntimeContext): Promise<void> {
    this.operator = context?.operatorName;
    this.component = await this.source.instantiate();
    this.component.runsIn(this.operator, context?.watch);
  }

  createAccumulator(): QueuedAccumulator {
    return { a: null, p: [] };
  }

  add(value: unknown, acc: QueuedAccumulator): QueuedAccumulator {
    acc.p.push(value);
    this.dirty.add(acc);
    if (acc.p.length >= MAX_BATCH) this.apply([acc]);
    return acc;
  }

  getResult(acc: QueuedAccumulator): unknown {
    this.apply([acc]);
    const out = this.call("get-results", () => {
      const w = new ByteWriter();
      w.u32(1);
      w.lengthPrefixed(latin1ToBytes(acc.a!));
      return this.component.getResults(w.finish());
    });
    const r = out[0]!;
    return this.decode("get-results", () =>
      this.source.values === "json" ? parseJsonValue(utf8String(r, 0, r.length), "the result") : readValue(r, 0, r.length, this.source.values));
  }

  merge(a: QueuedAccumulator, b: QueuedAccumulator): QueuedAccumulator {
    this.apply([a, b]);
    const out = this.call("merge", () => this.component.merge(encodeMergeInput([[latin1ToBytes(a.a!), latin1ToBytes(b.a!)]])));
    return { a: bytesToLatin1(out[0]!), p: [] };
  }

  /** Sends every accumulator with queued records to the component in one call. */
  finishBatch(): void {
    if (this.dirty.size > 0) this.apply([...this.dirty]);
  }

  /** Creates missing accumulators and adds queued records, one call each at most. */
  private apply(accs: QueuedAccumulator[]): void {
    const fresh = accs.filter((a) => a.a === null);
    if (fresh.length > 0) {
      const created = this.call("create-accumulators", () => this.component.createAccumulators(fresh.length), fresh.length);
      fresh.forEach((a, i) => (a.a = bytesToLatin1(created[i]!)));
    }
    const groups = accs.filter((a) => a.p.length > 0);
    for (const a of accs) this.dirty.delete(a);
    if (groups.length === 0) return;
    const updated = this.call("add", () => {
      const w = new ByteWriter();
      w.u32(groups.length);
      for (const g of groups) {
        w.lengthPrefixed(latin1ToBytes(g.a!));
        w.u32(g.p.length);
        for (const v of g.p) {
          w.u32(0);
          w.f64(undefined);
          if (!writeValue(w, v, this.source.values)) {
            throw new WasmOperatorError("WASM_BAD_INPUT", this.source.name, this.component.world, unencodableValue(v, this.source.values), undefined, this.operator);
          }
        }
      }
      return this.component.add(w.finish());
    }, groups.length);
    groups.forEach((g, i) => {
      g.a = bytesToLatin1(updated[i]!);
      g.p = [];
    });
  }

  /** Calls the component and reads a blob list of `expect` items (if given). */
  private call(fn: string, run: () => Uint8Array, expect?: number): Uint8Array[] {
    const out = run();
    return this.decode(fn, () => {
      const blobs = decodeBlobs(out);
      if (expect !== undefined && blobs.length !== expect) throw new RangeError(`${blobs.length} results for ${expect} inputs`);
      return blobs;
    });
  }

  private decode<T>(fn: string, read: () => T): T {
    try {
      return read();
    } catch (e) {
      const c = this.component;
      c.failure = new WasmOperatorError("WASM_BAD_OUTPUT", c.name, c.world, `${fn} returned an invalid result: ${e instanceof Error ? e.message : String(e)}`, e, this.operator);
      throw c.failure;
    }
  }
}
