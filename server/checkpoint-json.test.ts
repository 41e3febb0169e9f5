import { describe, expect, it } from "vitest";
import { statsSummary } from "./checkpoint-json.ts";

describe("regression #14.1: checkpoint summaries as Flink's StatsSummaryDto", () => {
  it("gives integer min, max and average, and percentiles estimated at q·(n+1) between neighbours", () => {
    // 1..10: the average 5.5 truncates to 5 (Flink divides longs); p50 sits at position 5.5, p90 at 9.9,
    // p95 at 10.45 and beyond (clamped to the largest value).
    expect(statsSummary([10, 3, 1, 2, 4, 5, 6, 7, 8, 9])).toEqual({ min: 1, max: 10, avg: 5, p50: 5.5, p90: 9.9, p95: 10, p99: 10, p999: 10 });
    // Two values: p50 sits at position 0.5·3 = 1.5, halfway between them.
    expect(statsSummary([40, 20])).toMatchObject({ min: 20, max: 40, avg: 30, p50: 30 });
    expect(statsSummary([])).toEqual({ min: 0, max: 0, avg: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0 });
  });
});
