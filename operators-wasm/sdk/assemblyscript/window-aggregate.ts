// world window-aggregate-operator: re-export this module and register an aggregate with
// `onAggregate`. Accumulators are byte strings the host stores; the SDK hands them to the
// functions as ArrayBuffers.

import { postReturn } from "./abi";
import { ByteReader, copyBytes } from "./bytes";
import { BatchReader, BlobsOutput, BlobsReader, Record } from "./record";

export { cabi_realloc } from "./abi";
export { Record } from "./record";

export class Aggregate {
  constructor(
    public create: () => ArrayBuffer,
    /** Returns the accumulator after adding `r` (may mutate and return `acc`). */
    public add: (acc: ArrayBuffer, r: Record) => ArrayBuffer,
    public merge: (a: ArrayBuffer, b: ArrayBuffer) => ArrayBuffer,
    public result: (acc: ArrayBuffer) => ArrayBuffer,
  ) {}
}

let agg: Aggregate | null = null;
const out = new BlobsOutput();

export function onAggregate(a: Aggregate): void {
  agg = a;
}

function emit(buf: ArrayBuffer): void {
  out.itemBytes(changetype<usize>(buf), <usize>buf.byteLength);
}

export function eddy_window_aggregate_create_accumulators(count: u32): usize {
  out.begin();
  for (let i: u32 = 0; i < count; i++) emit(agg!.create());
  return out.finish();
}

export function eddy_window_aggregate_add(ptr: usize, len: usize): usize {
  const a = agg!;
  const r = new ByteReader(ptr, len);
  const groups = r.u32();
  out.begin();
  for (let g: u32 = 0; g < groups; g++) {
    const accLen = <usize>r.u32();
    let acc = copyBytes(r.skip(accLen), accLen);
    const batch = new BatchReader(r.pos, r.end - r.pos);
    while (batch.next()) acc = a.add(acc, batch.record);
    r.pos = batch.reader.pos;
    emit(acc);
  }
  return out.finish();
}

export function eddy_window_aggregate_merge(ptr: usize, len: usize): usize {
  const a = agg!;
  const r = new ByteReader(ptr, len);
  const groups = r.u32();
  out.begin();
  for (let g: u32 = 0; g < groups; g++) {
    const accs = new BlobsReader(r);
    let acc: ArrayBuffer | null = null;
    while (accs.next()) {
      const next = copyBytes(accs.ptr, accs.len);
      acc = acc == null ? next : a.merge(acc, next);
    }
    emit(acc == null ? a.create() : acc);
  }
  return out.finish();
}

export function eddy_window_aggregate_get_results(ptr: usize, len: usize): usize {
  const a = agg!;
  const accs = new BlobsReader(new ByteReader(ptr, len));
  out.begin();
  while (accs.next()) emit(a.result(copyBytes(accs.ptr, accs.len)));
  return out.finish();
}

export function cabi_post_eddy_window_aggregate_create_accumulators(ret: usize): void {
  postReturn();
}
export function cabi_post_eddy_window_aggregate_add(ret: usize): void {
  postReturn();
}
export function cabi_post_eddy_window_aggregate_merge(ret: usize): void {
  postReturn();
}
export function cabi_post_eddy_window_aggregate_get_results(ret: usize): void {
  postReturn();
}
