import type { DataStream, StreamExecutionEnvironment } from "../../core/index.ts";
import { expectOutput } from "../checks.ts";
import type { RunScenario } from "../scenario.ts";
import { GUESTS, NO_COMPONENTS_ON_DURABLE_OBJECTS, component, componentMissing, notComment, sampleLines, upperAscii, wasmFunction, words } from "../wasm-guests.ts";

const LINES = sampleLines(2_121, 400);

/** The three stateless worlds chained: filter-comments, then uppercase-map, then split-words. */
export async function wasmChain(env: StreamExecutionEnvironment, params: { filter: Uint8Array; map: Uint8Array; flatMap: Uint8Array }): Promise<DataStream<string>> {
  const filter = await wasmFunction(params.filter, { name: "no comments" });
  const map = await wasmFunction(params.map, { name: "upper" });
  const flatMap = await wasmFunction(params.flatMap, { name: "words" });
  return env.fromCollection(LINES).rebalance().filter(filter).map<string>(map).flatMap<string>(flatMap);
}

/**
 * WebAssembly operators of the filter, map and flat-map worlds, chained at parallelism 2: the
 * same records come out as from the guests' logic written in TypeScript.
 */
const scenario: RunScenario = {
  name: "wasm-map-filter-flat-map",
  description: "components of the filter, map and flat-map worlds, chained, give the output of their logic written in TypeScript",
  skip: (context) => componentMissing(context, GUESTS.filter) ?? componentMissing(context, GUESTS.map) ?? componentMissing(context, GUESTS.flatMap),
  durableObjects: NO_COMPONENTS_ON_DURABLE_OBJECTS,
  async run(context) {
    const env = context.environment({ parallelism: 2 });
    const stream = await context.build<string>(env, "wasmChain", { filter: component(context, GUESTS.filter), map: component(context, GUESTS.map), flatMap: component(context, GUESTS.flatMap) });
    const expected = LINES.filter(notComment).map(upperAscii).flatMap(words);
    expectOutput(await stream!.executeAndCollect("wasm chain"), expected, "unordered", "the words");
  },
};
export default scenario;
