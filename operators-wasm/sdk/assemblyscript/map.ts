// world map-operator: re-export everything from this module in the guest's entry file and
// register the function with `onMap`. Emit exactly one record per input.
//
//   export * from "<sdk>/map";
//   onMap((r: Record, out: Output): void => { out.emitValue(r, r.valueString().toUpperCase()); });

import { postReturn } from "./abi";
import { BatchReader, Output, Record, checkCount } from "./record";

export { cabi_realloc } from "./abi";
export { Record, Output } from "./record";

export type MapFn = (r: Record, out: Output) => void;

let mapFn: MapFn | null = null;
const output = new Output();

export function onMap(fn: MapFn): void {
  mapFn = fn;
}

export function eddy_map_process_batch(ptr: usize, len: usize): usize {
  const fn = mapFn!;
  const batch = new BatchReader(ptr, len);
  output.begin();
  while (batch.next()) fn(batch.record, output);
  checkCount(output.count, batch.count);
  return output.finish();
}

export function cabi_post_eddy_map_process_batch(ret: usize): void {
  postReturn();
}
