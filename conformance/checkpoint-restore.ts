/**
 * Checkpoint and restore, in each checkpointing mode: the windowed-timers job fails mid-stream
 * (a user function throws once on the local TaskManager; a worker TaskManager is stopped on a
 * cluster) and the restart strategy restores it from its latest completed checkpoint.
 * Exactly-once (aligned or unaligned barriers): the committed files equal a failure-free run's
 * output. At-least-once: every window and timer fires, and every record counts at least once.
 * On Durable Objects the job is submitted over HTTP, its first attempt fails mid-stream, and its
 * exactly-once sink is a webhook sink whose receiver must take the failure-free output.
 */
import { type CheckpointStorage, type CheckpointingMode, MemoryCheckpointStorage, RestartStrategies } from "../core/index.ts";
import { check, expectOutput } from "./checks.ts";
import { checkpointStatistics, exceptionHistory, jobFinished, jobResults, submitJob } from "./deployment.ts";
import { type CheckpointedJobParams, committedLines, expectedLines, pendingFiles } from "./exactly-once-job.ts";
import { checkpointFigures, clusterFilesMissing, collectAsync, jobFiles, loseTaskManagerAfterCheckpoint, lostTaskManagerMessage } from "./failover.ts";
import type { RunScenario, ScenarioContext } from "./scenario.ts";

/** The checkpointing mode a scenario runs in. */
export type RestoreMode = "aligned" | "unaligned" | "at-least-once";

const EVENTS = 4_000;

/** Checkpoint storage that counts the in-flight records unaligned checkpoints took from channels. */
function countingInFlight(storage: CheckpointStorage): CheckpointStorage & { readonly inFlight: number } {
  let inFlight = 0;
  return {
    get inFlight() {
      return inFlight;
    },
    store: (checkpoint) => {
      for (const task of checkpoint.tasks) for (const channel of task.channelState ?? []) inFlight += channel.values.length;
      return storage.store(checkpoint);
    },
    load: (location) => storage.load(location),
    list: (jobKey) => storage.list(jobKey),
    discard: (location) => storage.discard(location),
  };
}

/**
 * How at-least-once output falls short, if it does. A record replayed after a restore may be
 * counted again, and a window or timer may fire again with what was replayed; what must hold is
 * that every record counts at least once: summed over the lines of a window (or timestamp), its
 * count and sum are at least the input's (values are positive), and no line names a window or
 * timestamp the input does not have.
 */
export function atLeastOnceDifference(actual: readonly string[], expected: readonly string[]): string | undefined {
  // "w key=3 start=200 n=9 sum=612" -> ["w key=3 start=200", [9, 612]]; "t key=1 ts=229 sum=87" -> ["t key=1 ts=229", [87]]
  const parse = (line: string): [string, number[]] => {
    const fields = line.split(" ");
    return [fields.slice(0, 3).join(" "), fields.slice(3).map((f) => Number(f.slice(f.indexOf("=") + 1)))];
  };
  const want = new Map(expected.map(parse));
  const got = new Map<string, number[]>();
  for (const line of actual) {
    const [id, figures] = parse(line);
    if (!want.has(id)) return `unexpected ${JSON.stringify(line)}: the input has no such window or timestamp`;
    const total = got.get(id) ?? figures.map(() => 0);
    got.set(id, total.map((t, i) => t + figures[i]!));
  }
  for (const [id, least] of want) {
    const total = got.get(id);
    if (total === undefined) return `"${id}" never appeared (${want.size - got.size} of ${want.size} windows and timestamps are missing)`;
    if (total.some((t, i) => t < least[i]!)) return `"${id}" counts ${total.join(", ")} over its lines, less than the input holds (${least.join(", ")})`;
  }
  return undefined;
}

