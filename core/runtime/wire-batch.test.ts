import { describe, expect, test } from "vitest";
import { decodeBatch, encodeBatch, withoutCodeGeneration } from "./wire-batch.ts";

/** What a batch looks like after crossing: encode, structured clone with transfer (as postMessage does), decode. */
function roundTrip(values: unknown[]): { kind: string; values: unknown[]; timestamps: number[] } {
  const timestamps = values.map((_, i) => (i % 3 === 0 ? Number.NaN : i * 10));
  const { batch, transfer } = encodeBatch(values, timestamps);
  // Every transferred buffer costs the isolates microseconds: a batch hands over one.
  expect(transfer).toHaveLength(1);
  const out = decodeBatch(structuredClone(batch, { transfer }));
  expect(Array.from(out.timestamps)).toEqual(timestamps);
  return { kind: batch.kind, ...out };
}

describe.each([
  ["with generated code", <T>(fn: () => T): T => fn()],
  ["where code generation is forbidden (workerd)", withoutCodeGeneration],
])("record batches across isolates, %s", (_where, mode) => {
  test("numbers, strings and plain objects of one shape go as columns and come back equal", () => mode(() => {
    const numbers = [1, -0, Number.NaN, 2.5, Number.MAX_SAFE_INTEGER, -Infinity];
    const n = roundTrip(numbers);
    expect(n.kind).toBe("numbers");
    expect(n.values).toEqual(numbers);
    expect(Object.is(n.values[1], -0)).toBe(true);
    const strings = ["a", "", "ünïcödé", "x".repeat(1000)];
    expect(roundTrip(strings)).toMatchObject({ kind: "strings", values: strings });
    const objects = Array.from({ length: 600 }, (_, i) => ({ page: `/p/${i % 7}`, n: i, seen: i % 2 === 0, "odd key": -i }));
    const o = roundTrip(objects);
    expect(o.kind).toBe("objects");
    expect(o.values).toEqual(objects);
    expect(Object.keys(o.values[3] as object)).toEqual(["page", "n", "seen", "odd key"]);
    // Numbers in object fields come back as they were: integers, -0, fractions, beyond 32 bits.
    const kinds = [0, -0, 1.5, 2 ** 40, -(2 ** 31), -(2 ** 31) - 1, Number.NaN, 7];
    const fields = roundTrip(kinds.map((x, i) => ({ x, i })));
    expect(fields.kind).toBe("objects");
    expect(fields.values).toEqual(kinds.map((x, i) => ({ x, i })));
    expect(Object.is((fields.values[1] as { x: number }).x, -0)).toBe(true);
    expect(Object.is((fields.values[0] as { x: number }).x, 0)).toBe(true);
  }));

  test("anything a column cannot carry exactly is structured-cloned instead", () => mode(() => {
    class Click {
      constructor(readonly page: string) {}
    }
    const cases: unknown[][] = [
      [{ a: 1 }, { a: 1, b: 2 }], // an extra field
      [{ a: 1, b: 2 }, { b: 2, a: 1 }], // another order
      [{ a: 1 }, { a: "1" }], // another type
      [{ a: { nested: true } }],
      [{ when: new Date(5) }],
      [new Click("/home")],
      [1, "1"],
      [new Map([[1, 2]])],
      [JSON.parse('{"__proto__": 1, "x": 2}')],
      [{ big: 10n }],
    ];
    for (const values of cases) {
      const r = roundTrip(values);
      expect(r.kind, JSON.stringify(values, (_k, v) => (typeof v === "bigint" ? `${v}n` : v))).toBe("cloned");
      expect(r.values).toEqual(structuredClone(values));
    }
  }));
});
