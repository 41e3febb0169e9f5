import { describe, expect, it } from "vitest";
import { StreamExecutionEnvironment } from "../api/environment.ts";
import { ExecutionGraph } from "../graph/execution-graph.ts";
import type { GeneratorSplit } from "../connectors/generator-source.ts";
import type { JobManagerMessage, TaskDeployment } from "../runtime/task-manager.ts";
import { subtaskKey } from "../runtime/task-executor.ts";
import { jobFingerprint } from "./fingerprint.ts";
import { TaskManagerRuntime } from "./task-manager-runtime.ts";

/** A one-subtask generator job on a TaskManager in this isolate, driven by hand as its JobManager would. */
async function deployed() {
  const env = StreamExecutionEnvironment.create();
  env.fromGenerator({ generate: (i) => i, ratePerSecond: 1_000 }).sinkTo({ createWriter: () => ({ write: () => {}, flush: () => {} }) });
  const job = env.buildJobGraph(env.streamGraph);
  const source = job.vertices[0]!;
  const sent: JobManagerMessage[] = [];
  const runtime = new TaskManagerRuntime({ id: "tm-1", send: (m) => void sent.push(m), link: () => ({ send: () => {} }), build: async () => new ExecutionGraph(job) });
  const execution = "job/0";
  const key = subtaskKey(source.id, 0);
  const deployment: TaskDeployment = {
    jobId: "job",
    jobName: "generator",
    attempt: 0,
    job: { module: "unused", export: "unused" },
    environment: { parallelism: 1, maxParallelism: undefined, autoWatermarkInterval: 200, batchSize: 512, channelCapacity: 4, chaining: true, bufferTimeoutMs: 5 },
    collect: false,
    fingerprint: jobFingerprint(job),
    subtasks: [key],
    placement: { [key]: "tm-1" },
    checkpointIntervalMs: 1_000,
    metricsIntervalMs: 1_000,
    userCodeBudgetMs: 0,
  };
  runtime.receive({ type: "deploy", execution, deployment });
  const arrived = async (check: (m: JobManagerMessage) => boolean): Promise<JobManagerMessage> => {
    for (let i = 0; i < 200; i++) {
      const m = sent.find(check);
      if (m !== undefined) return m;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error("[eddy] timed out waiting for a message from the TaskManager");
  };
  await arrived((m) => m.type === "reader-started");
  return { runtime, execution, key, arrived };
}

describe("regression #18: splits assigned after a checkpoint trigger", () => {
  it("stay out of the reader's snapshot of that checkpoint, as they stay out of the enumerator's", async () => {
    const { runtime, execution, key, arrived } = await deployed();
    // The JobManager snapshotted its enumerator (split still unassigned), sent the trigger, then assigned the split.
    runtime.receive({ type: "trigger-checkpoint", execution, checkpointId: 1, timestamp: Date.now(), options: { alignment: "aligned", savepoint: false, alignedTimeoutMs: 0 }, stop: undefined });
    const split: GeneratorSplit = { splitId: "generator-0", next: 0, stride: 1 };
    runtime.receive({ type: "add-splits", execution, subtask: key, splits: [split] });
    const ack = await arrived((m) => m.type === "acknowledge" && m.checkpointId === 1 && m.snapshot.splits !== undefined);
    expect(ack.type === "acknowledge" ? ack.snapshot.splits : undefined).toEqual([]);
    // The split arrives after the barrier and is read; the next checkpoint holds it.
    runtime.receive({ type: "trigger-checkpoint", execution, checkpointId: 2, timestamp: Date.now(), options: { alignment: "aligned", savepoint: false, alignedTimeoutMs: 0 }, stop: undefined });
    const next = await arrived((m) => m.type === "acknowledge" && m.checkpointId === 2 && m.snapshot.splits !== undefined);
    expect(next.type === "acknowledge" ? next.snapshot.splits?.map((s) => (s as GeneratorSplit).splitId) : undefined).toEqual(["generator-0"]);
    runtime.receive({ type: "cancel", execution });
    await arrived((m) => m.type === "closed");
  });
});
