/**
 * The interval join of two keyed streams (Flink's IntervalJoinOperator): a left element at time
 * t joins every right element of the same key in `[t + lowerBound, t + upperBound]`.
 */
import { EddyError, checkArgument } from "../errors.ts";
import type { OperatorContext, Output, OutputTag, StreamOperator } from "../runtime/operator.ts";
import { MapStateDescriptor, type InternalKvState, type KeyedStateBackend, type MapState } from "../state/types.ts";
import type { InternalTimerService, Timer } from "../time/types.ts";
import type { Collector } from "./window-function.ts";

/** What a {@link ProcessJoinFunction} may ask about the pair being joined. */
export interface ProcessJoinContext {
  readonly leftTimestamp: number;
  readonly rightTimestamp: number;
  /** The result's timestamp: the larger of the two. */
  readonly timestamp: number;
  /** Emits to a side output with the result's timestamp. */
  output<X>(tag: OutputTag<X>, value: X): void;
}

/** Called for every joined pair (Flink's ProcessJoinFunction). */
export type ProcessJoinFunction<L, R, OUT> = (left: L, right: R, ctx: ProcessJoinContext, out: Collector<OUT>) => void;

/** Options of {@link IntervalJoinOperator}. */
export interface IntervalJoinOptions<L, R, OUT> {
  /** Right time minus left time, at least (inclusive unless `lowerBoundExclusive`). */
  readonly lowerBound: number;
  /** Right time minus left time, at most (inclusive unless `upperBoundExclusive`). */
  readonly upperBound: number;
  readonly lowerBoundExclusive?: boolean;
  readonly upperBoundExclusive?: boolean;
  readonly process: ProcessJoinFunction<L, R, OUT>;
  /** Left elements behind the watermark go here; without it they are dropped. */
  readonly leftLateDataTag?: OutputTag<L>;
  readonly rightLateDataTag?: OutputTag<R>;
  readonly name: string;
}

const CLEANUP_LEFT = "CLEANUP_LEFT";
const CLEANUP_RIGHT = "CLEANUP_RIGHT";

/**
 * A keyed two-input operator: input 0 is the left stream, input 1 the right; the runtime sets
 * the current key before every element and timer. Elements behind the watermark are late:
 * side output or dropped. Each side is buffered by timestamp until no future element of the
 * other side can join it.
 */
export class IntervalJoinOperator<L, R, OUT> implements StreamOperator<L | R, OUT> {
  /** Late elements dropped (no late tag for their side). */
  numLateRecordsDropped = 0;

  private readonly name: string;
  private readonly lowerBound: number;
  private readonly upperBound: number;
  private readonly process: ProcessJoinFunction<L, R, OUT>;
  private readonly leftLateDataTag: OutputTag<L> | undefined;
  private readonly rightLateDataTag: OutputTag<R> | undefined;
  private readonly leftDescriptor = new MapStateDescriptor<number, L[]>("LEFT_BUFFER");
  private readonly rightDescriptor = new MapStateDescriptor<number, R[]>("RIGHT_BUFFER");
  private output!: Output<OUT>;
  private timers!: InternalTimerService;
  private backend!: KeyedStateBackend;
  private left!: MapState<number, L[]> & InternalKvState;
  private right!: MapState<number, R[]> & InternalKvState;
  private readonly context: JoinContext<OUT>;
  private readonly collector: JoinCollector<OUT>;

  constructor(options: IntervalJoinOptions<L, R, OUT>) {
    const name = options.name ?? "IntervalJoin";
    this.name = name;
    checkArgument(
      typeof options.lowerBound === "number" && Number.isFinite(options.lowerBound),
      `[eddy] ${name}: lowerBound must be a finite number of ms, got ${String(options.lowerBound)}`,
      name,
    );
    checkArgument(
      typeof options.upperBound === "number" && Number.isFinite(options.upperBound),
      `[eddy] ${name}: upperBound must be a finite number of ms, got ${String(options.upperBound)}`,
      name,
    );
    this.lowerBound = options.lowerBoundExclusive === true ? options.lowerBound + 1 : options.lowerBound;
    this.upperBound = options.upperBoundExclusive === true ? options.upperBound - 1 : options.upperBound;
    checkArgument(
      this.lowerBound <= this.upperBound,
      `[eddy] ${name}: lowerBound must be <= upperBound (after exclusive bounds), got [${this.lowerBound}, ${this.upperBound}]`,
      name,
    );
    checkArgument(typeof options.process === "function", `[eddy] ${name}: process must be a function (left, right, ctx, out) => void`, name);
    this.process = options.process;
    this.leftLateDataTag = options.leftLateDataTag;
    this.rightLateDataTag = options.rightLateDataTag;
    this.context = new JoinContext<OUT>();
    this.collector = new JoinCollector<OUT>();
  }

