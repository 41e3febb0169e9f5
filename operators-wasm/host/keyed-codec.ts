/**
 * Packed layouts of the keyed-process and window-aggregate worlds: context header, fired
 * timers, state requests/values/writes, timer updates, window add/merge inputs.
 */
import { ByteReader, ByteWriter, readBlobs, writeRecords, type BatchRecord, type BytesLike } from "./batch-codec.ts";

/** 0 = event time, 1 = processing time. */
export type TimeDomain = 0 | 1;
export const EVENT_TIME: TimeDomain = 0;
export const PROCESSING_TIME: TimeDomain = 1;

export interface OperatorContext {
  /** Current event-time watermark (-Infinity before the first). */
  watermark: number;
  /** Current processing time in ms. */
  processingTime: number;
}

export interface FiredTimer {
  key: Uint8Array;
  time: number;
  domain: TimeDomain;
}

export interface StateRequest {
  name: string;
  key: Uint8Array;
}

export interface StateWrite {
  name: string;
  key: Uint8Array;
  /** `undefined` clears the entry. */
  value: Uint8Array | undefined;
}

export interface TimerUpdate {
  register: boolean;
  domain: TimeDomain;
  key: Uint8Array;
  time: number;
}

function context(w: ByteWriter, ctx: OperatorContext): void {
  w.f64(ctx.watermark);
  w.f64(ctx.processingTime);
}

/** Input of keyed-process `process-batch`: context header + packed batch. */
export function encodeKeyedInput(ctx: OperatorContext, records: readonly BatchRecord<BytesLike>[], writer?: ByteWriter): Uint8Array {
  const w = writer ? writer.reset() : new ByteWriter();
  context(w, ctx);
  writeRecords(w, records);
  return writer ? w.finish() : w.finish().slice();
}

/** Input of keyed-process `on-timers`: context header + fired timers. */
export function encodeTimersInput(ctx: OperatorContext, timers: readonly FiredTimer[], writer?: ByteWriter): Uint8Array {
  const w = writer ? writer.reset() : new ByteWriter();
  context(w, ctx);
  w.u32(timers.length);
  for (const t of timers) {
    w.lengthPrefixed(t.key);
    w.f64(t.time);
    w.u8(t.domain);
  }
  return writer ? w.finish() : w.finish().slice();
}

export function decodeStateRequests(bytes: Uint8Array): StateRequest[] {
  const r = new ByteReader(bytes);
  const n = r.count(8);
  const out: StateRequest[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = { name: r.string(), key: r.lengthPrefixed() };
  return out;
}

export function encodeStateValues(values: readonly (Uint8Array | undefined)[]): Uint8Array {
  const w = new ByteWriter();
  w.u32(values.length);
  for (const v of values) {
    w.u8(v === undefined ? 0 : 1);
    w.lengthPrefixed(v);
  }
  return w.finish().slice();
}

export function decodeStateWrites(bytes: Uint8Array): StateWrite[] {
  const r = new ByteReader(bytes);
  const n = r.count(13);
  const out: StateWrite[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const name = r.string();
    const key = r.lengthPrefixed();
    const op = r.u8();
    const value = r.lengthPrefixed();
    out[i] = { name, key, value: op === 1 ? value.slice() : undefined };
  }
  return out;
}

export function decodeTimerUpdates(bytes: Uint8Array): TimerUpdate[] {
  const r = new ByteReader(bytes);
  const n = r.count(14);
  const out: TimerUpdate[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const register = r.u8() === 1;
    const domain = (r.u8() === 1 ? 1 : 0) as TimeDomain;
    const key = r.lengthPrefixed().slice();
    const time = r.f64() ?? NaN;
    out[i] = { register, domain, key, time };
  }
  return out;
}

/** Input of window-aggregate `add`: per group an accumulator and the records to add. */
export function encodeAddInput(groups: readonly { accumulator: Uint8Array; records: readonly BatchRecord<BytesLike>[] }[]): Uint8Array {
  const w = new ByteWriter();
  w.u32(groups.length);
  for (const g of groups) {
    w.lengthPrefixed(g.accumulator);
    writeRecords(w, g.records);
  }
  return w.finish().slice();
}

/** Input of window-aggregate `merge`: per group the accumulators to merge. */
export function encodeMergeInput(groups: readonly (readonly Uint8Array[])[]): Uint8Array {
  const w = new ByteWriter();
  w.u32(groups.length);
  for (const accs of groups) {
    w.u32(accs.length);
    for (const a of accs) w.lengthPrefixed(a);
  }
  return w.finish().slice();
}

