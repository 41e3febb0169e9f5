import { type DataStream, type KeyedProcessFunction, type StreamExecutionEnvironment, ValueStateDescriptor } from "../../core/index.ts";
import { expectOutput } from "../checks.ts";
import type { RunScenario } from "../scenario.ts";
import { GUESTS, NO_COMPONENTS_ON_DURABLE_OBJECTS, component, componentMissing, firstWord, sampleLines, wasmFunction } from "../wasm-guests.ts";

const LINES = sampleLines(2_222, 400);

/** keyBy(first-word-key), then a count per key in ValueState: `<key>|<count>|<line>`. */
export async function wasmKeyed(env: StreamExecutionEnvironment, params: { keySelector: Uint8Array }): Promise<DataStream<string>> {
  const key = await wasmFunction(params.keySelector, { name: "first word" });
  const count = new ValueStateDescriptor<number>("count", 0);
  const counter: KeyedProcessFunction<string, string, string> = {
    processElement(line, ctx, out) {
      const state = ctx.getState(count);
      state.update(state.value()! + 1);
      out.collect(`${ctx.getCurrentKey()}|${state.value()}|${line}`);
    },
  };
  return env.fromCollection(LINES).keyBy<string>(key).process(counter);
}

/** A key-selector component partitions records by key, and keyed state follows its keys. */
const scenario: RunScenario = {
  name: "wasm-key-selector",
  description: "a component of the key-selector world keys the stream: keyed state counts per first word",
  skip: (context) => componentMissing(context, GUESTS.keySelector),
  durableObjects: NO_COMPONENTS_ON_DURABLE_OBJECTS,
  async run(context) {
    const env = context.environment({ parallelism: 2 });
    const stream = await context.build<string>(env, "wasmKeyed", { keySelector: component(context, GUESTS.keySelector) });
    const counts = new Map<string, number>();
    const expected = LINES.map((line) => {
      const key = firstWord(line);
      counts.set(key, (counts.get(key) ?? 0) + 1);
      return `${key}|${counts.get(key)}|${line}`;
    });
    expectOutput(await stream!.executeAndCollect("wasm key selector"), expected, { perKey: (s) => s.slice(0, s.indexOf("|")) }, "the counts per key");
  },
};
export default scenario;
