/**
 * The Output an operator emits into: the chained operators after it and the record writers of
 * edges that leave the chain, for the main output and for each side output.
 */
import type { Output, OutputTag } from "./operator.ts";
import type { RecordTarget } from "./record-writer.ts";

/**
 * Fans out to every target; side outputs go to the targets registered under their tag. It is a
 * RecordTarget too, so a source can emit into it without an adapter.
 */
export class ChainOutput<T> implements Output<T>, RecordTarget {
  private readonly main: RecordTarget[];
  private readonly first: RecordTarget | undefined;
  private readonly allTargets: RecordTarget[];

  constructor(
    main: RecordTarget[],
    private readonly sides: ReadonlyMap<string, RecordTarget[]>,
    private readonly onWatermark?: (watermark: number) => void,
  ) {
    this.main = main;
    this.first = main.length === 1 ? main[0] : undefined;
    const all = new Set<RecordTarget>(main);
    for (const targets of sides.values()) for (const t of targets) all.add(t);
    this.allTargets = [...all];
  }

  collect(value: T, timestamp: number): void {
    if (this.first !== undefined) {
      this.first.processElement(value, timestamp, 0);
      return;
    }
    for (const t of this.main) t.processElement(value, timestamp, 0);
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
    for (const t of targets) t.processElement(value, timestamp, 0);
  }

  emitWatermark(timestamp: number): void {
    this.onWatermark?.(timestamp);
    for (const t of this.allTargets) t.processWatermark(timestamp);
  }
}
