/**
 * Window joins and co-groups of two keyed streams (Flink's `join(...).where().equalTo().window()`
 * and `coGroup`): both inputs go, tagged, into one window operator whose function splits each
 * firing window's elements back into the left and right side.
 */
import { checkArgument } from "../errors.ts";
import type { OperatorContext, StreamOperator } from "../runtime/operator.ts";
import type { Timer } from "../time/types.ts";
import type { Evictor } from "./evictors.ts";
import type { Trigger } from "./trigger.ts";
import type { Window } from "./time-window.ts";
import type { WindowAssigner } from "./window-assigner.ts";
import type { Collector, WindowContext } from "./window-function.ts";
import { WindowOperator } from "./window-operator.ts";

/** An element of either input: `input` 0 is the left (first) stream, 1 the right (second). */
export interface TaggedUnion<L, R> {
  readonly input: 0 | 1;
  readonly value: L | R;
}

/** Called once per key and firing window with both sides' elements (either may be empty). */
export type CoGroupFunction<L, R, OUT> = (left: L[], right: R[], out: Collector<OUT>) => void;

/** Options shared by window joins and co-groups. */
export interface TwoInputWindowOptions<W extends Window = Window> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly assigner: WindowAssigner<any, W>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly trigger?: Trigger<any, W>;
  readonly allowedLateness?: number;
  /** Sees the tagged elements of both sides (`{ input, value }`). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly evictor?: Evictor<TaggedUnion<any, any>, W>;
  readonly name: string;
}

/** Options of {@link createWindowCoGroupOperator}. */
export interface WindowCoGroupOptions<L, R, OUT, W extends Window = Window> extends TwoInputWindowOptions<W> {
  readonly coGroup: CoGroupFunction<L, R, OUT>;
}

/** Options of {@link createWindowJoinOperator}: give `join` (one result per pair) or `flatJoin`. */
export interface WindowJoinOptions<L, R, OUT, W extends Window = Window> extends TwoInputWindowOptions<W> {
  readonly join?: (left: L, right: R) => OUT;
  readonly flatJoin?: (left: L, right: R, out: Collector<OUT>) => void;
}

/**
 * A keyed two-input window operator: input 0 is the left stream, input 1 the right; the
 * runtime sets the current key (from each input's key selector) before every element and timer.
 */
export class TwoInputWindowOperator<L, R, OUT, W extends Window = Window> implements StreamOperator<L | R, OUT> {
  private readonly inner: WindowOperator<TaggedUnion<L, R>, OUT, W>;

  constructor(inner: WindowOperator<TaggedUnion<L, R>, OUT, W>) {
    this.inner = inner;
  }

  setup(context: OperatorContext<OUT>): void {
    this.inner.setup(context);
  }

  open(): void {
    this.inner.open();
  }

  processElement(value: L | R, timestamp: number, input: number): void {
    this.inner.processElement({ input: input === 0 ? 0 : 1, value }, timestamp);
  }

  onEventTime(timer: Timer): void {
    this.inner.onEventTime(timer);
  }

  onProcessingTime(timer: Timer): void {
    this.inner.onProcessingTime(timer);
  }

  /** Elements dropped as too late for all their windows. */
  get numLateRecordsDropped(): number {
    return this.inner.numLateRecordsDropped;
  }

  toString(): string {
    return this.inner.toString();
  }
}

/** Creates a window co-group: per key and window, `coGroup(lefts, rights, out)`, elements in arrival order. */
export function createWindowCoGroupOperator<L, R, OUT, W extends Window = Window>(
  options: WindowCoGroupOptions<L, R, OUT, W>,
): TwoInputWindowOperator<L, R, OUT, W> {
  checkArgument(
    typeof options.coGroup === "function",
    `[eddy] ${options.name}: coGroup must be a function (lefts, rights, out) => void`,
    options.name,
  );
  const coGroup = options.coGroup;
  const inner = new WindowOperator<TaggedUnion<L, R>, OUT, W>({
    assigner: options.assigner,
    trigger: options.trigger,
    allowedLateness: options.allowedLateness,
    evictor: options.evictor,
    name: options.name,
    function: {
      kind: "process",
      process: (_key, _ctx: WindowContext<W>, elements, out) => {
        const left: L[] = [];
        const right: R[] = [];
        for (const element of elements) {
          if (element.input === 0) left.push(element.value as L);
          else right.push(element.value as R);
        }
        coGroup(left, right, out);
      },
    },
  });
  return new TwoInputWindowOperator(inner);
}

/**
 * Creates a window join: per key and window, every pair of a left and a right element
 * (the cross product, left-major), emitted with the window's max timestamp.
 */
export function createWindowJoinOperator<L, R, OUT, W extends Window = Window>(
  options: WindowJoinOptions<L, R, OUT, W>,
): TwoInputWindowOperator<L, R, OUT, W> {
  const { join, flatJoin } = options;
  checkArgument(
    (typeof join === "function") !== (typeof flatJoin === "function"),
    `[eddy] ${options.name}: give exactly one of join (left, right) => out or flatJoin (left, right, out) => void`,
    options.name,
  );
  const coGroup: CoGroupFunction<L, R, OUT> =
    join !== undefined
      ? (left, right, out) => {
          for (const l of left) for (const r of right) out.collect(join(l, r));
        }
      : (left, right, out) => {
          for (const l of left) for (const r of right) flatJoin!(l, r, out);
        };
  return createWindowCoGroupOperator({ ...options, coGroup });
}
