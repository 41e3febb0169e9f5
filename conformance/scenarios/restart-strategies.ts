import { type DataStream, EddyError, RestartStrategies, type RestartStrategy, type StreamExecutionEnvironment } from "../../core/index.ts";
import { check, expectOutput } from "../checks.ts";
import { exceptionHistory, jobEnd, jobResults, submitJob } from "../deployment.ts";
import { collectAsync } from "../failover.ts";
import type { RunScenario } from "../scenario.ts";

/** Parameters of {@link restartJob}. */
export interface RestartJobParams {
  readonly events: number;
  /** A map throws at this record on every attempt. */
  readonly alwaysFailAt?: number;
  /** A sink refuses to open while the job's attempt number is below this. */
  readonly failAttemptsBelow?: number;
  /** A key selector returns undefined for this record: an invalid key, which no restart can fix. */
  readonly badKeyAt?: number;
}

/** Numbers 0..events-1, doubled, with the failures `params` asks for; parallelism 1, so failures come in a fixed order. */
export function restartJob(env: StreamExecutionEnvironment, params: RestartJobParams): DataStream<number> {
  let numbers: DataStream<number> = env.fromGenerator({ generate: (i) => i, count: params.events }).setParallelism(1);
  if (params.badKeyAt !== undefined) {
    const bad = params.badKeyAt;
    numbers = numbers.keyBy((i) => (i === bad ? (undefined as unknown as number) : i % 3)).map((i) => i);
  }
  const doubled = numbers.map((i) => {
    if (i === params.alwaysFailAt) throw new Error(`record ${i} always fails`);
    return i * 2;
  }, "double");
  if (params.failAttemptsBelow !== undefined) {
    const below = params.failAttemptsBelow;
    doubled.sinkTo({
      createWriter: (context) => {
        if (context.attemptNumber < below) throw new Error(`the sink refuses attempt ${context.attemptNumber}`);
        return { write: () => {}, flush: () => {} };
      },
    }, "picky sink");
  }
  return doubled;
}

interface Case {
  readonly name: string;
  readonly strategy: RestartStrategy;
  readonly params: Omit<RestartJobParams, "events">;
  /** How the job ends, and how many failures its exception history lists (one per attempt that failed). */
  readonly status: "FINISHED" | "FAILED";
  readonly failures: number;
  readonly message: RegExp;
}

const EVENTS = 200;

const CASES: readonly Case[] = [
  { name: "noRestart", strategy: RestartStrategies.noRestart(), params: { alwaysFailAt: 50 }, status: "FAILED", failures: 1, message: /record 50 always fails/ },
  { name: "fixedDelay(2)", strategy: RestartStrategies.fixedDelay(2, 0), params: { alwaysFailAt: 50 }, status: "FAILED", failures: 3, message: /record 50 always fails/ },
  { name: "failureRate(2 per minute)", strategy: RestartStrategies.failureRate(2, 60_000, 0), params: { alwaysFailAt: 50 }, status: "FAILED", failures: 3, message: /record 50 always fails/ },
  { name: "exponentialDelay", strategy: RestartStrategies.exponentialDelay({ initialBackoffMs: 1, maxBackoffMs: 4 }), params: { failAttemptsBelow: 2 }, status: "FINISHED", failures: 2, message: /the sink refuses attempt \d/ },
  // An invalid key fails the same way on every attempt: the job fails at once, whatever the strategy.
  { name: "fixedDelay(5), a failure no restart can fix", strategy: RestartStrategies.fixedDelay(5, 0), params: { badKeyAt: 7 }, status: "FAILED", failures: 1, message: /key/ },
];

/** {@link restartJob} for the case named `params.name`, with its restart strategy set on `env` (a job submitted over HTTP brings it along). */
export function restartCaseJob(env: StreamExecutionEnvironment, params: { name: string }): DataStream<number> {
  const c = CASES.find((x) => x.name === params.name);
  if (c === undefined) throw new Error(`[eddy] no restart-strategies case "${params.name}"; expected one of ${CASES.map((x) => x.name).join(", ")}`);
  env.setRestartStrategy(c.strategy);
  return restartJob(env, { events: EVENTS, ...c.params });
}

