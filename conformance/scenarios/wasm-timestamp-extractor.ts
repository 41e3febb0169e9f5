import { type DataStream, type StreamExecutionEnvironment, WatermarkStrategy } from "../../core/index.ts";
import { expectOutput } from "../checks.ts";
import type { RunScenario } from "../scenario.ts";
import { GUESTS, NO_COMPONENTS_ON_DURABLE_OBJECTS, component, componentMissing, leadingNumber, sampleLines, wasmFunction } from "../wasm-guests.ts";

/** Lines that start with an event time (out of order by up to 500 ms), then words. */
const LINES = sampleLines(2_323, 300).map((words, i) => `${1_000_000 + i * 100 - ((i * 7919) % 500)} ${words}`);

/** Event time from the leading-timestamp component; each record then says its timestamp: `<ts>|<line>`. */
export async function wasmTimestamps(env: StreamExecutionEnvironment, params: { extractor: Uint8Array }): Promise<DataStream<string>> {
  const extract = await wasmFunction(params.extractor, { name: "leading timestamp" });
  return env
    .fromCollection(LINES)
    .assignTimestampsAndWatermarks(WatermarkStrategy.forBoundedOutOfOrderness<string>(500).withTimestampAssigner(extract))
    .process<string>((line, ctx, out) => out.collect(`${ctx.timestamp()}|${line}`));
}

/** A timestamp-extractor component gives records their event time. */
const scenario: RunScenario = {
  name: "wasm-timestamp-extractor",
  description: "a component of the timestamp-extractor world gives each record the event time its line starts with",
  skip: (context) => componentMissing(context, GUESTS.timestampExtractor),
  durableObjects: NO_COMPONENTS_ON_DURABLE_OBJECTS,
  async run(context) {
    const env = context.environment({ parallelism: 2 });
    const stream = await context.build<string>(env, "wasmTimestamps", { extractor: component(context, GUESTS.timestampExtractor) });
    expectOutput(await stream!.executeAndCollect("wasm timestamps"), LINES.map((line) => `${leadingNumber(line)}|${line}`), "unordered", "the records with their timestamps");
  },
};
export default scenario;
