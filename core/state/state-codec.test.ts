import { describe, expect, it } from "vitest";
import { decodeKey, encodeKey, needsTags, parseState, stringifyState } from "./state-codec.ts";

const roundTrip = (v: unknown) => parseState(stringifyState(v, !needsTags(v)));

describe("state codec", () => {
  it("keeps plain JSON as plain JSON", () => {
    const v = [["count", 0, "k", { a: [1, "x", null, true] }]];
    expect(needsTags(v)).toBe(false);
    expect(stringifyState(v, true)).toBe(JSON.stringify(v));
    expect(roundTrip(v)).toEqual(v);
  });

  it("carries bigint, Map, Set, Date, undefined and non-finite numbers, nested", () => {
    const v = {
      big: 2n ** 80n,
      m: new Map<unknown, unknown>([
        ["a", new Set([1n, "b"])],
        [3, { d: new Date(1234) }],
      ]),
      list: [undefined, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY],
    };
    expect(needsTags(v)).toBe(true);
    expect(roundTrip(v)).toEqual(v);
  });

  it("does not mistake user objects with a $eddy property for tags", () => {
    const v = { $eddy: "bigint", v: "12" };
    expect(needsTags(v)).toBe(true);
    expect(roundTrip(v)).toEqual(v);
  });

  it("encodes keys and namespaces that JSON cannot carry", () => {
    for (const k of ["s", 1, 1.5, 10n ** 30n, true, Number.POSITIVE_INFINITY]) {
      expect(decodeKey(JSON.parse(JSON.stringify(encodeKey(k))))).toBe(k);
    }
  });
});
