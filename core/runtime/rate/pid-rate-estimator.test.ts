import { describe, expect, test } from "vitest";
import { PIDRateEstimator } from "./pid-rate-estimator.ts";

// Expected values worked out by hand from Spark's formula (see the module's doc comment).
describe("PIDRateEstimator (Spark's)", () => {
  test("the first observation sets the rate to the processing rate and returns none", () => {
    const e = new PIDRateEstimator(1_000);
    expect(e.compute(10, 1_000, 500, 0)).toBeUndefined();
    // latestRate 2000, latestError 0; then processingRate 1250, error 750, historical 250, dError 750:
    // 2000 - 1.0 * 750 - 0.2 * 250 - 0 * 750 = 1200
    expect(e.compute(1_010, 1_000, 800, 200)).toBe(1_200);
    // processingRate 2000, error -800, historical 100 * 2000 / 1000 = 200: 1200 + 800 - 40 = 1960
    expect(e.compute(2_010, 1_200, 600, 100)).toBe(1_960);
  });

  test("the derivative term uses the error's change per second since the last update", () => {
    const e = new PIDRateEstimator(1_000, { derivative: 0.5 });
    e.compute(0, 1_000, 500, 0);
    // Two seconds later: dError = (750 - 0) / 2 = 375: 2000 - 750 - 50 - 0.5 * 375 = 1012.5
    expect(e.compute(2_000, 1_000, 800, 200)).toBe(1_012.5);
  });

  test("never below the minimum rate", () => {
    const e = new PIDRateEstimator(1_000, { minRate: 100 });
    e.compute(0, 1_000, 10, 0); // 100 000 records/s
    // processingRate 10, error 99 990, historical 5000 * 10 / 1000 = 50: far below 0, so 100
    expect(e.compute(1_000, 10, 1_000, 5_000)).toBe(100);
  });

  test("no estimate without records, without processing time, or without time passing", () => {
    const e = new PIDRateEstimator(1_000);
    e.compute(0, 1_000, 500, 0);
    expect(e.compute(1_000, 0, 500, 0)).toBeUndefined();
    expect(e.compute(1_000, 10, 0, 0)).toBeUndefined();
    expect(e.compute(0, 10, 5, 0)).toBeUndefined();
    expect(e.compute(1_000, 1_000, 500, 0)).toBe(2_000);
  });

  test("bad gains are refused", () => {
    expect(() => new PIDRateEstimator(0)).toThrow(/interval/);
    expect(() => new PIDRateEstimator(1_000, { integral: -1 })).toThrow(/integral/);
    expect(() => new PIDRateEstimator(1_000, { minRate: 0 })).toThrow(/minimum rate/);
  });
});
