/**
 * ConnectedStreams: two streams processed by one CoProcessFunction, keyed or not.
 */
import { checkArgument } from "../errors.ts";
import type { Key } from "../state/types.ts";
import type { DataStream } from "./data-stream.ts";
import type { CoProcessFunction, KeyedCoProcessFunction } from "./functions.ts";
import { coProcessOperator } from "./operators/process-operators.ts";
import { addTwoInputOperator } from "./two-input.ts";

/** Two connected streams. */
export class ConnectedStreams<IN1, IN2> {
  /** @internal */
  constructor(readonly first: DataStream<IN1>, readonly second: DataStream<IN2>) {}

  /** Keys both inputs; state and timers are then shared per key across the two inputs. */
  keyBy<K extends Key>(key1: (value: IN1) => K, key2: (value: IN2) => K): ConnectedStreams<IN1, IN2> {
    return new ConnectedStreams(this.first.keyBy(key1), this.second.keyBy(key2));
  }

  /** Runs a CoProcessFunction (KeyedCoProcessFunction when both inputs are keyed). */
  process<OUT>(fn: KeyedCoProcessFunction<Key, IN1, IN2, OUT>, name?: string): DataStream<OUT>;
  process<OUT>(fn: CoProcessFunction<IN1, IN2, OUT>, name?: string): DataStream<OUT>;
  process<OUT>(fn: CoProcessFunction<IN1, IN2, OUT> | KeyedCoProcessFunction<Key, IN1, IN2, OUT>, name = "Co-Process"): DataStream<OUT> {
    checkArgument(
      fn !== null && typeof fn === "object" && typeof fn.processElement1 === "function" && typeof fn.processElement2 === "function",
      `[eddy] ConnectedStreams.process of "${name}" needs an object with processElement1 and processElement2`,
    );
    return addTwoInputOperator<OUT>(this.first, this.second, name, () => coProcessOperator(fn));
  }

  /** Maps each input with its own function into one stream. */
  map<OUT>(map1: (value: IN1) => OUT, map2: (value: IN2) => OUT, name = "Co-Map"): DataStream<OUT> {
    const fn: CoProcessFunction<IN1, IN2, OUT> = { processElement1: (v, _c, out) => out.collect(map1(v)), processElement2: (v, _c, out) => out.collect(map2(v)) };
    return this.process<OUT>(fn, name);
  }

  /** Flat-maps each input with its own function into one stream. */
  flatMap<OUT>(fn1: (value: IN1) => Iterable<OUT>, fn2: (value: IN2) => Iterable<OUT>, name = "Co-Flat Map"): DataStream<OUT> {
    const fn: CoProcessFunction<IN1, IN2, OUT> = {
      processElement1: (v, _c, out) => {
        for (const r of fn1(v)) out.collect(r);
      },
      processElement2: (v, _c, out) => {
        for (const r of fn2(v)) out.collect(r);
      },
    };
    return this.process<OUT>(fn, name);
  }
}
