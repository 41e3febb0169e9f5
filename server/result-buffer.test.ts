import { describe, expect, it } from "vitest";
import { ResultBuffer } from "./result-buffer.ts";

describe("regression #13.14: the collect sink's result buffer is a ring", () => {
  const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

  it("keeps the newest `capacity` records in arrival order and counts them all", () => {
    for (const n of [0, 1, 999, 1_000, 1_001, 2_500, 300_000]) {
      const b = new ResultBuffer<number>(1_000);
      for (let i = 0; i < n; i++) b.push(i);
      expect(b.total, `${n} records`).toBe(n);
      expect(b.size, `${n} records`).toBe(Math.min(n, 1_000));
      expect(b.slice(), `${n} records`).toEqual(range(Math.max(0, n - 1_000), n));
    }
  });

  it("slices across the wrap-around like Array.prototype.slice", () => {
    const b = new ResultBuffer<number>(10);
    for (let i = 0; i < 17; i++) b.push(i);
    const kept = range(7, 17);
    for (const [start, end] of [[0, 10], [0, 3], [2, 5], [2, 9], [5, 100], [9, 10], [10, 20], [4, 2], [-3, 4]] as const) {
      expect(b.slice(start, end), `slice(${start}, ${end})`).toEqual(kept.slice(Math.max(0, start), end));
    }
    expect(b.slice(3)).toEqual(kept.slice(3));
  });

  it("works with a capacity of one and refuses none", () => {
    const b = new ResultBuffer<string>(1);
    for (const v of ["a", "b", "c"]) b.push(v);
    expect(b.slice()).toEqual(["c"]);
    expect(b.total).toBe(3);
    expect(() => new ResultBuffer(0)).toThrow(/capacity of at least 1 record, got 0/);
  });
});