/**
 * Flink's restart strategies decide after each failure whether the job runs again: none, fixed
 * delay (n attempts), failure rate (at most n failures per interval) and exponential delay
 * (never gives up); a failure that would repeat on every attempt is not retried.
 */
const scenario: RunScenario = {
  name: "restart-strategies",
  description: "noRestart, fixedDelay, failureRate and exponentialDelay restart a failing job as often as they allow, and a failure no restart can fix fails the job at once",
  async run(context) {
    for (const c of CASES) {
      const env = context.environment({ parallelism: 1 });
      env.setRestartStrategy(c.strategy);
      const stream = await context.build<number>(env, "restartJob", { events: EVENTS, ...c.params });
      const { job, results } = collectAsync(env, stream!, `restart-strategies ${c.name}`);
      const failure = await job.getJobExecutionResult().then(() => undefined, (e: unknown) => e);
      const history = job.getExceptionHistory();
      check(job.getJobStatus() === c.status, `${c.name}: the job ended ${job.getJobStatus()}, expected ${c.status}${failure !== undefined ? ` (${failure instanceof Error ? failure.message : String(failure)})` : ""}`);
      check(history.length === c.failures, `${c.name}: ${history.length} failures in the exception history, expected ${c.failures}: ${history.map((e) => e.message).join(" | ")}`);
      check(history.every((e) => c.message.test(e.message)), `${c.name}: a failure other than the injected one: ${history.map((e) => e.message).join(" | ")}`);
      check(history.map((e) => e.attempt).join() === history.map((_, i) => i).join(), `${c.name}: the failures came from attempts ${history.map((e) => e.attempt).join(", ")}, expected 0 to ${c.failures - 1}`);
      if (c.status === "FAILED") check(failure instanceof Error && c.message.test(failure.message), `${c.name}: the job's failure cause is not the injected failure: ${String(failure)}`);
      if (c.name.includes("no restart can fix")) check(failure instanceof EddyError && !failure.retryable, `${c.name}: the failure should be an EddyError marked not retryable`);
      if (c.status === "FINISHED") expectOutput(results, Array.from({ length: EVENTS }, (_, i) => i * 2), "exact", `${c.name}: the output of the attempt that finished`);
    }
  },
  // Each case's job submitted over HTTP; its end, exception history and output read back there.
  async durableObjects(deployment) {
    const { api } = deployment;
    for (const c of CASES) {
      const id = await submitJob(deployment, { scenario: "restart-strategies", job: "restartCaseJob", params: { name: c.name }, parallelism: 1 });
      const state = await jobEnd(api, id);
      const history = await exceptionHistory(api, id);
      const messages = history.map((e) => e.stacktrace.split("\n")[0]);
      check(state === c.status, `${c.name}: the job ended ${state}, expected ${c.status}`);
      check(history.length === c.failures, `${c.name}: ${history.length} failures in the exception history, expected ${c.failures}: ${messages.join(" | ")}`);
      check(history.every((e) => c.message.test(e.stacktrace)), `${c.name}: a failure other than the injected one: ${messages.join(" | ")}`);
      check(history.map((e) => e.attempt).join() === history.map((_, i) => i).join(), `${c.name}: the failures came from attempts ${history.map((e) => e.attempt).join(", ")}, expected 0 to ${c.failures - 1}`);
      if (c.status === "FAILED") {
        const root = String((await api.call("GET", `/jobs/${id}/exceptions`)).json?.["root-exception"]);
        check(c.message.test(root), `${c.name}: the job's root exception is not the injected failure: ${root}`);
      }
      if (c.name.includes("no restart can fix")) check(history[0]!.exceptionName === "EddyError", `${c.name}: the failure should be an EddyError, got ${history[0]!.exceptionName}`);
      if (c.status === "FINISHED") expectOutput(await jobResults(api, id), Array.from({ length: EVENTS }, (_, i) => i * 2), "exact", `${c.name}: the output of the attempt that finished`);
    }
  },
};
export default scenario;
