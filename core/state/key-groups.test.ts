import { describe, expect, it } from "vitest";
import { EddyError } from "../errors.ts";
import {
  checkKey,
  defaultMaxParallelism,
  keyGroupFor,
  keyGroupRangeForSubtask,
  keyHash,
  murmurHash,
  operatorIndexForKeyGroup,
} from "./key-groups.ts";

describe("keyHash", () => {
  it("hashes strings like Java's String.hashCode", () => {
    // s[0]*31^(n-1) + ... + s[n-1], in 32-bit arithmetic, computed independently with BigInt.
    for (const s of ["", "a", "hello", "user-123456", "ünïcödé", "a much longer key that overflows many times"]) {
      let h = 0n;
      for (const ch of s) for (let i = 0; i < ch.length; i++) h = (h * 31n + BigInt(ch.charCodeAt(i))) & 0xffffffffn;
      expect(keyHash(s)).toBe(Number(BigInt.asIntN(32, h)));
    }
    expect(keyHash("hello")).toBe(99162322);
  });

  it("hashes ints as themselves, longs and doubles like Java", () => {
    expect(keyHash(42)).toBe(42);
    expect(keyHash(-7)).toBe(-7);
    expect(keyHash(-0)).toBe(keyHash(0));
    const long = 2 ** 40 + 5;
    expect(keyHash(long)).toBe(Number(BigInt.asIntN(32, BigInt(long) ^ (BigInt(long) >> 32n))));
    const view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, 1.5);
    const bits = view.getBigUint64(0);
    expect(keyHash(1.5)).toBe(Number(BigInt.asIntN(32, bits ^ (bits >> 32n))));
    expect(keyHash(true)).toBe(1231);
    expect(keyHash(false)).toBe(1237);
    expect(keyHash(12345678901234567890n)).not.toBe(keyHash(-12345678901234567890n));
  });

  it("is deterministic for every key type", () => {
    for (const k of ["x", 3, 3.25, 2n ** 70n, true, Number.POSITIVE_INFINITY]) {
      expect(keyGroupFor(k, 128)).toBe(keyGroupFor(k, 128));
    }
  });
});

describe("murmurHash", () => {
  it("is non-negative", () => {
    for (let i = -5000; i < 5000; i++) expect(murmurHash(i * 7919)).toBeGreaterThanOrEqual(0);
    expect(murmurHash(-2147483648)).toBeGreaterThanOrEqual(0);
  });
});

describe("key groups", () => {
  it("spread keys evenly over key groups", () => {
    const counts = new Array<number>(128).fill(0);
    const n = 128_000;
    for (let i = 0; i < n; i++) counts[keyGroupFor(`key-${i}`, 128)]!++;
    for (const c of counts) {
      expect(c).toBeGreaterThan(800);
      expect(c).toBeLessThan(1200);
    }
  });

  it("give each subtask a contiguous range that matches operatorIndexForKeyGroup", () => {
    for (const maxP of [1, 7, 128, 1000]) {
      for (let p = 1; p <= Math.min(maxP, 13); p++) {
        let next = 0;
        for (let i = 0; i < p; i++) {
          const r = keyGroupRangeForSubtask(maxP, p, i);
          expect(r.start).toBe(next);
          for (let kg = r.start; kg <= r.end; kg++) expect(operatorIndexForKeyGroup(maxP, p, kg)).toBe(i);
          next = r.end + 1;
        }
        expect(next).toBe(maxP);
      }
    }
  });

  it("computes Flink's default max parallelism", () => {
    expect(defaultMaxParallelism(1)).toBe(128);
    expect(defaultMaxParallelism(100)).toBe(256);
    expect(defaultMaxParallelism(30_000)).toBe(32768);
  });

  it("rejects bad parallelism and subtask indexes", () => {
    expect(() => keyGroupRangeForSubtask(128, 0, 0)).toThrow(/parallelism 0/);
    expect(() => keyGroupRangeForSubtask(128, 2, 2)).toThrow(/subtask index 2/);
    expect(() => keyGroupRangeForSubtask(0, 1, 0)).toThrow(/maxParallelism 0/);
  });
});

describe("checkKey", () => {
  it.each([
    [undefined, "undefined"],
    [null, "null"],
    [{ a: 1 }, "an object"],
    [[1], "an array"],
    [Number.NaN, "NaN"],
  ])("rejects %s naming its type", (key, described) => {
    try {
      checkKey(key, "Map(users)");
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(EddyError);
      const err = e as EddyError;
      expect(err.message).toMatch(/^\[eddy\]/);
      expect(err.message).toContain(described);
      expect(err.message).toContain("Map(users)");
      expect(err.message).toContain("string | number | bigint | boolean");
      expect(err.code).toBe("INVALID_KEY");
      expect(err.operator).toBe("Map(users)");
    }
  });

  it("accepts primitives", () => {
    for (const k of ["", 0, -1.5, 1n, false, Number.POSITIVE_INFINITY]) expect(() => checkKey(k)).not.toThrow();
  });
});
