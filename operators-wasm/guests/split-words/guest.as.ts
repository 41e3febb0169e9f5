// @eddy-world flat-map-operator
// Emits one record per space-separated word of the value (same key and timestamp).
import { onFlatMap, Record, Output } from "../../sdk/assemblyscript/flat-map";
export * from "../../sdk/assemblyscript/flat-map";

onFlatMap((r: Record, out: Output): void => {
  const words = r.valueString().split(" ");
  for (let i = 0; i < words.length; i++) {
    if (words[i].length > 0) out.emitValue(r, words[i]);
  }
});
