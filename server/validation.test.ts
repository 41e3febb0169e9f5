import { describe, expect, it } from "vitest";
import { nestedDeeperThan } from "./validation.ts";

describe("regression #13.9: nesting depth of JSON bodies, measured without recursion", () => {
  const nest = (depth: number, open = "[", close = "]"): string => open.repeat(depth) + close.repeat(depth);

  it("counts arrays and objects, and nothing inside strings", () => {
    expect(nestedDeeperThan(nest(3), 3)).toBe(false);
    expect(nestedDeeperThan(nest(4), 3)).toBe(true);
    expect(nestedDeeperThan(`{"a":{"b":[1,{"c":2}]}}`, 3)).toBe(true);
    expect(nestedDeeperThan(`{"a":{"b":[1,{"c":2}]}}`, 4)).toBe(false);
    // Brackets in strings, escaped quotes and escaped backslashes are text, not structure.
    expect(nestedDeeperThan(`{"a":"[[[[{{{{","b":"\\"[[[[","c":"\\\\","d":[]}`, 2)).toBe(false);
    expect(nestedDeeperThan(`{"a":"\\\\","d":[[]]}`, 2)).toBe(true);
    // Siblings do not add up.
    expect(nestedDeeperThan(`[[1],[2],[3],[4]]`, 2)).toBe(false);
  });

  it("handles a million levels in one pass", () => {
    expect(nestedDeeperThan(nest(1_000_000, '{"a":', "}"), 64)).toBe(true);
  });
});
