import { MemoryCheckpointStorage, RestartStrategies } from "../../core/index.ts";
import { check, expectOutput, waitUntil } from "../checks.ts";
import { jobFinished, stopWithSavepoint, submitJob, takenByBoth } from "../deployment.ts";
import { type CheckpointedJobParams, type FileLocation, committedLines, copyFiles, expectedLines, pendingFiles } from "../exactly-once-job.ts";
import { clusterFilesMissing, jobFiles } from "../failover.ts";
import type { RunScenario } from "../scenario.ts";

export { checkpointedExactlyOnceJob, exactlyOnceJob } from "../exactly-once-job.ts";

const EVENTS = 4_000;
const SEED = 121;

/**
 * Rescaling on restore: a savepoint of a job at parallelism 2 restores at parallelism 3 and at 1.
 * Keyed state (windows, timers, MapState) is split and merged by key group, the sources' splits
 * are reassigned, and the exactly-once files equal an uninterrupted run's output either way. On
 * Durable Objects the jobs are submitted over HTTP and write to a webhook sink: each restore posts
 * to a receiver of its own, and with the first job's requests it must make up that output.
 */
const scenario: RunScenario = {
  name: "rescale-on-restore",
  description: "a savepoint taken at parallelism 2 restores at parallelism 3 and at 1; keyed state moves by key group and the output equals an uninterrupted run",
  skip: clusterFilesMissing,
  async run(context) {
    const storage = new MemoryCheckpointStorage();
    const start = async (files: FileLocation, parallelism: number, savepoint?: string) => {
      const env = context.environment({ parallelism });
      env.enableCheckpointing(50, { storage });
      env.setRestartStrategy(RestartStrategies.noRestart());
      if (savepoint !== undefined) env.setSavepointRestore(savepoint);
      await context.build(env, "exactlyOnceJob", { files, events: EVENTS, ratePerSecond: savepoint === undefined ? 5_000 : undefined, seed: SEED });
      return env.executeAsync("rescale-on-restore");
    };
    const original = await jobFiles(context);
    const first = await start(original.location, 2);
    await waitUntil(async () => (await committedLines(original.fs)).length > 0 || first.getJobStatus() === "FINISHED", 20_000, "committed output of the first job");
    check(first.getJobStatus() === "RUNNING", `the first job was ${first.getJobStatus()} before it could be stopped: its source must run longer`);
    const savepoint = await first.stopWithSavepoint();
    const expected = expectedLines(EVENTS, SEED);
    for (const parallelism of [3, 1]) {
      // Each restore gets its own copy of the files the first job left.
      const files = await jobFiles(context);
      await copyFiles(original.fs, files.fs);
      await (await start(files.location, parallelism, savepoint.location)).getJobExecutionResult();
      expectOutput(await committedLines(files.fs), expected, "unordered", `the output after restoring at parallelism ${parallelism}`);
      const pending = await pendingFiles(files.fs);
      check(pending.length === 0, `restored at parallelism ${parallelism}, part files were left pre-committed: ${pending.join(", ")}`);
    }
  },
  async durableObjects(deployment) {
    const { api } = deployment;
    const start = (url: string, parallelism: number, savepoint?: string): Promise<string> => {
      const params: CheckpointedJobParams = { webhook: { url, keyPrefix: `rescale-${deployment.runId}` }, events: EVENTS, ...(savepoint === undefined ? { ratePerSecond: 2_000 } : {}), seed: SEED, checkpointIntervalMs: 50 };
      return submitJob(deployment, { scenario: "rescale-on-restore", job: "checkpointedExactlyOnceJob", params, parallelism, collect: false, ...(savepoint !== undefined ? { savepoint } : {}) });
    };
    const original = await deployment.receiver();
    const first = await start(original.url, 2);
    await api.until("committed output of the first job", async () => (original.records.length > 0 ? true : undefined), 20_000);
    const savepoint = await stopWithSavepoint(api, first);
    const expected = expectedLines(EVENTS, SEED);
    check(original.records.length < expected.length, `the first job committed all ${expected.length} lines before it stopped: nothing was left to resume`);
    for (const parallelism of [3, 1]) {
      // Each restore posts to a receiver of its own, as if it alone had taken the first job's requests.
      const resumed = await deployment.receiver();
      await jobFinished(api, await start(resumed.url, parallelism, savepoint));
      const { records, changed } = takenByBoth(original, resumed);
      check(changed.length === 0 && resumed.conflicting === 0, `restored at parallelism ${parallelism}, requests sent again under a key carried other records (${changed.slice(0, 3).join(", ")})`);
      expectOutput(records, expected, "unordered", `the output posted after restoring at parallelism ${parallelism}`);
    }
  },
};
export default scenario;
