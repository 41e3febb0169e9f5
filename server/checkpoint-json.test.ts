import { describe, expect, it } from "vitest";
import { MemoryCheckpointStorage, RestartStrategies, type Sink, StreamExecutionEnvironment } from "../core/index.ts";
import { checkpointDetails, checkpointSubtasks, checkpointingStatistics, statsSummary } from "./checkpoint-json.ts";
import type { JobEntry } from "./job-registry.ts";

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

describe("persisted data: the in-flight records unaligned checkpoints stored", () => {
  it("adds up from subtasks to vertices to the checkpoint and its summary", async () => {
    // Heavy backpressure (a sink that takes 1 ms a record, one batch per channel): barriers overtake data.
    const env = StreamExecutionEnvironment.create({ parallelism: 2, batchSize: 32, channelCapacity: 1 });
    env.enableCheckpointing(3_600_000, { storage: new MemoryCheckpointStorage(), unaligned: true, timeout: 10_000 });
    env.setRestartStrategy(RestartStrategies.noRestart());
    const slowSink: Sink<number> = { createWriter: () => ({ write: () => new Promise<void>((r) => setTimeout(r, 1)), flush: () => {} }) };
    env.fromGenerator({ generate: (i) => i, count: 100_000 }).rebalance().map((i) => i * 2, "double").sinkTo(slowSink, "slow");
    const job = env.executeAsync("persisted");
    await new Promise((r) => setTimeout(r, 150));
    const { checkpointId } = await job.triggerCheckpoint();
    const entry = { id: "j", name: "persisted", client: job } as unknown as JobEntry;

    const stats = checkpointingStatistics(entry) as any;
    const latest = stats.latest.completed;
    expect(latest).toMatchObject({ id: checkpointId, checkpoint_type: "UNALIGNED_CHECKPOINT" });
    expect(latest.persisted_data).toBeGreaterThan(0);
    expect(stats.summary.persisted_data).toMatchObject({ min: latest.persisted_data, max: latest.persisted_data });

    const details = checkpointDetails(entry, String(checkpointId)) as any;
    const tasks = Object.entries(details.tasks) as [string, { persisted_data: number }][];
    expect(tasks.reduce((n, [, t]) => n + t.persisted_data, 0)).toBe(latest.persisted_data);
    for (const [vertexId, task] of tasks) {
      const subtasks = checkpointSubtasks(entry, String(checkpointId), vertexId) as any;
      const each = subtasks.subtasks.map((s: { alignment: { persisted: number } }) => s.alignment.persisted);
      expect(each.reduce((a: number, b: number) => a + b, 0)).toBe(task.persisted_data);
      expect(subtasks.summary.alignment.persisted).toMatchObject({ min: Math.min(...each), max: Math.max(...each) });
    }
    await job.cancel();
  });
});
