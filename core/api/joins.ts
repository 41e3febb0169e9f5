/**
 * Window joins, co-groups and interval joins, with Flink's builder shapes:
 * `a.join(b).where(ka).equalTo(kb).window(assigner).apply(fn)` and
 * `a.keyBy(k).intervalJoin(b.keyBy(k)).between(lo, hi).process(fn)`.
 */
import { checkArgument } from "../errors.ts";
import type { OutputTag } from "../runtime/operator.ts";
import type { Key } from "../state/types.ts";
import type { Window } from "../window/time-window.ts";
import type { Trigger } from "../window/trigger.ts";
import type { WindowAssigner } from "../window/window-assigner.ts";
import type { Collector } from "../window/window-function.ts";
import { createWindowCoGroupOperator, createWindowJoinOperator, type CoGroupFunction } from "../window/window-join.ts";
import { IntervalJoinOperator, type ProcessJoinFunction } from "../window/interval-join-operator.ts";
import type { DataStream, KeyedStream } from "./data-stream.ts";
import { addTwoInputOperator } from "./two-input.ts";

type KeyOf<T> = (value: T) => Key;

/** `a.join(b)`: pick the keys, then the window. */
export class JoinedStreams<L, R> {
  /** @internal */
  constructor(private readonly left: DataStream<L>, private readonly right: DataStream<R>) {}
  where(leftKey: KeyOf<L>): { equalTo(rightKey: KeyOf<R>): { window<W extends Window>(assigner: WindowAssigner<any, W>): WindowedJoin<L, R, W> } } {
    checkArgument(typeof leftKey === "function", "[eddy] join().where needs a key selector function");
    return {
      equalTo: (rightKey) => {
        checkArgument(typeof rightKey === "function", "[eddy] join().equalTo needs a key selector function");
        return { window: (assigner) => new WindowedJoin(this.left.keyBy(leftKey), this.right.keyBy(rightKey), assigner, "join") };
      },
    };
  }
}

/** `a.coGroup(b)`: pick the keys, then the window. */
export class CoGroupedStreams<L, R> {
  /** @internal */
  constructor(private readonly left: DataStream<L>, private readonly right: DataStream<R>) {}
  where(leftKey: KeyOf<L>): { equalTo(rightKey: KeyOf<R>): { window<W extends Window>(assigner: WindowAssigner<any, W>): WindowedJoin<L, R, W> } } {
    checkArgument(typeof leftKey === "function", "[eddy] coGroup().where needs a key selector function");
    return {
      equalTo: (rightKey) => ({ window: (assigner) => new WindowedJoin(this.left.keyBy(leftKey), this.right.keyBy(rightKey), assigner, "coGroup") }),
    };
  }
}

