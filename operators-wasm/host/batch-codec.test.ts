import { describe, expect, it } from "vitest";
import {
  ByteWriter, decodeBatch, decodeBatchStrings, decodeBlobs, decodeFlags, decodeTimestamps, encodeBatch, encodeBlobs, encodeFlags, encodeTimestamps,
} from "./batch-codec.ts";
import { decodeStateWrites, decodeTimerUpdates } from "./keyed-codec.ts";

describe("packed batch layout", () => {
  it("is count, then key-len/key, f64 timestamp (NaN = none), value-len/value, little-endian", () => {
    const bytes = encodeBatch([{ key: "k", timestamp: 2, value: "vv" }, { value: "" }]);
    expect([...bytes]).toEqual([
      2, 0, 0, 0,
      1, 0, 0, 0, 107, 0, 0, 0, 0, 0, 0, 0, 64, 2, 0, 0, 0, 118, 118,
      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xf8, 0x7f, 0, 0, 0, 0,
    ]);
  });

  it("round-trips strings, bytes, missing keys and timestamps", () => {
    const recs = [{ key: "ключ", timestamp: 1_700_000_000_123, value: "日本 é" }, { value: "x" }, { key: "a", value: "" }];
    expect(decodeBatchStrings(encodeBatch(recs))).toEqual(recs);
    const bin = decodeBatch(encodeBatch([{ key: new Uint8Array([0, 255]), value: new Uint8Array([1, 2, 3]) }]));
    expect([...bin[0]!.key!]).toEqual([0, 255]);
    expect([...bin[0]!.value]).toEqual([1, 2, 3]);
  });

  it("reuses a writer across batches", () => {
    const w = new ByteWriter(8);
    const a = encodeBatch([{ value: "x".repeat(100) }], w).slice();
    const b = encodeBatch([{ value: "y" }], w);
    expect(decodeBatchStrings(a)[0]!.value).toBe("x".repeat(100));
    expect(decodeBatchStrings(b)).toEqual([{ value: "y" }]);
  });

  it("rejects truncated or lying input with an [eddy] RangeError", () => {
    const bytes = encodeBatch([{ key: "k", value: "value" }]);
    expect(() => decodeBatch(bytes.subarray(0, bytes.length - 1))).toThrow(/^\[eddy\] packed data truncated/);
    expect(() => decodeBatch(new Uint8Array([255, 255, 255, 255]))).toThrow(/claims 4294967295 items/);
    expect(() => decodeBatch(new Uint8Array([...bytes, 0]))).toThrow(/trailing bytes/);
  });

  it("blobs, flags and timestamps round-trip", () => {
    expect(decodeBlobs(encodeBlobs(["a", new Uint8Array([9])])).map((b) => [...b])).toEqual([[97], [9]]);
    expect(decodeFlags(encodeFlags([true, false, true]))).toEqual([true, false, true]);
    expect(decodeTimestamps(encodeTimestamps([1, undefined, -5.5]))).toEqual([1, undefined, -5.5]);
  });

  it("decodes state writes and timer updates", () => {
    const w = new ByteWriter();
    w.u32(2);
    w.lengthPrefixed("sum"); w.lengthPrefixed("k"); w.u8(1); w.lengthPrefixed(new Uint8Array([7]));
    w.lengthPrefixed("sum"); w.lengthPrefixed("j"); w.u8(0); w.u32(0);
    expect(decodeStateWrites(w.finish())).toEqual([
      { name: "sum", key: new Uint8Array([107]), value: new Uint8Array([7]) },
      { name: "sum", key: new Uint8Array([106]), value: undefined },
    ]);
    const t = new ByteWriter();
    t.u32(1); t.u8(1); t.u8(0); t.lengthPrefixed("k"); t.f64(999);
    expect(decodeTimerUpdates(t.finish())).toEqual([{ register: true, domain: 0, key: new Uint8Array([107]), time: 999 }]);
  });
});
