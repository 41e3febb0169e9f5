import { describe, expect, test } from "vitest";
import { StreamExecutionEnvironment } from "../../index.ts";

function busy(us: number): void {
  const until = performance.now() + us / 1000;
  while (performance.now() < until);
}

describe("a source's rate controller", () => {
  test("holds the source near what its sink can take, and shows its inputs", async () => {
    const env = StreamExecutionEnvironment.create({ parallelism: 1 });
    env
      .fromGenerator({ generate: (i) => i }, undefined, "numbers")
      .setRateController({ intervalMs: 200, minRate: 100 })
      .rebalance()
      .sinkTo({ createWriter: () => ({ write: () => busy(50), flush: () => {} }) });
    const job = env.executeAsync("controlled");
    await new Promise((r) => setTimeout(r, 2_000));
    const before = job.metrics();
    await new Promise((r) => setTimeout(r, 1_000));
    const after = job.metrics();
    const controller = job.rateControllers().get(job.executionGraph.jobGraph.vertices[0]!.id)!;
    const state = controller.state();
    await job.cancel();
    const emitted = after.vertices[0]!.subtasks[0]!.recordsOut - before.vertices[0]!.subtasks[0]!.recordsOut;
    const sunk = after.vertices[1]!.subtasks[0]!.recordsIn - before.vertices[1]!.subtasks[0]!.recordsIn;
    // The controller measured the sink's processing rate from its busy time (about 1 / 50 µs).
    expect(state.processingRate).toBeGreaterThan(0);
    expect(state.rate).toBeDefined();
    expect(state.rate!).toBeLessThan(state.processingRate * 1.5);
    // Held to it, the source emits about what the sink takes (credits alone would let it run
    // ahead by a full channel and then stall, hiding the rate from it).
    expect(emitted).toBeLessThan(sunk * 1.5 + 2_048);
    expect(state.elements).toBeGreaterThan(0);
  }, 15_000);

  test("setRateController applies to sources only, and refuses bad settings when the job is built", () => {
    const env = StreamExecutionEnvironment.create();
    const numbers = env.fromCollection([1, 2, 3]);
    expect(() => numbers.map((x) => x).setRateController()).toThrow(/applies to a source/);
    expect(() => numbers.setRateController({ intervalMs: 0 })).toThrow(/intervalMs/);
    expect(() => numbers.setRateController({ minRate: -1 })).toThrow(/minimum rate/);
  });
});