/** A window join or co-group waiting for its function. */
export class WindowedJoin<L, R, W extends Window> {
  private triggerValue: Trigger<any, W> | undefined;
  private lateness = 0;
  /** @internal */
  constructor(
    private readonly left: KeyedStream<L>,
    private readonly right: KeyedStream<R>,
    private readonly assigner: WindowAssigner<any, W>,
    private readonly kind: "join" | "coGroup",
  ) {}
  trigger(trigger: Trigger<any, W>): this {
    this.triggerValue = trigger;
    return this;
  }
  allowedLateness(ms: number): this {
    checkArgument(Number.isFinite(ms) && ms >= 0, `[eddy] allowedLateness must be a finite number >= 0 ms, got ${ms}`);
    this.lateness = ms;
    return this;
  }
  /** Join: called once per pair of left and right elements with the same key in the same window. */
  apply<OUT>(fn: (left: L, right: R) => OUT): DataStream<OUT> {
    checkArgument(typeof fn === "function", "[eddy] join().apply needs a function (left, right) => result");
    const name = `Window Join(${String(this.assigner)})`;
    const opts = { assigner: this.assigner, trigger: this.triggerValue, allowedLateness: this.lateness, name };
    if (this.kind === "coGroup") {
      const co = fn as unknown as CoGroupFunction<L, R, OUT>;
      return addTwoInputOperator<OUT>(this.left, this.right, `Window CoGroup(${String(this.assigner)})`, () => createWindowCoGroupOperator<L, R, OUT, W>({ ...opts, coGroup: co }), true);
    }
    return addTwoInputOperator<OUT>(this.left, this.right, name, () => createWindowJoinOperator<L, R, OUT, W>({ ...opts, join: fn }), true);
  }
  /** Join emitting any number of results per pair. */
  flatApply<OUT>(fn: (left: L, right: R, out: Collector<OUT>) => void): DataStream<OUT> {
    const name = `Window Join(${String(this.assigner)})`;
    return addTwoInputOperator<OUT>(this.left, this.right, name, () => createWindowJoinOperator<L, R, OUT, W>({ assigner: this.assigner, trigger: this.triggerValue, allowedLateness: this.lateness, name, flatJoin: fn }), true);
  }
  /** Co-group: called once per key and window with all left and right elements. */
  coGroup<OUT>(fn: CoGroupFunction<L, R, OUT>): DataStream<OUT> {
    const name = `Window CoGroup(${String(this.assigner)})`;
    return addTwoInputOperator<OUT>(this.left, this.right, name, () => createWindowCoGroupOperator<L, R, OUT, W>({ assigner: this.assigner, trigger: this.triggerValue, allowedLateness: this.lateness, name, coGroup: fn }), true);
  }
}

/** `a.intervalJoin(b)`: joins elements whose timestamps are within bounds of each other. */
export class IntervalJoin<L, R, K extends Key> {
  private lower: number | undefined;
  private upper: number | undefined;
  private lowerExclusive = false;
  private upperExclusive = false;
  private leftLate: OutputTag<L> | undefined;
  private rightLate: OutputTag<R> | undefined;
  /** @internal */
  constructor(private readonly left: KeyedStream<L, K>, private readonly right: KeyedStream<R, K>) {}
  /** right.timestamp - left.timestamp must lie in [lowerBound, upperBound]. */
  between(lowerBound: number, upperBound: number): this {
    checkArgument(Number.isFinite(lowerBound) && Number.isFinite(upperBound) && lowerBound <= upperBound, `[eddy] intervalJoin.between: need finite lowerBound <= upperBound, got [${lowerBound}, ${upperBound}]`);
    this.lower = lowerBound;
    this.upper = upperBound;
    return this;
  }
  lowerBoundExclusive(): this {
    this.lowerExclusive = true;
    return this;
  }
  upperBoundExclusive(): this {
    this.upperExclusive = true;
    return this;
  }
  sideOutputLeftLateData(tag: OutputTag<L>): this {
    this.leftLate = tag;
    return this;
  }
  sideOutputRightLateData(tag: OutputTag<R>): this {
    this.rightLate = tag;
    return this;
  }
  /** Calls `fn(left, right, ctx, out)` for every joined pair. */
  process<OUT>(fn: ProcessJoinFunction<L, R, OUT>, name = "Interval Join"): DataStream<OUT> {
    checkArgument(this.lower !== undefined && this.upper !== undefined, "[eddy] intervalJoin: call between(lowerBound, upperBound) before process");
    checkArgument(typeof fn === "function", "[eddy] intervalJoin.process needs a function (left, right, ctx, out) => void");
    const options = {
      lowerBound: this.lower!,
      upperBound: this.upper!,
      lowerBoundExclusive: this.lowerExclusive,
      upperBoundExclusive: this.upperExclusive,
      process: fn,
      leftLateDataTag: this.leftLate,
      rightLateDataTag: this.rightLate,
      name,
    };
    return addTwoInputOperator<OUT>(this.left, this.right, name, () => new IntervalJoinOperator<L, R, OUT>(options), true);
  }
}
