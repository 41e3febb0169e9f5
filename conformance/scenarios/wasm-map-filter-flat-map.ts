import type { DataStream, StreamExecutionEnvironment } from "../../core/index.ts";
import { type ComponentRef, GUESTS, notComment, sampleLines, upperAscii, wasmFunction, wasmScenario, words } from "../wasm-guests.ts";

const LINES = sampleLines(2_121, 400);

/** The three stateless worlds chained: filter-comments, then uppercase-map, then split-words. */
export async function wasmChain(env: StreamExecutionEnvironment, params: { filter: ComponentRef; map: ComponentRef; flatMap: ComponentRef }): Promise<DataStream<string>> {
  const filter = await wasmFunction(params.filter, { name: "no comments" });
  const map = await wasmFunction(params.map, { name: "upper" });
  const flatMap = await wasmFunction(params.flatMap, { name: "words" });
  return env.fromCollection(LINES).rebalance().filter(filter).map<string>(map).flatMap<string>(flatMap);
}

/**
 * WebAssembly operators of the filter, map and flat-map worlds, chained at parallelism 2: the
 * same records come out as from the guests' logic written in TypeScript.
 */
export default wasmScenario({
  name: "wasm-map-filter-flat-map",
  description: "components of the filter, map and flat-map worlds, chained, give the output of their logic written in TypeScript",
  job: "wasmChain",
  guests: { filter: GUESTS.filter, map: GUESTS.map, flatMap: GUESTS.flatMap },
  expected: () => LINES.filter(notComment).map(upperAscii).flatMap(words),
  compare: "unordered",
  what: "the words",
});
