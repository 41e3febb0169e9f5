import { MemoryCheckpointStorage, RestartStrategies } from "../../core/index.ts";
import { check, expectOutput } from "../checks.ts";
import { committedLines, expectedLines, pendingFiles } from "../exactly-once-job.ts";
import { clusterFilesMissing, jobFiles } from "../failover.ts";
import type { RunScenario } from "../scenario.ts";

export { exactlyOnceJob } from "../exactly-once-job.ts";

const EVENTS = 4_000;
const SEED = 131;

/**
 * The exactly-once file sink under failures of its own steps: staging a part file at a barrier
 * (pre-commit) fails once, and moving one in place after the checkpoint completed (commit) fails
 * once. Each failure restarts the job from its latest checkpoint; transactions pre-committed in
 * it are committed on restore, lingering ones are aborted, and the committed files hold the
 * failure-free output exactly once.
 */
const scenario: RunScenario = {
  name: "exactly-once-sink-faults",
  description: "the exactly-once file sink's pre-commit and commit each fail once; after the restarts its committed files hold exactly the failure-free output",
  skip: clusterFilesMissing,
  async run(context) {
    const files = await jobFiles(context);
    const env = context.environment({ parallelism: 2 });
    env.enableCheckpointing(context.cluster === undefined ? 20 : 50, { storage: new MemoryCheckpointStorage() });
    env.setRestartStrategy(RestartStrategies.fixedDelay(4, 0));
    const faults = [{ step: "pre-commit", nth: 3 }, { step: "commit", nth: 5 }];
    await context.build(env, "exactlyOnceJob", { files: files.location, events: EVENTS, ratePerSecond: context.cluster === undefined ? 10_000 : 5_000, seed: SEED, sinkFaults: faults });
    const job = env.executeAsync("exactly-once-sink-faults");
    await job.getJobExecutionResult();
    const history = job.getExceptionHistory().map((e) => e.message).join("\n");
    for (const step of ["pre-commit", "commit"]) check(history.includes(`injected ${step} failure`), `the ${step} failure did not fail the job: ${history || "no failures"}`);
    expectOutput(await committedLines(files.fs), expectedLines(EVENTS, SEED), "unordered", "the committed output");
    const pending = await pendingFiles(files.fs);
    check(pending.length === 0, `part files were left pre-committed: ${pending.join(", ")}`);
  },
  durableObjects:
    "the failures are injected into the exactly-once file sink's file system, and Durable Objects have no file system; their exactly-once sink, the webhook sink, is restored through failures in the checkpoint-restore scenarios of this column",
};
export default scenario;
