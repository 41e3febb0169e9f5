/**
 * Flink's WatermarkStrategy: how a source assigns timestamps and generates watermarks.
 */
import { checkArgument } from "../errors.ts";
import { BoundedOutOfOrdernessWatermarks } from "./bounded-out-of-orderness-watermarks.ts";
import { NoWatermarksGenerator } from "./no-watermarks-generator.ts";
import type { OperatorProvider } from "../api/functions.ts";
import type { Clock, TimestampAssigner, WatermarkGenerator } from "./types.ts";
import { WatermarksWithIdleness } from "./watermarks-with-idleness.ts";

/** What a generator is created with (Flink's WatermarkGeneratorSupplier.Context). */
export interface WatermarkGeneratorContext {
  /** Processing-time clock, used for idleness. */
  readonly clock: Clock;
}

/** Creates a watermark generator for one source split or subtask. */
export type WatermarkGeneratorSupplier<T> = (context: WatermarkGeneratorContext) => WatermarkGenerator<T>;

/** Flink's RecordTimestampAssigner: keeps the timestamp the record already has. */
const recordTimestamp = <T>(_element: T, recordTimestamp: number): number => recordTimestamp;

/**
 * Timestamp assignment and watermark generation for a source.
 *
 * @example
 * const strategy = WatermarkStrategy.forBoundedOutOfOrderness<{ ts: number }>(5_000)
 *   .withTimestampAssigner((e) => e.ts)
 *   .withIdleness(60_000);
 */
export class WatermarkStrategy<T> {
  private constructor(
    private readonly generatorSupplier: WatermarkGeneratorSupplier<T>,
    private readonly assigner: TimestampAssigner<T> | undefined,
    /** Idle timeout in ms, when set. */
    readonly idlenessMs: number | undefined,
    /** Ingestion time: the timestamp is the processing time when the source emits the record. */
    private readonly ingestion = false,
    /** A timestamp assigner that brings its own operator (assignTimestampsAndWatermarks runs it first). */
    readonly timestampAssignerProvider: OperatorProvider | undefined = undefined,
  ) {}

  /**
   * Ingestion time: each record is stamped with the processing time at which the source emits
   * it, and watermarks follow that clock (Flink's IngestionTime characteristic).
   */
  static forIngestionTime<T>(): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(() => new BoundedOutOfOrdernessWatermarks<T>(0), undefined, undefined, true);
  }

  /** Watermarks that trail the largest timestamp seen by `maxOutOfOrdernessMs` (+1 ms). */
  static forBoundedOutOfOrderness<T>(maxOutOfOrdernessMs: number): WatermarkStrategy<T> {
    // Validate now, where the user wrote the call, not when the job starts.
    new BoundedOutOfOrdernessWatermarks<T>(maxOutOfOrdernessMs);
    return new WatermarkStrategy<T>(() => new BoundedOutOfOrdernessWatermarks<T>(maxOutOfOrdernessMs), undefined, undefined);
  }

  /** For ascending timestamps: the watermark is the largest timestamp seen minus 1. */
  static forMonotonousTimestamps<T>(): WatermarkStrategy<T> {
    return WatermarkStrategy.forBoundedOutOfOrderness<T>(0);
  }

  /** No watermarks at all (processing-time jobs). */
  static noWatermarks<T>(): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(() => new NoWatermarksGenerator<T>(), undefined, undefined);
  }

  /** A custom generator, created once per source split or subtask. */
  static forGenerator<T>(supplier: WatermarkGeneratorSupplier<T>): WatermarkStrategy<T> {
    checkArgument(typeof supplier === "function", "[eddy] WatermarkStrategy.forGenerator needs a function that creates a generator");
    return new WatermarkStrategy<T>(supplier, undefined, undefined);
  }

  /** Takes event timestamps from the elements (the default keeps the record's own timestamp). */
  withTimestampAssigner(assigner: TimestampAssigner<T> | OperatorProvider): WatermarkStrategy<T> {
    if (typeof assigner === "object" && assigner !== null && typeof (assigner as OperatorProvider).createOperator === "function") {
      // its operator stamps the records before the generator, which then keeps their timestamps
      assigner.createOperator("timestampAssigner");
      return new WatermarkStrategy<T>(this.generatorSupplier, undefined, this.idlenessMs, false, assigner);
    }
    checkArgument(typeof assigner === "function", "[eddy] withTimestampAssigner needs a function (element, recordTimestamp) => number or an OperatorProvider");
    return new WatermarkStrategy<T>(this.generatorSupplier, assigner, this.idlenessMs, false);
  }

  /** Marks the source idle after `idleTimeoutMs` of processing time without events. */
  withIdleness(idleTimeoutMs: number): WatermarkStrategy<T> {
    checkArgument(
      typeof idleTimeoutMs === "number" && idleTimeoutMs > 0 && Number.isFinite(idleTimeoutMs),
      `[eddy] withIdleness got idleTimeoutMs=${String(idleTimeoutMs)}: expected a finite number of ms > 0`,
    );
    return new WatermarkStrategy<T>(this.generatorSupplier, this.assigner, idleTimeoutMs, this.ingestion, this.timestampAssignerProvider);
  }

  /** Creates the generator for one split or subtask. */
  createWatermarkGenerator(context: WatermarkGeneratorContext): WatermarkGenerator<T> {
    const generator = this.generatorSupplier(context);
    return this.idlenessMs === undefined ? generator : new WatermarksWithIdleness(generator, this.idlenessMs, context.clock);
  }

  /** Creates the timestamp assigner. */
  createTimestampAssigner(context?: WatermarkGeneratorContext): TimestampAssigner<T> {
    if (this.ingestion) {
      const clock = context?.clock;
      if (clock === undefined) throw new Error("[eddy] ingestion time needs the processing-time clock");
      return () => clock.now();
    }
    return this.assigner ?? recordTimestamp;
  }
}
