/**
 * TaskManagers in this isolate, connected by MessageChannels as worker TaskManagers are: a peer's
 * records arriving before the deployment does (TaskManagers hear of a job attempt from the
 * JobManager but get its data straight from their peers), and an operator that fails to open.
 */
import { describe, expect, test } from "vitest";
import { buildDeployment } from "../api/deployment.ts";
import { StreamExecutionEnvironment } from "../api/environment.ts";
import { RestartStrategies } from "../runtime/restart-strategy.ts";
import { expectedKeyedCounts } from "./cluster-jobs.test-support.ts";

const jobs = new URL("./cluster-jobs.test-support.ts", import.meta.url).href;
import { serveTaskManager, type WorkerPort } from "./task-manager-worker.ts";
import { type FromWorker, type ToWorker, WorkerCluster } from "./worker-cluster.ts";

/** A worker cluster whose TaskManagers run in this isolate; the deployment to `late` (if any) waits until it has received data. */
async function inProcessCluster(late?: string): Promise<WorkerCluster> {
  return WorkerCluster.start({
    taskManagers: 2,
    slotsPerTaskManager: 2,
    spawn: (name, events) => {
      const channel = new MessageChannel();
      const inside = channel.port1 as unknown as WorkerPort;
      let gotData!: () => void;
      const dataArrived = new Promise<void>((resolve) => (gotData = resolve));
      serveTaskManager({
        parent: {
          postMessage: (message, transfer) => inside.postMessage(message, transfer),
          addEventListener: (type, listener) =>
            inside.addEventListener(type, (event) => {
              const data = event.data as ToWorker;
              // The data port to a peer: note when the first bundle comes through it.
              if (data.kind === "peer") (data.port as WorkerPort).addEventListener("message", () => gotData());
              listener(event);
            }),
          start: () => inside.start?.(),
        },
        build: buildDeployment,
      });
      const outside = channel.port2;
      outside.addEventListener("message", (event) => events.message(event.data as FromWorker));
      outside.start();
      return {
        postMessage: (message, transfer) => {
          const m = message as ToWorker;
          if (name === late && m.kind === "tm" && m.message.type === "deploy") void dataArrived.then(() => outside.postMessage(m));
          else outside.postMessage(message, transfer as Transferable[]);
        },
        terminate: () => {
          outside.close();
          channel.port1.close();
        },
      };
    },
  });
}

describe("a TaskManager deployed after its peers have sent it data", () => {
  test("keeps that data and runs the attempt with it: the window counts equal the reference", async () => {
    const cluster = await inProcessCluster("tm-2");
    try {
      const params = { events: 5_000, keys: 5 };
      const env = StreamExecutionEnvironment.create({ parallelism: 2, cluster });
      const stream = await env.build<string>({ module: jobs, export: "keyedCounts", params });
      const out = await stream!.executeAndCollect("late deployment");
      expect(out.sort()).toEqual(expectedKeyedCounts(params));
    } finally {
      await cluster.close();
    }
  }, 10_000);
});

describe("an operator that fails to open on a TaskManager", () => {
  test("fails the attempt, and the restart strategy runs the job again", async () => {
    const cluster = await inProcessCluster();
    try {
      const env = StreamExecutionEnvironment.create({ parallelism: 2, cluster });
      env.setRestartStrategy(RestartStrategies.fixedDelay(2, 0));
      await env.build({ module: jobs, export: "refusingSink", params: { events: 100, failAttemptsBelow: 2 } });
      const job = env.executeAsync("refusing sink");
      await job.getJobExecutionResult();
      expect(job.getExceptionHistory().map((e) => [e.attempt, e.message])).toEqual([
        [0, expect.stringMatching(/the sink refuses attempt 0/)],
        [1, expect.stringMatching(/the sink refuses attempt 1/)],
      ]);
    } finally {
      await cluster.close();
    }
  }, 10_000);
});
