import { describe, expect, test } from "vitest";
import { ManualClock } from "../time/clocks.ts";
import { ProcessingTimeScheduler } from "../runtime/processing-time-scheduler.ts";
import type { JobExecution } from "../runtime/job-execution.ts";
import { checkpointConfig } from "./checkpoint-config.ts";
import { CheckpointCoordinator } from "./checkpoint-coordinator.ts";
import { MemoryCheckpointStorage } from "./checkpoint-storage.ts";
import type { TaskSnapshot } from "./types.ts";

/** An attempt with one subtask that records the checkpoints it was asked to take. */
function attempt(clock: ManualClock) {
  const triggered: number[] = [];
  const execution = {
    scheduler: new ProcessingTimeScheduler(clock),
    onAcknowledge: undefined as ((id: number, snapshot: TaskSnapshot) => void) | undefined,
    taskKeys: () => ["v#0"],
    triggerCheckpoint: (id: number) => void triggered.push(id),
    notifyCheckpointComplete: () => {},
    notifyCheckpointAborted: () => {},
  };
  const acknowledge = (id: number): void =>
    execution.onAcknowledge?.(id, { vertexId: "v", subtaskIndex: 0, operators: [], channelState: [], alignmentMs: 0, unaligned: false });
  return { execution: execution as unknown as JobExecution, triggered, acknowledge };
}

describe("regression: a checkpoint queued when an attempt ends", () => {
  test("is declined rather than started on the ended attempt, so the next attempt's checkpoints are not held up behind it", async () => {
    const clock = new ManualClock(0);
    const coordinator = new CheckpointCoordinator({
      config: checkpointConfig(1_000, { storage: new MemoryCheckpointStorage() }),
      jobKey: "job",
      clock,
      operatorNames: {},
      onTooManyFailures: () => {},
    });
    const failed = attempt(clock);
    coordinator.attach(failed.execution);
    const running = coordinator.trigger({ savepoint: false });
    // A job that finished asks for its final checkpoint while a periodic one is still running.
    const final = coordinator.trigger({ savepoint: false });
    expect(failed.triggered).toEqual([1]);
    coordinator.detach("the job failed: disk error");
    await expect(running).rejects.toThrow(/disk error/);
    await expect(final).rejects.toMatchObject({ code: "CHECKPOINT_DECLINED" });
    expect(failed.triggered).toEqual([1]);

    const next = attempt(clock);
    coordinator.attach(next.execution);
    const checkpoint = coordinator.trigger({ savepoint: false });
    expect(next.triggered).toEqual([2]);
    next.acknowledge(2);
    await expect(checkpoint).resolves.toMatchObject({ checkpoint: { checkpointId: 2 } });
  });
});
