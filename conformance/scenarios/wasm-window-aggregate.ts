import { type DataStream, type StreamExecutionEnvironment, TumblingEventTimeWindows, WatermarkStrategy } from "../../core/index.ts";
import { type ComponentRef, GUESTS, wasmFunction, wasmScenario } from "../wasm-guests.ts";

interface Amount {
  ts: number;
  v: number;
}

const SIZE = 5_000;

/** Amounts 173 ms apart in event time (in order), values -20..80. */
const AMOUNTS: Amount[] = Array.from({ length: 400 }, (_, i) => ({ ts: 1_700_000_000_000 + i * 173, v: ((i * 37) % 101) - 20 }));

const keyOf = (value: number): string => `k${Math.abs(value) % 5}`;

/** window-sum over the amounts' values in tumbling event-time windows per key: `<key>|<start>|<sum>`. */
export async function wasmWindowSum(env: StreamExecutionEnvironment, params: { aggregate: ComponentRef }): Promise<DataStream<string>> {
  const sum = await wasmFunction(params.aggregate, { name: "window sum" });
  return env
    .fromCollection(AMOUNTS)
    .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<Amount>().withTimestampAssigner((a) => a.ts))
    .map((a) => String(a.v))
    .keyBy((value) => keyOf(Number(value)))
    .window(TumblingEventTimeWindows.of(SIZE))
    .aggregate(sum as never, (key, ctx, results: Iterable<string>, out) => {
      for (const r of results) out.collect(`${String(key)}|${ctx.window.start}|${r}`);
    });
}

/** The window sums per key, computed without Eddy: `<key>|<start>|<sum>`. */
function expected(): string[] {
  const sums = new Map<string, number>();
  for (const a of AMOUNTS) {
    const id = `${keyOf(a.v)}|${a.ts - (a.ts % SIZE)}`;
    sums.set(id, (sums.get(id) ?? 0) + a.v);
  }
  return [...sums].map(([id, sum]) => `${id}|${sum}`);
}

/** A window-aggregate component folds each window's records (create, add, merge, get result). */
export default wasmScenario({
  name: "wasm-window-aggregate",
  description: "a component of the window-aggregate world sums the records of each tumbling event-time window per key",
  job: "wasmWindowSum",
  guests: { aggregate: GUESTS.windowAggregate },
  expected,
  compare: "unordered",
  what: "the window sums",
});
