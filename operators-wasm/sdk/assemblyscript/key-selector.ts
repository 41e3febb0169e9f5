// world key-selector-operator: re-export this module and register with `onSelectKey`.

import { postReturn } from "./abi";
import { BatchReader, BlobsOutput, Record, checkCount } from "./record";

export { cabi_realloc } from "./abi";
export { Record, BlobsOutput } from "./record";

/** Writes exactly one key for `r` into `out` (`itemString` or `item`). */
export type KeySelectorFn = (r: Record, out: BlobsOutput) => void;

let keyFn: KeySelectorFn | null = null;
const keys = new BlobsOutput();

export function onSelectKey(fn: KeySelectorFn): void {
  keyFn = fn;
}

export function eddy_key_selector_select_keys(ptr: usize, len: usize): usize {
  const fn = keyFn!;
  const batch = new BatchReader(ptr, len);
  keys.begin();
  while (batch.next()) fn(batch.record, keys);
  checkCount(keys.count, batch.count);
  return keys.finish();
}

export function cabi_post_eddy_key_selector_select_keys(ret: usize): void {
  postReturn();
}
