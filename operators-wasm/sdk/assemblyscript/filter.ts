// world filter-operator: re-export this module and register with `onFilter`.

import { postReturn, returnList } from "./abi";
import { ByteBuffer } from "./bytes";
import { BatchReader, Record } from "./record";

export { cabi_realloc } from "./abi";
export { Record } from "./record";

export type FilterFn = (r: Record) => bool;

let filterFn: FilterFn | null = null;
const flags = new ByteBuffer();

export function onFilter(fn: FilterFn): void {
  filterFn = fn;
}

export function eddy_filter_process_batch(ptr: usize, len: usize): usize {
  const fn = filterFn!;
  const batch = new BatchReader(ptr, len);
  flags.reset();
  flags.u32(batch.count);
  while (batch.next()) flags.u8(fn(batch.record) ? 1 : 0);
  return returnList(flags.ptr, flags.len);
}

export function cabi_post_eddy_filter_process_batch(ret: usize): void {
  postReturn();
}
