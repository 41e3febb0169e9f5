// world keyed-process-operator: re-export this module, declare the state names the
// function uses with `declareState`, and register with `onProcess` / `onTimer`.
//
// State and timers cost one host call each per batch, not per record: before the user
// function runs, every declared state of every key in the batch is read in one `read`
// call; writes and timer updates are buffered and sent in one `write` and one `update`.

import { loadListLen, loadListPtr, postReturn } from "./abi";
import { ByteBuffer, ByteReader, copyBytes, latin1 } from "./bytes";
import { BatchReader, Output, Record } from "./record";

export { cabi_realloc } from "./abi";
export { Record, Output } from "./record";

@external("eddy:operator/keyed-state@0.1.0", "read")
declare function hostStateRead(ptr: usize, len: usize, retArea: usize): void;
@external("eddy:operator/keyed-state@0.1.0", "write")
declare function hostStateWrite(ptr: usize, len: usize): void;
@external("eddy:operator/timer-service@0.1.0", "update")
declare function hostTimerUpdate(ptr: usize, len: usize): void;

export const EVENT_TIME: u8 = 0;
export const PROCESSING_TIME: u8 = 1;

class Entry {
  constructor(public name: string, public keyPtr: usize, public keyLen: usize, public value: ArrayBuffer | null) {}
  dirty: bool = false;
}

/** What the user function sees: the current key, time, state, timers and output. */
export class KeyedContext {
  watermark: f64 = -Infinity;
  processingTime: f64 = 0;
  keyPtr: usize = 0;
  keyLen: usize = 0;
  out: Output = new Output();
  cache: Map<string, Entry> = new Map();
  dirty: Array<Entry> = [];
  timers: ByteBuffer = new ByteBuffer();
  timerCount: u32 = 0;
  keyId: string = "";

  keyString(): string {
    return String.UTF8.decodeUnsafe(this.keyPtr, this.keyLen);
  }

  private entry(name: string): Entry {
    const id = name + "\0" + this.keyId;
    if (!this.cache.has(id)) {
      // not declared with declareState: treated as absent (cannot read the host mid-batch)
      const e = new Entry(name, this.keyPtr, this.keyLen, null);
      this.cache.set(id, e);
      return e;
    }
    return this.cache.get(id);
  }

  /** The value of state `name` for the current key, or null. */
  getState(name: string): ArrayBuffer | null {
    return this.entry(name).value;
  }

  setState(name: string, value: ArrayBuffer | null): void {
    const e = this.entry(name);
    e.value = value;
    if (!e.dirty) {
      e.dirty = true;
      this.dirty.push(e);
    }
  }

  clearState(name: string): void {
    this.setState(name, null);
  }

  getI64(name: string, otherwise: i64 = 0): i64 {
    const v = this.getState(name);
    return v == null || v.byteLength < 8 ? otherwise : load<i64>(changetype<usize>(v));
  }

  setI64(name: string, v: i64): void {
    const buf = new ArrayBuffer(8);
    store<i64>(changetype<usize>(buf), v);
    this.setState(name, buf);
  }

  private timer(op: u8, domain: u8, time: f64): void {
    this.timerCount++;
    this.timers.u8(op);
    this.timers.u8(domain);
    this.timers.lengthPrefixed(this.keyPtr, this.keyLen);
    this.timers.f64(time);
  }

  registerEventTimeTimer(time: f64): void {
    this.timer(1, EVENT_TIME, time);
  }

  registerProcessingTimeTimer(time: f64): void {
    this.timer(1, PROCESSING_TIME, time);
  }

  deleteEventTimeTimer(time: f64): void {
    this.timer(0, EVENT_TIME, time);
  }

  deleteProcessingTimeTimer(time: f64): void {
    this.timer(0, PROCESSING_TIME, time);
  }
}

export type ProcessFn = (r: Record, ctx: KeyedContext) => void;
/** Called per fired timer with the timer's key current in `ctx`. */
export type TimerFn = (time: f64, domain: u8, ctx: KeyedContext) => void;

let processFn: ProcessFn | null = null;
let timerFn: TimerFn | null = null;
const declared = new Array<string>();
const ctx = new KeyedContext();
const requests = new ByteBuffer();
const writes = new ByteBuffer();
const RET: usize = memory.data(8);

export function declareState(name: string): void {
  declared.push(name);
}

export function onProcess(fn: ProcessFn): void {
  processFn = fn;
}

export function onTimer(fn: TimerFn): void {
  timerFn = fn;
}

function beginCall(r: ByteReader): void {
  ctx.watermark = r.f64();
  ctx.processingTime = r.f64();
  ctx.cache.clear();
  ctx.dirty.length = 0;
  ctx.timers.reset();
  ctx.timers.u32(0);
  ctx.timerCount = 0;
  ctx.out.begin();
}

