import { type DataStream, type KeyedProcessFunction, type StreamExecutionEnvironment, ValueStateDescriptor } from "../../core/index.ts";
import { type ComponentRef, GUESTS, firstWord, sampleLines, wasmFunction, wasmScenario } from "../wasm-guests.ts";

const LINES = sampleLines(2_222, 400);

/** keyBy(first-word-key), then a count per key in ValueState: `<key>|<count>|<line>`. */
export async function wasmKeyed(env: StreamExecutionEnvironment, params: { keySelector: ComponentRef }): Promise<DataStream<string>> {
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

/** Each line with its key and the count of its key so far, computed without Eddy: `<key>|<count>|<line>`. */
function expected(): string[] {
  const counts = new Map<string, number>();
  return LINES.map((line) => {
    const key = firstWord(line);
    counts.set(key, (counts.get(key) ?? 0) + 1);
    return `${key}|${counts.get(key)}|${line}`;
  });
}

/** A key-selector component partitions records by key, and keyed state follows its keys. */
export default wasmScenario({
  name: "wasm-key-selector",
  description: "a component of the key-selector world keys the stream: keyed state counts per first word",
  job: "wasmKeyed",
  guests: { keySelector: GUESTS.keySelector },
  expected,
  compare: { perKey: (s) => s.slice(0, s.indexOf("|")) },
  what: "the counts per key",
});