/** The scenario for `mode`; `name` is its name in the suite. */
export function checkpointRestoreScenario(name: string, mode: RestoreMode, seed: number): RunScenario {
  const unaligned = mode === "unaligned";
  const atLeastOnce = mode === "at-least-once";
  const checkpointing: CheckpointingMode = atLeastOnce ? "AT_LEAST_ONCE" : "EXACTLY_ONCE";
  return {
    name,
    description: atLeastOnce
      ? "a job checkpointing at-least-once that fails mid-stream is restored from its latest checkpoint and loses no record"
      : `a job with ${mode} exactly-once checkpoints that fails mid-stream is restored from its latest checkpoint; its exactly-once file sink commits exactly the failure-free output`,
    skip: (context) => clusterFilesMissing(context),
    async run(context: ScenarioContext) {
      const onCluster = context.cluster !== undefined;
      const files = await jobFiles(context);
      // Backpressure keeps data in flight when barriers pass: small batches, one batch per channel,
      // and a keyed operator slower than the input (0.5 ms a record, 4 000/s over both subtasks,
      // against 5 000/s). At 0.1 ms it kept up, and whether a barrier overtook anything was left
      // to timing: on a loaded machine, once, no checkpoint held a record.
      const env = context.environment({ parallelism: 2, ...(unaligned ? { batchSize: 16, channelCapacity: 1 } : {}) });
      const storage = countingInFlight(new MemoryCheckpointStorage());
      env.enableCheckpointing(onCluster ? 50 : 20, { storage, mode: checkpointing, unaligned });
      env.setRestartStrategy(RestartStrategies.fixedDelay(3, 0));
      const params = {
        files: files.location,
        events: EVENTS,
        // The failure comes 0.5 s in: checkpoints have completed by then even on a loaded machine.
        ratePerSecond: 5_000,
        seed,
        // On the local TaskManager a user function fails once; on a cluster a TaskManager is stopped.
        ...(onCluster ? {} : { failAt: Math.floor(EVENTS * 0.6) }),
        ...(unaligned ? { slowMs: 0.5 } : {}),
        collect: atLeastOnce,
      };
      const stream = await context.build<string>(env, "exactlyOnceJob", params);
      const { job, results } = atLeastOnce ? collectAsync(env, stream!, name) : { job: env.executeAsync(name), results: [] };
      const lost = onCluster ? await loseTaskManagerAfterCheckpoint(context, job) : undefined;
      await job.getJobExecutionResult();

      const history = job.getExceptionHistory().map((e) => e.message);
      check(history.length === 1, `expected exactly one failure in the exception history, got ${history.length}: ${history.join(" | ")}`);
      check(lost === undefined ? /injected failure at record/.test(history[0]!) : lostTaskManagerMessage(lost).test(history[0]!), `the failure was not the injected one: ${history[0]}`);
      const stats = checkpointFigures(job);
      check(stats.latest.restored !== null, "the job did not restore a checkpoint after the failure");
      const expected = expectedLines(EVENTS, seed);
      if (atLeastOnce) {
        const difference = atLeastOnceDifference(results, expected);
        check(difference === undefined, `the output: ${difference}`);
      } else {
        expectOutput(await committedLines(files.fs), expected, "unordered", "the committed output");
        const pending = await pendingFiles(files.fs);
        check(pending.length === 0, `part files were left pre-committed and never committed: ${pending.join(", ")}`);
      }
      if (unaligned) {
        check(stats.history.some((h) => h.status === "COMPLETED" && h.unaligned), "no completed checkpoint was unaligned");
        check(storage.inFlight > 0, "no checkpoint held in-flight records (barriers never overtook data)");
      }
    },
    async durableObjects(deployment) {
      const { api } = deployment;
      const expected = expectedLines(EVENTS, seed);
      const receiver = atLeastOnce ? undefined : await deployment.receiver();
      const params: CheckpointedJobParams = {
        ...(receiver !== undefined ? { webhook: { url: receiver.url, keyPrefix: `${name}-${deployment.runId}` } } : { collect: true }),
        events: EVENTS,
        // 2 s of input; the first attempt fails about half way, after checkpoints have completed.
        ratePerSecond: 2_000,
        seed,
        failFirstAttemptAfterLines: Math.floor(expected.length / 4),
        ...(unaligned ? { slowMs: 0.1 } : {}),
        checkpointIntervalMs: 50,
        mode: checkpointing,
        unaligned,
        restartAttempts: 3,
      };
      const id = await submitJob(deployment, { scenario: name, job: "checkpointedExactlyOnceJob", params, parallelism: 2, collect: atLeastOnce });
      await jobFinished(api, id);
      const history = await exceptionHistory(api, id);
      check(history.length === 1, `expected exactly one failure in the exception history, got ${history.length}: ${history.map((e) => e.stacktrace.split("\n")[0]).join(" | ")}`);
      check(/injected failure at result line/.test(history[0]!.stacktrace), `the failure was not the injected one: ${history[0]!.stacktrace.split("\n")[0]}`);
      const stats = await checkpointStatistics(api, id);
      check(stats.latest.restored !== null, "the job did not restore a checkpoint after the failure");
      if (receiver === undefined) {
        const difference = atLeastOnceDifference(await jobResults<string>(api, id), expected);
        check(difference === undefined, `the output: ${difference}`);
      } else {
        expectOutput(receiver.records, expected, "unordered", "the output posted to the webhook");
        check(receiver.conflicting === 0 && receiver.withoutKey === 0, `the webhook got ${receiver.conflicting} requests that changed a key's records and ${receiver.withoutKey} without a key`);
      }
      if (unaligned) check(stats.history.some((h) => h.status === "COMPLETED" && h.checkpoint_type === "UNALIGNED_CHECKPOINT"), "no completed checkpoint was unaligned");
    },
  };
}
