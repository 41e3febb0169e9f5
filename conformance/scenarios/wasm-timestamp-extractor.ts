import { type DataStream, type StreamExecutionEnvironment, WatermarkStrategy } from "../../core/index.ts";
import { type ComponentRef, GUESTS, leadingNumber, sampleLines, wasmFunction, wasmScenario } from "../wasm-guests.ts";

/** Lines that start with an event time (out of order by up to 500 ms), then words. */
const LINES = sampleLines(2_323, 300).map((words, i) => `${1_000_000 + i * 100 - ((i * 7919) % 500)} ${words}`);

/** Event time from the leading-timestamp component; each record then says its timestamp: `<ts>|<line>`. */
export async function wasmTimestamps(env: StreamExecutionEnvironment, params: { extractor: ComponentRef }): Promise<DataStream<string>> {
  const extract = await wasmFunction(params.extractor, { name: "leading timestamp" });
  return env
    .fromCollection(LINES)
    .assignTimestampsAndWatermarks(WatermarkStrategy.forBoundedOutOfOrderness<string>(500).withTimestampAssigner(extract))
    .process<string>((line, ctx, out) => out.collect(`${ctx.timestamp()}|${line}`));
}

/** A timestamp-extractor component gives records their event time. */
export default wasmScenario({
  name: "wasm-timestamp-extractor",
  description: "a component of the timestamp-extractor world gives each record the event time its line starts with",
  job: "wasmTimestamps",
  guests: { extractor: GUESTS.timestampExtractor },
  expected: () => LINES.map((line) => `${leadingNumber(line)}|${line}`),
  compare: "unordered",
  what: "the records with their timestamps",
});
