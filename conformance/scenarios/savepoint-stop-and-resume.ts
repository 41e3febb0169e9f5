import { MemoryCheckpointStorage, RestartStrategies } from "../../core/index.ts";
import { check, expectOutput, waitUntil } from "../checks.ts";
import { checkpointStatistics, jobFinished, stopWithSavepoint, submitJob } from "../deployment.ts";
import { type CheckpointedJobParams, committedLines, expectedLines, pendingFiles } from "../exactly-once-job.ts";
import { checkpointFigures, clusterFilesMissing, jobFiles } from "../failover.ts";
import type { RunScenario } from "../scenario.ts";

export { checkpointedExactlyOnceJob, exactlyOnceJob } from "../exactly-once-job.ts";

const EVENTS = 4_000;
const SEED = 111;

/**
 * Flink's stop-with-savepoint: the job ends at a savepoint, and a job started from it goes on
 * where the first stopped. Together their exactly-once files hold the output of a job that never
 * stopped, computed from the input by plain loops. On Durable Objects both jobs are submitted
 * over HTTP (`POST /jobs/:id/stop`, then `POST /jobs` with the savepoint) and their exactly-once
 * sink is a webhook sink: its receiver must take that same output.
 */
const scenario: RunScenario = {
  name: "savepoint-stop-and-resume",
  description: "a job stopped with a savepoint and a new job started from it together commit exactly the output of an uninterrupted run",
  skip: clusterFilesMissing,
  async run(context) {
    const files = await jobFiles(context);
    const storage = new MemoryCheckpointStorage();
    const start = async (savepoint?: string) => {
      const env = context.environment({ parallelism: 2 });
      env.enableCheckpointing(50, { storage });
      env.setRestartStrategy(RestartStrategies.noRestart());
      if (savepoint !== undefined) env.setSavepointRestore(savepoint);
      await context.build(env, "exactlyOnceJob", { files: files.location, events: EVENTS, ratePerSecond: savepoint === undefined ? 2_000 : undefined, seed: SEED });
      return env.executeAsync("savepoint-stop-and-resume");
    };
    const first = await start();
    // Stop mid-stream, once a checkpoint has committed part of the output: the source runs for 2 s,
    // long enough on a loaded machine with worker TaskManagers still starting.
    await waitUntil(async () => (await committedLines(files.fs)).length > 0 || first.getJobStatus() === "FINISHED", 20_000, "committed output of the first job");
    check(first.getJobStatus() === "RUNNING", `the first job was ${first.getJobStatus()} before it could be stopped: its source must run longer`);
    const savepoint = await first.stopWithSavepoint();
    check(first.getJobStatus() === "FINISHED", `stop-with-savepoint left the job ${first.getJobStatus()}, expected FINISHED`);
    const stopped = (await committedLines(files.fs)).length;
    const expected = expectedLines(EVENTS, SEED);
    check(stopped < expected.length, `the first job committed all ${stopped} lines before it stopped: nothing was left to resume`);

    const second = await start(savepoint.location);
    await second.getJobExecutionResult();
    const restored = checkpointFigures(second).latest.restored;
    check(restored?.is_savepoint === true, `the second job did not start from the savepoint (restored: ${JSON.stringify(restored)})`);
    expectOutput(await committedLines(files.fs), expected, "unordered", "the output committed by both jobs");
    const pending = await pendingFiles(files.fs);
    check(pending.length === 0, `part files were left pre-committed: ${pending.join(", ")}`);
  },
  async durableObjects(deployment) {
    const { api } = deployment;
    const receiver = await deployment.receiver();
    const start = (savepoint?: string): Promise<string> => {
      const params: CheckpointedJobParams = { webhook: { url: receiver.url, keyPrefix: `stop-and-resume-${deployment.runId}` }, events: EVENTS, ...(savepoint === undefined ? { ratePerSecond: 2_000 } : {}), seed: SEED, checkpointIntervalMs: 50 };
      return submitJob(deployment, { scenario: "savepoint-stop-and-resume", job: "checkpointedExactlyOnceJob", params, parallelism: 2, collect: false, ...(savepoint !== undefined ? { savepoint } : {}) });
    };
    const first = await start();
    await api.until("committed output of the first job", async () => (receiver.records.length > 0 ? true : undefined), 20_000);
    const savepoint = await stopWithSavepoint(api, first);
    const stopped = receiver.records.length;
    const expected = expectedLines(EVENTS, SEED);
    check(stopped < expected.length, `the first job committed all ${stopped} lines before it stopped: nothing was left to resume`);

    const second = await start(savepoint);
    await jobFinished(api, second);
    const restored = (await checkpointStatistics(api, second)).latest.restored;
    check(restored?.is_savepoint === true, `the second job did not start from the savepoint (restored: ${JSON.stringify(restored)})`);
    expectOutput(receiver.records, expected, "unordered", "the output both jobs posted to the webhook");
    check(receiver.conflicting === 0 && receiver.withoutKey === 0, `the webhook got ${receiver.conflicting} requests that changed a key's records and ${receiver.withoutKey} without a key`);
  },
};
export default scenario;
