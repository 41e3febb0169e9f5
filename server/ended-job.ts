/**
 * What the API keeps of a job once it has ended: its status, times, exceptions, last metrics,
 * checkpoint statistics and the shape of its graph, as plain data. The job's client (and with it
 * the executor, its tasks, channels, operator state and retained checkpoints) is let go, so an
 * ended job costs a few kilobytes however large it ran.
 */
import type { JobClient, JobMetrics, JobStatus } from "../core/index.ts";
import type { ExceptionEntry } from "../core/api/job-client.ts";

/** A job vertex as the API describes it. */
export interface VertexView {
  readonly id: string;
  readonly name: string;
  readonly parallelism: number;
  readonly maxParallelism: number;
  readonly isSource: boolean;
  readonly inputs: readonly { readonly sourceVertex: string; readonly partitioner: { readonly kind: string } }[];
}

/** What the API reads about a job: a running job's client, or what an ended job left (see {@link endedJob}). */
export interface JobView {
  readonly jobId: string;
  readonly jobName: string;
  readonly executionGraph: { readonly slots: number; readonly jobGraph: { readonly vertices: readonly VertexView[] } };
  getJobStatus(): JobStatus;
  getExceptionHistory(): readonly ExceptionEntry[];
  metrics(): JobMetrics;
  checkpointStats(): object | undefined;
  timestamps(): ReturnType<JobClient["timestamps"]>;
}

class EndedJob implements JobView {
  readonly jobId: string;
  readonly jobName: string;
  readonly executionGraph: JobView["executionGraph"];
  private readonly status: JobStatus;
  private readonly exceptions: readonly ExceptionEntry[];
  private readonly lastMetrics: JobMetrics;
  private readonly stats: object | undefined;
  private readonly times: ReturnType<JobClient["timestamps"]>;

  constructor(client: JobClient) {
    this.jobId = client.jobId;
    this.jobName = client.jobName;
    const graph = client.executionGraph;
    this.executionGraph = {
      slots: graph.slots,
      jobGraph: {
        vertices: graph.jobGraph.vertices.map((v) => ({
          id: v.id,
          name: v.name,
          parallelism: v.parallelism,
          maxParallelism: v.maxParallelism,
          isSource: v.isSource,
          inputs: v.inputs.map((e) => ({ sourceVertex: e.sourceVertex, partitioner: { kind: e.partitioner.kind } })),
        })),
      },
    };
    this.status = client.getJobStatus();
    this.exceptions = [...client.getExceptionHistory()];
    this.lastMetrics = client.metrics();
    this.stats = client.checkpointStats();
    this.times = client.timestamps();
  }

  getJobStatus(): JobStatus {
    return this.status;
  }

  getExceptionHistory(): readonly ExceptionEntry[] {
    return this.exceptions;
  }

  metrics(): JobMetrics {
    return this.lastMetrics;
  }

  checkpointStats(): object | undefined {
    return this.stats;
  }

  timestamps(): ReturnType<JobClient["timestamps"]> {
    return { start: this.times.start, end: this.times.end, status: { ...this.times.status } };
  }
}

/** What the API keeps of `client`, a job that has ended; holds nothing of its runtime. */
export function endedJob(client: JobClient): JobView {
  return new EndedJob(client);
}
