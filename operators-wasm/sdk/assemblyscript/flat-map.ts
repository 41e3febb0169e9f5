// world flat-map-operator: re-export this module and register with `onFlatMap`;
// emit zero or more records per input.

import { postReturn } from "./abi";
import { BatchReader, Output, Record } from "./record";

export { cabi_realloc } from "./abi";
export { Record, Output } from "./record";

export type FlatMapFn = (r: Record, out: Output) => void;

let flatMapFn: FlatMapFn | null = null;
const output = new Output();

export function onFlatMap(fn: FlatMapFn): void {
  flatMapFn = fn;
}

export function eddy_flat_map_process_batch(ptr: usize, len: usize): usize {
  const fn = flatMapFn!;
  const batch = new BatchReader(ptr, len);
  output.begin();
  while (batch.next()) fn(batch.record, output);
  return output.finish();
}

export function cabi_post_eddy_flat_map_process_batch(ret: usize): void {
  postReturn();
}
