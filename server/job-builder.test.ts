import { describe, expect, it } from "vitest";
import { FileSystemCheckpointStorage, type JobClient, MemoryFileSystem, type Source } from "../core/index.ts";
import { type BuildContext, buildJob } from "./job-builder.ts";
import { JobSpec } from "./job-spec.ts";
import { eventually } from "./testing/fixtures.ts";

/** A build context whose Kafka sources fail every attempt as an unreachable broker would. */
function context(): BuildContext {
  const fs = new MemoryFileSystem();
  const failing: Source<unknown> = {
    boundedness: "CONTINUOUS_UNBOUNDED",
    name: "unreachable",
    createEnumerator: () => ({
      start: () => Promise.reject(new Error("the broker does not answer")),
      addReader: () => {},
      addSplitsBack: () => {},
      snapshotState: () => null,
    }),
    createReader: () => ({
      start: () => Promise.reject(new Error("the broker does not answer")),
      pollNext: () => "NOTHING_AVAILABLE",
      isAvailable: () => new Promise(() => {}),
      addSplits: () => {},
      notifyNoMoreSplits: () => {},
      snapshotState: () => [],
    }),
  };
  return {
    outputFs: fs,
    checkpointStorage: new FileSystemCheckpointStorage(fs, ""),
    component: () => Promise.reject(new Error("no components here")),
    print: () => {},
    jobKey: "test",
    kafka: { source: async () => failing, sink: () => Promise.reject(new Error("no sinks here")) },
  };
}

const spec = (extra: Record<string, unknown> = {}): JobSpec =>
  JobSpec.parse({ name: "unreachable broker", sources: [{ type: "kafka", bootstrapServers: ["localhost:1"], topics: ["t"] }], sinks: [{ type: "collect" }], ...extra });

async function run(s: JobSpec): Promise<JobClient> {
  const built = await buildJob(s, context());
  return built.env.executeAsync(s.name);
}

describe("regression #13.15: a spec without checkpointing runs without checkpoints or restarts", () => {
  it("takes no checkpoints and fails at the first failure", async () => {
    const built = await buildJob(spec(), context());
    expect(built.env.getCheckpointConfig()).toBeUndefined();
    const client = built.env.executeAsync("unreachable broker");
    await eventually("the job to fail", async () => (client.getJobStatus() === "FAILED" ? true : undefined));
    expect(client.checkpointStats()).toBeUndefined();
    expect(client.getExceptionHistory()).toHaveLength(1);
    expect(client.timestamps().status.RESTARTING).toBeUndefined();
  });

  it("restarts as the spec's restart strategy says", async () => {
    const client = await run(spec({ restartStrategy: { type: "fixed-delay", attempts: 2, delay: 0 } }));
    await eventually("the job to fail", async () => (client.getJobStatus() === "FAILED" ? true : undefined));
    expect(client.getExceptionHistory().map((e) => e.attempt)).toEqual([0, 1, 2]);
  });

  it("with checkpointing and no strategy, restarts with Flink's default (exponential delay)", async () => {
    const client = await run(spec({ checkpointing: { interval: 1_000 } }));
    await eventually("the job to wait for its restart", async () => (client.getJobStatus() === "RESTARTING" ? true : undefined));
    expect(client.checkpointStats()).toBeDefined();
    await client.cancel();
    expect(client.getJobStatus()).toBe("CANCELED");
  });
});

describe("a collection source in a spec", () => {
  it("refuses a parallelism other than 1, which it would not honour, naming the field", () => {
    const parsed = JobSpec.safeParse({ name: "c", sources: [{ type: "collection", parallelism: 4, records: [{ a: 1 }] }], sinks: [{ type: "collect" }] });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues).toContainEqual(expect.objectContaining({ path: ["sources", 0, "parallelism"], message: expect.stringContaining("at parallelism 1") }));
    expect(JobSpec.safeParse({ name: "c", sources: [{ type: "collection", parallelism: 1, records: [{ a: 1 }] }], sinks: [{ type: "collect" }] }).success).toBe(true);
  });
});
