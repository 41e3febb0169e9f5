import { MemoryCheckpointStorage, RestartStrategies } from "../../core/index.ts";
import { check, expectOutput, waitUntil } from "../checks.ts";
import { type FileLocation, committedLines, copyFiles, expectedLines, pendingFiles } from "../exactly-once-job.ts";
import { clusterFilesMissing, jobFiles } from "../failover.ts";
import type { RunScenario } from "../scenario.ts";

export { exactlyOnceJob } from "../exactly-once-job.ts";

const EVENTS = 4_000;
const SEED = 121;

/**
 * Rescaling on restore: a savepoint of a job at parallelism 2 restores at parallelism 3 and at 1.
 * Keyed state (windows, timers, MapState) is split and merged by key group, the sources' splits
 * are reassigned, and the exactly-once files equal an uninterrupted run's output either way.
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
};
export default scenario;
