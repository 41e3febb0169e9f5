/**
 * The Output an operator emits into: the chained operators after it and the record writers of
 * edges that leave the chain, for the main output and for each side output.
 */
import type { Output, OutputTag } from "./operator.ts";
import type { RecordTarget } from "./record-writer.ts";
import type { RecordBatch } from "./stream-element.ts";

/**
 * Fans out to every target; side outputs go to the targets registered under their tag. It is a
 * RecordTarget too, so a source can emit into it without an adapter.
 *
 * When the main output is one chained operator that takes batches, records are gathered into one
 * reused batch and handed on by {@link flush}: by the operator's host at the end of each call into
 * the operator, by the task at the end of each input batch, and here before a watermark, a side
 * output or a whole batch (so nothing overtakes the records emitted before it) and when the batch
 * is full.
 */
export class ChainOutput<T> implements Output<T>, RecordTarget {
  private readonly main: RecordTarget[];
  private readonly first: RecordTarget | undefined;
  private readonly allTargets: RecordTarget[];
  /** The one chained operator that takes batches, when it is the whole main output. */
  private readonly batchTarget: RecordTarget | undefined;
  /**
   * The gathered records are the first `gathered` of these arrays, filled by index from 0 for
   * each batch and cut to its length only when handed on, so that refilling them mostly stores
   * into place (measured on Node: new arrays per batch, or emptying these by setting their length
   * to 0, which drops their storage, cost more than they saved).
   */
  private readonly batch: { values: unknown[]; timestamps: number[] } = { values: [], timestamps: [] };
  private gathered = 0;

  constructor(
    main: RecordTarget[],
    private readonly sides: ReadonlyMap<string, RecordTarget[]>,
    private readonly onWatermark?: (watermark: number) => void,
    /** Records gathered for a batch-taking target before it gets them (bounds a flatMap's fan-out). */
    private readonly batchCapacity = 1024,
  ) {
    this.main = main;
    this.first = main.length === 1 ? main[0] : undefined;
    this.batchTarget = this.first?.takesBatches === true ? this.first : undefined;
    const all = new Set<RecordTarget>(main);
    for (const targets of sides.values()) for (const t of targets) all.add(t);
    this.allTargets = [...all];
  }

  /** Whether records wait here for {@link flush}. */
  get gathers(): boolean {
    return this.batchTarget !== undefined;
  }

  collect(value: T, timestamp: number): void {
    if (this.batchTarget !== undefined) {
      const n = this.gathered;
      this.batch.values[n] = value;
      this.batch.timestamps[n] = timestamp;
      this.gathered = n + 1;
      if (n + 1 >= this.batchCapacity) this.flush();
      return;
    }
    if (this.first !== undefined) {
      this.first.processElement(value, timestamp, 0);
      return;
    }
    for (const t of this.main) t.processElement(value, timestamp, 0);
  }

  /**
   * Emits a whole batch: to a batch-taking operator in one call, without copying, else record by
   * record. The caller may reuse the arrays once this returns.
   */
  collectBatch(batch: RecordBatch<T>): void {
    const target = this.batchTarget;
    if (target !== undefined) {
      if (this.gathered > 0) this.flush();
      if (batch.values.length > 0) target.processBatch!(batch, 0);
      return;
    }
    const { values, timestamps } = batch;
    const n = values.length;
    if (this.first !== undefined) {
      const first = this.first;
      for (let i = 0; i < n; i++) first.processElement(values[i], timestamps[i]!, 0);
      return;
    }
    for (let i = 0; i < n; i++) for (const t of this.main) t.processElement(values[i], timestamps[i]!, 0);
  }

  /** Hands the gathered records to the batch-taking target in one call. */
  flush(): void {
    const n = this.gathered;
    if (n === 0) return;
    const batch = this.batch;
    if (batch.values.length !== n) {
      batch.values.length = n;
      batch.timestamps.length = n;
    }
    // Emptied before the call: when the target fails, the task fails with that error, and a flush
    // on the way out must not hand the same records on twice.
    this.gathered = 0;
    this.batchTarget!.processBatch!(batch, 0);
  }

  processElement(value: unknown, timestamp: number): void {
    this.collect(value as T, timestamp);
  }

  processWatermark(watermark: number): void {
    this.emitWatermark(watermark);
  }

  collectSide<X>(tag: OutputTag<X>, value: X, timestamp: number): void {
    const targets = this.sides.get(tag.id);
    if (targets === undefined) return;
    // A side output may meet the main output again downstream (a union): keep their order.
    this.flush();
    for (const t of targets) t.processElement(value, timestamp, 0);
  }

  emitWatermark(timestamp: number): void {
    this.flush();
    this.onWatermark?.(timestamp);
    for (const t of this.allTargets) t.processWatermark(timestamp);
  }
}
