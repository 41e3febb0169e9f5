/**
 * What the API keeps of a job once it has ended: its status, times, exceptions, last metrics,
 * checkpoint statistics and the shape of its graph, as plain data. The job's client (and with it
 * the executor, its tasks, channels, operator state and retained checkpoints) is let go, so an
 * ended job costs a few kilobytes however large it ran. Being plain data, it is also what a job
 * store keeps, so a restarted server lists ended jobs as they were (Flink's job history).
 */
import { JobClient, type JobMetrics, type JobStatus } from "../core/index.ts";
import type { ExceptionEntry } from "../core/api/job-client.ts";

/** A job vertex as the API describes it. */
export interface VertexView {
  readonly id: string;
  readonly name: string;
  readonly parallelism: number;
  readonly maxParallelism: number;
  readonly isSource: boolean;
  readonly inputs: readonly { readonly sourceVertex: string; readonly partitioner: { readonly kind: string } }[];
  /** The TaskManager each subtask runs on, or ran on last (`local`: the server's isolate), once it is placed. */
  readonly taskManagers?: readonly string[];
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

/** What an ended job leaves, as plain data. */
export interface EndedJobData {
  readonly jobId: string;
  readonly jobName: string;
  readonly executionGraph: JobView["executionGraph"];
  readonly status: JobStatus;
  readonly exceptions: readonly ExceptionEntry[];
  readonly metrics: JobMetrics;
  readonly checkpoints: object | undefined;
  readonly timestamps: ReturnType<JobClient["timestamps"]>;
}

class EndedJob implements JobView {
  readonly jobId: string;
  readonly jobName: string;
  readonly executionGraph: JobView["executionGraph"];

  constructor(private readonly data: EndedJobData) {
    this.jobId = data.jobId;
    this.jobName = data.jobName;
    this.executionGraph = data.executionGraph;
  }

  getJobStatus(): JobStatus {
    return this.data.status;
  }

  getExceptionHistory(): readonly ExceptionEntry[] {
    return this.data.exceptions;
  }

  metrics(): JobMetrics {
    return this.data.metrics;
  }

  checkpointStats(): object | undefined {
    return this.data.checkpoints;
  }

  timestamps(): ReturnType<JobClient["timestamps"]> {
    const t = this.data.timestamps;
    return { start: t.start, end: t.end, status: { ...t.status } };
  }
}

/** The vertices of `client`'s graph as the API describes them, with where their subtasks run once they do. */
export function vertexViews(client: JobClient): VertexView[] {
  return client.executionGraph.jobGraph.vertices.map((v) => {
    const placement = Array.from({ length: v.parallelism }, (_, i) => client.execution.taskManagerOf(v.id, i));
    return {
      id: v.id,
      name: v.name,
      parallelism: v.parallelism,
      maxParallelism: v.maxParallelism,
      isSource: v.isSource,
      inputs: v.inputs.map((e) => ({ sourceVertex: e.sourceVertex, partitioner: { kind: e.partitioner.kind } })),
      ...(placement.every((tm) => tm !== "") ? { taskManagers: placement } : {}),
    };
  });
}

/** What `client`, a job that has ended, leaves: nothing of its runtime. */
export function endedJobData(client: JobClient): EndedJobData {
  return {
    jobId: client.jobId,
    jobName: client.jobName,
    executionGraph: { slots: client.executionGraph.slots, jobGraph: { vertices: vertexViews(client) } },
    status: client.getJobStatus(),
    exceptions: [...client.getExceptionHistory()],
    metrics: client.metrics(),
    checkpoints: client.checkpointStats(),
    timestamps: client.timestamps(),
  };
}

/** What the API keeps of `job`: a job that has ended, or what one left (from a job store). */
export function endedJob(job: JobClient | EndedJobData): JobView {
  return new EndedJob(job instanceof JobClient ? endedJobData(job) : job);
}
