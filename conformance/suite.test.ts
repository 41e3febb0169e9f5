/**
 * Checks of the conformance suite itself: a comparison that cannot fail, or an expected output
 * that is empty or varies between calls, would let any runtime pass.
 */
import { describe, expect, it } from "vitest";
import { canonical, compareOutputs } from "./compare.ts";
import { loadScenario, scenarioNames } from "./index.ts";
import { SeededRandom } from "./random.ts";
import { atLeastOnceDifference } from "./checkpoint-restore.ts";

describe("compareOutputs", () => {
  it("exact: order matters", () => {
    expect(compareOutputs([1, 2], [1, 2], "exact")).toBeUndefined();
    expect(compareOutputs([2, 1], [1, 2], "exact")).toMatch(/first difference at \[0\]/);
  });

  it("unordered: a multiset, duplicates counted", () => {
    expect(compareOutputs([{ b: 1, a: 2 }, 3], [3, { a: 2, b: 1 }], "unordered")).toBeUndefined();
    expect(compareOutputs([1, 1, 2], [1, 2, 2], "unordered")).toMatch(/1 missing \[2\]; 1 unexpected \[1\]/);
    expect(compareOutputs([1, 2], [1, 2, 3], "unordered")).toMatch(/2 vs 3 items/);
  });

  it("per key: order within a key only", () => {
    const byKey = { perKey: (s: string) => s[0] };
    expect(compareOutputs(["a1", "b1", "a2"], ["b1", "a1", "a2"], byKey)).toBeUndefined();
    expect(compareOutputs(["a2", "a1", "b1"], ["a1", "a2", "b1"], byKey)).toMatch(/key "a"/);
    expect(compareOutputs(["a1", "c1"], ["a1"], byKey)).toMatch(/unexpected key "c"/);
  });

  it("rejects a result that is not an array", () => {
    expect(compareOutputs(undefined, [], "unordered")).toMatch(/expected an array/);
  });

  it("canonical ignores key order but not values", () => {
    expect(canonical({ a: 1, b: [1, 2] })).toBe(canonical({ b: [1, 2], a: 1 }));
    expect(canonical({ a: 1 })).not.toBe(canonical({ a: 2 }));
  });
});

describe("SeededRandom", () => {
  it("repeats for a seed and differs between seeds", () => {
    const draw = (seed: number) => {
      const r = new SeededRandom(seed);
      return Array.from({ length: 5 }, () => r.int(0, 1_000_000));
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
  });
});

describe("scenarios", () => {
  it.each(scenarioNames)("%s is named as listed, and a build-and-collect one has a non-empty, deterministic expected output", async (name) => {
    const scenario = await loadScenario(name);
    expect(scenario.name).toBe(name);
    expect(scenario.description).not.toBe("");
    if ("run" in scenario) return;
    const expected = scenario.expected();
    expect(expected.length).toBeGreaterThan(0);
    expect(canonical(scenario.expected())).toBe(canonical(expected));
  });
});

describe("atLeastOnceDifference", () => {
  const expected = ["w key=1 start=0 n=3 sum=30", "t key=1 ts=5 sum=10"];
  it("accepts records counted again, in the same line or in a line fired again", () => {
    expect(atLeastOnceDifference(["w key=1 start=0 n=4 sum=40", "t key=1 ts=5 sum=10", "t key=1 ts=5 sum=4"], expected)).toBeUndefined();
    expect(atLeastOnceDifference(["w key=1 start=0 n=2 sum=20", "w key=1 start=0 n=1 sum=10", "t key=1 ts=5 sum=10"], expected)).toBeUndefined();
  });
  it("names a record lost, a window missing, and a window the input does not have", () => {
    expect(atLeastOnceDifference(["w key=1 start=0 n=2 sum=20", "t key=1 ts=5 sum=10"], expected)).toMatch(/"w key=1 start=0" counts 2, 20 over its lines, less than the input holds \(3, 30\)/);
    expect(atLeastOnceDifference(["w key=1 start=0 n=3 sum=30"], expected)).toMatch(/"t key=1 ts=5" never appeared/);
    expect(atLeastOnceDifference([...expected, "w key=2 start=0 n=1 sum=1"], expected)).toMatch(/unexpected "w key=2 start=0 n=1 sum=1"/);
  });
});