  toString(): string {
    return this.name;
  }

  setup(context: OperatorContext<OUT>): void {
    if (context.keyed === undefined) {
      throw new EddyError(`[eddy] ${this.name}: an interval join runs on two keyed streams; keyBy() both inputs`, {
        code: "INVALID_ARGUMENT",
        domain: "user",
        operator: this.name,
        retryable: false,
      });
    }
    this.output = context.output;
    this.timers = context.keyed.timers;
    this.context.output_ = context.output;
    this.collector.output = context.output;
    this.backend = context.keyed.backend;
  }

  open(): void {
    this.left = this.backend.getState(this.leftDescriptor);
    this.right = this.backend.getState(this.rightDescriptor);
  }

  processElement(value: L | R, timestamp: number, input: number): void {
    if (input === 0) this.processSide(value as L, timestamp, true, this.left, this.right, this.lowerBound, this.upperBound);
    else this.processSide(value as R, timestamp, false, this.right, this.left, -this.upperBound, -this.lowerBound);
  }

  private processSide<THIS, OTHER>(
    value: THIS,
    timestamp: number,
    isLeft: boolean,
    ours: MapState<number, THIS[]> & InternalKvState,
    others: MapState<number, OTHER[]> & InternalKvState,
    relativeLower: number,
    relativeUpper: number,
  ): void {
    if (Number.isNaN(timestamp)) {
      throw new EddyError(`[eddy] ${this.name}: interval joins need timestamps; assign timestamps and watermarks first`, {
        code: "MISSING_TIMESTAMP",
        domain: "user",
        operator: this.name,
        retryable: false,
      });
    }
    if (timestamp < this.timers.currentWatermark()) {
      const tag = isLeft ? this.leftLateDataTag : this.rightLateDataTag;
      if (tag !== undefined) this.output.collectSide(tag as unknown as OutputTag<THIS>, value, timestamp);
      else this.numLateRecordsDropped++;
      return;
    }
    ours.setCurrentNamespace(0);
    others.setCurrentNamespace(0);
    const bucket = ours.get(timestamp);
    if (bucket === undefined) ours.put(timestamp, [value]);
    else {
      bucket.push(value);
      ours.put(timestamp, bucket);
    }
    for (const [otherTimestamp, otherValues] of others.entries()) {
      if (otherTimestamp < timestamp + relativeLower || otherTimestamp > timestamp + relativeUpper) continue;
      for (const other of otherValues) {
        if (isLeft) this.collect(value as unknown as L, other as unknown as R, timestamp, otherTimestamp);
        else this.collect(other as unknown as L, value as unknown as R, otherTimestamp, timestamp);
      }
    }
    const cleanupTime = relativeUpper > 0 ? timestamp + relativeUpper : timestamp;
    this.timers.registerEventTimeTimer(isLeft ? CLEANUP_LEFT : CLEANUP_RIGHT, cleanupTime);
  }

  private collect(left: L, right: R, leftTimestamp: number, rightTimestamp: number): void {
    const timestamp = Math.max(leftTimestamp, rightTimestamp);
    this.collector.timestamp = timestamp;
    this.context.leftTimestamp = leftTimestamp;
    this.context.rightTimestamp = rightTimestamp;
    this.context.timestamp = timestamp;
    this.process(left, right, this.context, this.collector);
  }

  onEventTime(timer: Timer): void {
    if (timer.namespace === CLEANUP_LEFT) {
      this.left.setCurrentNamespace(0);
      this.left.remove(this.upperBound <= 0 ? timer.timestamp : timer.timestamp - this.upperBound);
    } else if (timer.namespace === CLEANUP_RIGHT) {
      this.right.setCurrentNamespace(0);
      this.right.remove(this.lowerBound <= 0 ? timer.timestamp + this.lowerBound : timer.timestamp);
    } else {
      throw new EddyError(`[eddy] ${this.name}: timer with unknown namespace ${String(timer.namespace)}`, {
        code: "ILLEGAL_STATE",
        operator: this.name,
      });
    }
  }
}

class JoinCollector<OUT> implements Collector<OUT> {
  output!: Output<OUT>;
  timestamp = Number.NaN;
  collect(value: OUT): void {
    this.output.collect(value, this.timestamp);
  }
}

class JoinContext<OUT> implements ProcessJoinContext {
  output_!: Output<OUT>;
  leftTimestamp = Number.NaN;
  rightTimestamp = Number.NaN;
  timestamp = Number.NaN;
  output<X>(tag: OutputTag<X>, value: X): void {
    this.output_.collectSide(tag, value, this.timestamp);
  }
}
