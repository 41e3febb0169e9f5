import { MemoryCheckpointStorage, RestartStrategies } from "../../core/index.ts";
import { check, expectOutput } from "../checks.ts";
import { exceptionHistory, jobFinished, submitJob } from "../deployment.ts";
import { type CheckpointedJobParams, committedLines, expectedLines, pendingFiles } from "../exactly-once-job.ts";
import { clusterFilesMissing, jobFiles } from "../failover.ts";
import type { RunScenario } from "../scenario.ts";

export { checkpointedExactlyOnceJob, exactlyOnceJob } from "../exactly-once-job.ts";

const EVENTS = 4_000;
const SEED = 131;

/**
 * The exactly-once file sink under failures of its own steps: staging a part file at a barrier
 * (pre-commit) fails once, and moving one in place after the checkpoint completed (commit) fails
 * once. Each failure restarts the job from its latest checkpoint; transactions pre-committed in
 * it are committed on restore, lingering ones are aborted, and the committed files hold the
 * failure-free output exactly once. Durable Objects have no file system: there the exactly-once
 * sink is a webhook sink, whose one step that reaches out is the commit (its pre-commit only
 * marks the transaction): its receiver refuses one commit, which with a single attempt per
 * request fails the job, and after the restart it must hold the failure-free output exactly once.
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
  async durableObjects(deployment) {
    const receiver = await deployment.receiver({ refuse: 5 });
    const params: CheckpointedJobParams = { webhook: { url: receiver.url, keyPrefix: `sink-faults-${deployment.runId}`, attempts: 1 }, events: EVENTS, ratePerSecond: 2_000, seed: SEED, checkpointIntervalMs: 50, restartAttempts: 4 };
    const id = await submitJob(deployment, { scenario: "exactly-once-sink-faults", job: "checkpointedExactlyOnceJob", params, parallelism: 2, collect: false });
    await jobFinished(deployment.api, id);
    const history = (await exceptionHistory(deployment.api, id)).map((e) => e.stacktrace.split("\n")[0]);
    check(receiver.refused === 1 && history.length === 1 && /answered 503/.test(history[0]!), `the refused commit should have failed the job once: ${receiver.refused} requests refused, failures: ${history.join(" | ") || "none"}`);
    expectOutput(receiver.records, expectedLines(EVENTS, SEED), "unordered", "the output posted to the webhook");
    check(receiver.conflicting === 0 && receiver.withoutKey === 0, `the webhook got ${receiver.conflicting} requests that changed a key's records and ${receiver.withoutKey} without a key`);
  },
};
export default scenario;