/** Reads every declared state for the given keys in one host call. */
function prefetch(keyPtrs: Array<usize>, keyLens: Array<usize>): void {
  const nd = declared.length;
  const nk = keyPtrs.length;
  if (nd == 0 || nk == 0) return;
  requests.reset();
  requests.u32(<u32>(nd * nk));
  for (let k = 0; k < nk; k++) {
    for (let d = 0; d < nd; d++) {
      requests.string(declared[d]);
      requests.lengthPrefixed(keyPtrs[k], keyLens[k]);
    }
  }
  hostStateRead(requests.ptr, requests.len, RET);
  const r = new ByteReader(loadListPtr(RET), loadListLen(RET));
  const n = r.u32();
  if (n != <u32>(nd * nk)) unreachable();
  for (let k = 0; k < nk; k++) {
    const keyId = latin1(keyPtrs[k], keyLens[k]);
    for (let d = 0; d < nd; d++) {
      const present = r.u8();
      const len = <usize>r.u32();
      const at = r.skip(len);
      const value: ArrayBuffer | null = present ? copyBytes(at, len) : null;
      ctx.cache.set(declared[d] + "\0" + keyId, new Entry(declared[d], keyPtrs[k], keyLens[k], value));
    }
  }
}

function flush(): void {
  const n = ctx.dirty.length;
  if (n > 0) {
    writes.reset();
    writes.u32(<u32>n);
    for (let i = 0; i < n; i++) {
      const e = ctx.dirty[i];
      writes.string(e.name);
      writes.lengthPrefixed(e.keyPtr, e.keyLen);
      const v = e.value;
      if (v == null) {
        writes.u8(0);
        writes.u32(0);
      } else {
        writes.u8(1);
        writes.lengthPrefixed(changetype<usize>(v), <usize>v.byteLength);
      }
    }
    hostStateWrite(writes.ptr, writes.len);
  }
  if (ctx.timerCount > 0) {
    ctx.timers.patchU32(0, ctx.timerCount);
    hostTimerUpdate(ctx.timers.ptr, ctx.timers.len);
  }
}

function setKey(ptr: usize, len: usize): void {
  ctx.keyPtr = ptr;
  ctx.keyLen = len;
  ctx.keyId = latin1(ptr, len);
}

export function eddy_keyed_process_process_batch(ptr: usize, len: usize): usize {
  const r = new ByteReader(ptr, len);
  beginCall(r);
  const batchPtr = r.pos;
  const batchLen = r.end - r.pos;
  // pass 1: distinct keys
  const seen = new Set<string>();
  const keyPtrs = new Array<usize>();
  const keyLens = new Array<usize>();
  let scan = new BatchReader(batchPtr, batchLen);
  while (scan.next()) {
    const id = latin1(scan.record.keyPtr, scan.record.keyLen);
    if (!seen.has(id)) {
      seen.add(id);
      keyPtrs.push(scan.record.keyPtr);
      keyLens.push(scan.record.keyLen);
    }
  }
  prefetch(keyPtrs, keyLens);
  // pass 2: user function
  const fn = processFn!;
  const batch = new BatchReader(batchPtr, batchLen);
  while (batch.next()) {
    setKey(batch.record.keyPtr, batch.record.keyLen);
    fn(batch.record, ctx);
  }
  flush();
  return ctx.out.finish();
}

export function eddy_keyed_process_on_timers(ptr: usize, len: usize): usize {
  const r = new ByteReader(ptr, len);
  beginCall(r);
  const n = r.u32();
  const keyPtrs = new Array<usize>();
  const keyLens = new Array<usize>();
  const times = new Array<f64>();
  const domains = new Array<u8>();
  const seen = new Set<string>();
  const uniquePtrs = new Array<usize>();
  const uniqueLens = new Array<usize>();
  for (let i: u32 = 0; i < n; i++) {
    const kl = <usize>r.u32();
    const kp = r.skip(kl);
    keyPtrs.push(kp);
    keyLens.push(kl);
    times.push(r.f64());
    domains.push(r.u8());
    const id = latin1(kp, kl);
    if (!seen.has(id)) {
      seen.add(id);
      uniquePtrs.push(kp);
      uniqueLens.push(kl);
    }
  }
  prefetch(uniquePtrs, uniqueLens);
  if (timerFn != null) {
    const fn = timerFn!;
    for (let i = 0; i < <i32>n; i++) {
      setKey(keyPtrs[i], keyLens[i]);
      fn(times[i], domains[i], ctx);
    }
  }
  flush();
  return ctx.out.finish();
}

export function cabi_post_eddy_keyed_process_process_batch(ret: usize): void {
  postReturn();
}

export function cabi_post_eddy_keyed_process_on_timers(ret: usize): void {
  postReturn();
}
