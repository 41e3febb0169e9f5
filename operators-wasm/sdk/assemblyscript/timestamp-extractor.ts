// world timestamp-extractor-operator: re-export this module and register with
// `onExtractTimestamp`; return NaN to keep the record's timestamp.

import { postReturn, returnList } from "./abi";
import { ByteBuffer } from "./bytes";
import { BatchReader, Record } from "./record";

export { cabi_realloc } from "./abi";
export { Record } from "./record";

export type TimestampFn = (r: Record) => f64;

let tsFn: TimestampFn | null = null;
const out = new ByteBuffer();

export function onExtractTimestamp(fn: TimestampFn): void {
  tsFn = fn;
}

export function eddy_timestamp_extractor_extract_timestamps(ptr: usize, len: usize): usize {
  const fn = tsFn!;
  const batch = new BatchReader(ptr, len);
  out.reset();
  out.u32(batch.count);
  while (batch.next()) out.f64(fn(batch.record));
  return returnList(out.ptr, out.len);
}

export function cabi_post_eddy_timestamp_extractor_extract_timestamps(ret: usize): void {
  postReturn();
}
