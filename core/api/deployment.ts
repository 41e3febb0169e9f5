/**
 * How a TaskManager builds its job: the environment the JobManager described, the job's module
 * and builder run in this isolate, the collected stream sunk the same way, and a check that the
 * graph is the one the JobManager built.
 */
import { EddyError } from "../errors.ts";
import { CollectSink } from "../connectors/collect-sink.ts";
import { ExecutionGraph } from "../graph/execution-graph.ts";
import { jobFingerprint } from "../cluster/fingerprint.ts";
import type { ModuleLoader, TaskDeployment } from "../runtime/task-manager.ts";
import { StreamExecutionEnvironment } from "./environment.ts";

/** The execution graph of a deployment, built in this isolate (`load`: see {@link StreamExecutionEnvironment.build}). */
export async function buildDeployment(deployment: TaskDeployment, load?: ModuleLoader): Promise<ExecutionGraph> {
  const s = deployment.environment;
  const env = StreamExecutionEnvironment.create({
    parallelism: s.parallelism,
    ...(s.maxParallelism !== undefined ? { maxParallelism: s.maxParallelism } : {}),
    autoWatermarkInterval: s.autoWatermarkInterval,
    batchSize: s.batchSize,
    channelCapacity: s.channelCapacity,
    chaining: s.chaining,
    bufferTimeoutMs: s.bufferTimeoutMs,
  });
  const stream = await env.build(deployment.job, load);
  if (deployment.collect) {
    if (stream === undefined) throw new EddyError(`[eddy] the builder "${deployment.job.export}" returned no stream to collect on this TaskManager`, { code: "INVALID_JOB", domain: "user", retryable: false });
    stream.sinkTo(new CollectSink([]), "Collect Sink");
  }
  env.streamGraph.jobName = deployment.jobName;
  const job = env.buildJobGraph(env.streamGraph);
  if (jobFingerprint(job) !== deployment.fingerprint) {
    throw new EddyError(`[eddy] job "${deployment.jobName}": ${deployment.job.export} in ${deployment.job.module} built a different job graph on this TaskManager than on the JobManager; a builder must build the same graph every time (no randomness, clock or environment-dependent shape)`, {
      code: "INVALID_JOB",
      domain: "user",
      retryable: false,
    });
  }
  return new ExecutionGraph(job);
}
