/**
 * TaskManagers that cannot start: the cluster names why instead of starting, and TaskManagers lost
 * before they were ready are replaced with a backoff, not in a loop.
 */
import { describe, expect, it } from "vitest";
import { EddyError } from "../errors.ts";
import { type SpawnWorker, WorkerCluster } from "./worker-cluster.ts";

/** Workers that fail as a missing entry module does, once `failFrom` of them have started. */
function spawner(failFrom: number): { spawn: SpawnWorker; spawned: () => number } {
  let n = 0;
  const spawn: SpawnWorker = (_name, events) => {
    const index = n++;
    queueMicrotask(() => {
      if (index >= failFrom) events.error(new Error("Cannot find module '/app/dist/task-manager-worker.js'"));
      else events.message({ kind: "ready" });
    });
    return { postMessage: () => {}, terminate: () => {} };
  };
  return { spawn, spawned: () => n };
}

describe("regression: TaskManagers that cannot start", () => {
  it("a cluster whose TaskManagers cannot start does not start, naming the TaskManager and the cause", async () => {
    const { spawn, spawned } = spawner(0);
    const error = await WorkerCluster.start({ taskManagers: 2, spawn }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(EddyError);
    expect((error as EddyError).code).toBe("TASK_MANAGER_START_FAILED");
    expect((error as EddyError).message).toMatch(/TaskManager tm-1 could not start: .*Cannot find module '\/app\/dist\/task-manager-worker\.js'/);
    await new Promise((r) => setTimeout(r, 300));
    // Nothing is respawned after the refusal.
    expect(spawned()).toBe(2);
  });

  it("TaskManagers that keep failing before they are ready are replaced at a slowing pace", async () => {
    // The first two start; every replacement fails before it is ready.
    const { spawn, spawned } = spawner(2);
    const cluster = await WorkerCluster.start({ taskManagers: 2, spawn });
    try {
      cluster.kill("tm-1");
      await new Promise((r) => setTimeout(r, 1_000));
      // A started TaskManager's replacement comes at once; then 0.1 + 0.2 + 0.4 s of backoff fit in
      // a second: a handful of attempts, where replacing at once would have made thousands.
      expect(spawned()).toBeGreaterThanOrEqual(4);
      expect(spawned()).toBeLessThanOrEqual(7);
      expect(cluster.taskManagers().map((t) => t.id)).toContain("tm-2");
    } finally {
      await cluster.close();
    }
    const after = spawned();
    await new Promise((r) => setTimeout(r, 500));
    expect(spawned()).toBe(after);
  });
});
