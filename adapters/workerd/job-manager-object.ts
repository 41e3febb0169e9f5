/**
 * A job's JobManager as a Durable Object: core's JobMaster (scheduling, the checkpoint
 * coordinator, split enumerators, restart strategies) with its attempts on the job's
 * TaskManager objects (DurableObjectCluster). What must outlive the object is in its storage:
 * the job's definition, its checkpoints and savepoints, collected results, triggers, and once it
 * has ended, what it left. An alarm every second sends heartbeats to the TaskManagers and wakes
 * the JobMaster's timers (checkpoint triggers); after the object is evicted or workerd restarts,
 * that alarm (or any request) brings the job back, restored from its last completed checkpoint.
 */
import { CollectSink, EddyError, type JobClient, type JobReference, type ModuleLoader, StreamExecutionEnvironment, type TaskManagerInfo } from "../../core/index.ts";
import { describeError } from "../../core/errors.ts";
import type { JobManagerMessage } from "../../core/runtime/task-manager.ts";
import { type EndedJobData, endedJobData } from "../../server/ended-job.ts";
import type { Trigger } from "../../server/job-registry.ts";
import { type PartitionsInfo, sourcePartitions } from "../../server/partitions.ts";
import type { Admission, DirectoryEntry } from "./directory-object.ts";
import { DurableObjectCheckpointStorage, type DurableLocation } from "./durable-checkpoint-storage.ts";
import { DurableObjectCluster } from "./durable-object-cluster.ts";
import type { DurableObjectState } from "./durable-object.ts";
import { DurableResults } from "./durable-results.ts";
import type { JobManagerRpc, TaskManagerAddress, TaskManagerRpc } from "./edge-protocol.ts";
import { IngestSource } from "./ingest-source.ts";

/** The module name of the built-in job-spec builder (its collect sinks keep results themselves). */
export const SPEC_MODULE = "eddy:spec";

/** How often the JobManager checks its TaskManagers and wakes its timers, ms. */
const HEARTBEAT_MS = 1_000;
const TERMINAL = new Set(["FINISHED", "CANCELED", "FAILED"]);

/** A job as the Worker submits it to its JobManager object. */
export interface EdgeJobRequest {
  readonly id: string;
  readonly name: string;
  readonly submitted: number;
  /** Names the job's checkpoints (unique per submission, stable across restarts). */
  readonly jobKey: string;
  /** The builder (a bundled module's export; specs use the built-in spec module). */
  readonly job: JobReference;
  readonly parallelism: number;
  readonly maxParallelism?: number;
  /** At most this many TaskManager objects (default: one per slot). */
  readonly taskManagers?: number;
  /** Records a collected stream keeps (default 10 000; 0: none). */
  readonly resultsCapacity?: number;
  /** A savepoint or checkpoint to start from (a job that has checkpoints of its own resumes from those). */
  readonly restore?: { readonly path: string; readonly allowNonRestoredState: boolean };
}

/** What the API reads of a job: what a running job shows now, or what an ended one left. */
export interface JobSnapshot extends EndedJobData {
  readonly submitted: number;
  readonly jobKey: string;
  /** Whether the job runs (can be cancelled, snapshotted). */
  readonly live: boolean;
  readonly checkpointing: boolean;
  readonly results: { readonly total: number; readonly kept: number } | undefined;
  /** Where each subtask runs (`<vertexId>#<subtask>` to TaskManager object). */
  readonly placement: Readonly<Record<string, string>>;
}

/** The outcome of a submission: the job runs, or why it cannot (HTTP status, errors). */
export type SubmitOutcome = { readonly ok: true } | { readonly ok: false; readonly status: number; readonly errors: string[]; readonly fields?: readonly { path: string; message: string }[] };

/** An ingest source of a job, as the Worker routes posts to it. */
export interface IngestTarget {
  readonly partitions: number;
  readonly maxBacklog: number;
  /** The source's vertex (its rate controller, if any, sets the admission rate). */
  readonly vertexId?: string;
}

/** What the Worker asks of a trigger (savepoint, stop, checkpoint). */
export interface TriggerRequest {
  readonly id: string;
  readonly kind: Trigger["kind"];
  readonly drain?: boolean;
  readonly cancelJob?: boolean;
}

/** What a JobManager object reaches and how it builds jobs. */
export interface JobManagerContext {
  taskManager(address: TaskManagerAddress): TaskManagerRpc;
  /** Another JobManager object (to read the checkpoints it holds). */
  jobManager(name: string): { readCheckpoint(location: string): Promise<Uint8Array> };
  /** The deployment's directory (admission, ended jobs); absent: no limits. */
  directory?(): { admit(entry: Omit<DirectoryEntry, "ended">): Promise<Admission>; ended(id: string): Promise<void> };
  /** Ends every partition of an ingest source. */
  endIngest?(jobId: string, source: string, partitions: number): Promise<void>;
  /** Sets the rate each partition of an ingest source admits, records/s (undefined: unlimited). */
  setIngestRate?(jobId: string, source: string, partitions: number, rate: number | undefined): Promise<void>;
  /** Loads a job module for the JobManager (the spec module gets a JobManager's context). */
  jobModules(manager: DurableJobManager): ModuleLoader;
  /** Turns an error thrown while building into the answer to the submission. */
  refusal(error: unknown): SubmitOutcome;
}

/** The state and logic of one JobManager object. */
export class DurableJobManager implements JobManagerRpc {
  private request: EdgeJobRequest | undefined;
  private ended: EndedJobData | undefined;
  private client: JobClient | undefined;
  private cluster: DurableObjectCluster | undefined;
  private results: DurableResults | undefined;
  private readonly triggers = new Map<string, Trigger>();
  private readonly ingest = new Map<string, IngestTarget>();
  private storageOf: DurableObjectCheckpointStorage | undefined;
  private launching: Promise<void> | undefined;

  constructor(
    private readonly state: DurableObjectState,
    private readonly context: JobManagerContext,
  ) {
    void state.blockConcurrencyWhile(() => this.load());
  }

  /** Starts a job here (once: a second submission of the same id is refused). */
  async submit(request: EdgeJobRequest): Promise<SubmitOutcome> {
    if (this.request !== undefined) return { ok: false, status: 409, errors: [`[eddy] job "${request.id}" exists already`] };
    this.request = request;
    this.results = request.resultsCapacity === 0 ? undefined : new DurableResults(this.state.storage, request.resultsCapacity ?? 10_000);
    let client: JobClient;
    try {
      client = await this.prepare();
    } catch (error) {
      this.forget();
      return this.context.refusal(error);
    }
    const admission = (await this.context.directory?.().admit({ id: request.id, name: request.name, submitted: request.submitted, slots: client.executionGraph.slots })) ?? { ok: true };
    if (!admission.ok) {
      this.forget();
      return { ok: false, status: 429, errors: [admission.error] };
    }
    // Stored before it starts: from here on a restart resumes the job.
    await this.state.storage.put("job", request);
    await this.start(client);
    return { ok: true };
  }

  /** What the API shows of the job; undefined when there is none here. */
  async view(): Promise<JobSnapshot | undefined> {
    await this.resume();
    const r = this.request;
    if (r === undefined) return undefined;
    const client = this.client;
    const base = this.ended ?? (client !== undefined ? endedJobData(client) : undefined);
    if (base === undefined) return undefined;
    const placement: Record<string, string> = {};
    if (client !== undefined && this.ended === undefined) {
      for (const v of client.executionGraph.jobGraph.vertices) for (let i = 0; i < v.parallelism; i++) placement[`${v.id}#${i}`] = client.execution.taskManagerOf(v.id, i);
    }
    return {
      ...base,
      // The job's start, not this object's: it may have restarted since.
      timestamps: { ...base.timestamps, start: r.submitted },
      submitted: r.submitted,
      jobKey: r.jobKey,
      live: this.ended === undefined && client !== undefined,
      checkpointing: base.checkpoints !== undefined,
      results: this.results === undefined ? undefined : { total: this.results.total, kept: this.results.size },
      placement,
    };
  }

  /** Kept results, oldest first. */
  async resultSlice(offset: number, limit: number): Promise<{ total: number; kept: number; records: unknown[] } | undefined> {
    await this.resume();
    const r = this.results;
    if (r === undefined) return undefined;
    return { total: r.total, kept: r.size, records: r.slice(offset, offset + limit) };
  }

  /** Cancels the job; false when it has ended (or was never here). */
  async cancel(): Promise<boolean> {
    await this.resume();
    if (this.client === undefined || this.ended !== undefined) return false;
    void this.client.cancel();
    return true;
  }

  /**
   * Starts a savepoint, stop or checkpoint under a client's trigger id (a known id is a retry and
   * finds the first one). Undefined when the job has ended or runs without checkpointing.
   */
  async trigger(request: TriggerRequest): Promise<{ trigger: Trigger } | { refused: string }> {
    await this.resume();
    const known = this.triggers.get(request.id);
    if (known !== undefined) return { trigger: known };
    const client = this.client;
    const status = this.ended?.status ?? client?.getJobStatus() ?? "FAILED";
    if (client === undefined || this.ended !== undefined || TERMINAL.has(status)) return { refused: `[eddy] job "${this.request?.id}" is ${status}: no ${request.kind} can be taken` };
    if (client.checkpointStats() === undefined) return { refused: `[eddy] job "${this.request?.id}" runs without checkpointing: no ${request.kind} can be taken (give its spec "checkpointing")` };
    const t: Trigger = { id: request.id, kind: request.kind, status: "IN_PROGRESS" };
    this.triggers.set(t.id, t);
    const run =
      request.kind === "checkpoint"
        ? client.triggerCheckpoint()
        : request.kind === "stop"
          ? client.stopWithSavepoint({ drain: request.drain ?? false })
          : client.triggerSavepoint().then(async (result) => {
              if (request.cancelJob === true) await client.cancel();
              return result;
            });
    const done = (): void => void this.state.storage.put("triggers", [...this.triggers.values()]);
    run.then(
      (result) => {
        t.status = "COMPLETED";
        t.result = result;
        done();
      },
      (error: unknown) => {
        t.status = "COMPLETED";
        t.failure = describeError(error);
        done();
      },
    );
    return { trigger: t };
  }

  async triggerStatus(id: string): Promise<Trigger | undefined> {
    await this.resume();
    return this.triggers.get(id);
  }

  /** Which reader holds each split of a source vertex; undefined when it is not a source. */
  async partitions(vertexId: string): Promise<PartitionsInfo | { ended: string } | undefined> {
    await this.resume();
    if (this.client === undefined || this.ended !== undefined) return { ended: this.ended?.status ?? "FAILED" };
    return sourcePartitions(this.client, vertexId);
  }

  async taskManagers(): Promise<TaskManagerInfo[]> {
    await this.resume();
    return this.cluster?.taskManagers() ?? [];
  }

  /** Where posts to an ingest source go; `ended` once the job has ended. */
  async ingestTarget(source: string): Promise<IngestTarget | "ended" | undefined> {
    await this.resume();
    if (this.request === undefined) return undefined;
    if (this.ended !== undefined) return "ended";
    return this.ingest.get(source);
  }

  /** Ends an ingest source: its readers end once they have read everything. */
  async endIngest(source: string): Promise<boolean> {
    const target = await this.ingestTarget(source);
    if (target === undefined || target === "ended") return false;
    await this.context.endIngest?.(this.request!.id, source, target.partitions);
    return true;
  }

  async fromTaskManager(name: string, messages: readonly JobManagerMessage[]): Promise<void> {
    this.cluster?.deliver(name, messages);
  }

  /** The encoded checkpoint at a location this object holds (another job restores from it). */
  async readCheckpoint(location: string): Promise<Uint8Array> {
    return this.checkpointsOf(this.request?.id ?? "").read(location);
  }

  /** Keeps a savepoint taken elsewhere (Node, Deno, Bun); this object is then named `owner`. */
  async importSavepoint(owner: string, bytes: Uint8Array): Promise<{ location: string; checkpointId: number; jobKey: string }> {
    const { location, checkpoint } = await this.checkpointsOf(owner).import(bytes, "the uploaded savepoint");
    return { location, checkpointId: checkpoint.checkpointId, jobKey: checkpoint.jobKey };
  }

  async alarm(): Promise<void> {
    await this.resume();
    if (this.client === undefined || this.ended !== undefined) return;
    await this.cluster?.heartbeat();
    // Timers of the JobManager (checkpoint triggers, timeouts) run when its attempt wakes.
    this.client.execution.post(() => {});
    await this.results?.flush();
    await this.state.storage.setAlarm(Date.now() + HEARTBEAT_MS);
    await this.pushIngestRates();
  }

  /**
   * Push sources admit what their rate controller lets in (Spark's rate, beside the credits that
   * cannot reach a client): each partition of an ingest source admits its share of the rate. Sent
   * at start and with every alarm (an ingest object may have been evicted and lost it).
   */
  private async pushIngestRates(): Promise<void> {
    const client = this.client;
    const set = this.context.setIngestRate;
    if (client === undefined || set === undefined || this.request === undefined) return;
    const controllers = client.rateControllers();
    const updates: Promise<void>[] = [];
    for (const [name, target] of this.ingest) {
      const controller = target.vertexId === undefined ? undefined : controllers.get(target.vertexId);
      if (controller === undefined) continue;
      const rate = controller.state().rate;
      updates.push(set(this.request.id, name, target.partitions, rate === undefined ? undefined : rate / target.partitions));
    }
    // An ingest object that does not answer now hears the rate with the next alarm: the job's own
    // heartbeats and timers must not wait on it, nor fail with it.
    await Promise.allSettled(updates);
  }

  /** Collected results of the job (the spec module's collect sinks keep them here). */
  get resultBuffer(): DurableResults | undefined {
    return this.results;
  }

  private checkpointsOf(owner: string): DurableObjectCheckpointStorage {
    this.storageOf ??= new DurableObjectCheckpointStorage(this.state.storage, owner, (l: DurableLocation, text: string) => this.context.jobManager(l.owner).readCheckpoint(text));
    return this.storageOf;
  }

  private forget(): void {
    this.request = undefined;
    this.results = undefined;
    this.client = undefined;
    this.cluster = undefined;
  }

  private async load(): Promise<void> {
    const [request, ended, triggers] = await Promise.all([
      this.state.storage.get<EdgeJobRequest>("job"),
      this.state.storage.get<EndedJobData>("ended"),
      this.state.storage.get<Trigger[]>("triggers"),
    ]);
    this.request = request;
    this.ended = ended;
    for (const t of triggers ?? []) this.triggers.set(t.id, t);
    if (request !== undefined && request.resultsCapacity !== 0) {
      this.results = new DurableResults(this.state.storage, request.resultsCapacity ?? 10_000);
      await this.results.load();
    }
  }

  /** A job that has not ended runs again after the object restarted (from its last checkpoint). */
  private async resume(): Promise<void> {
    if (this.request === undefined || this.ended !== undefined || this.client !== undefined) return;
    this.launching ??= this.relaunch().finally(() => (this.launching = undefined));
    await this.launching;
  }

  private async relaunch(): Promise<void> {
    try {
      await this.start(await this.prepare());
    } catch (error) {
      // The bundle changed so that the job no longer builds: it has ended, and says why.
      const r = this.request!;
      const now = Date.now();
      this.ended = {
        jobId: r.id,
        jobName: r.name,
        executionGraph: { slots: 0, jobGraph: { vertices: [] } },
        status: "FAILED",
        exceptions: [{ exceptionName: error instanceof Error ? error.name : "Error", message: describeError(error), stacktrace: error instanceof Error ? (error.stack ?? "") : "", timestamp: now, taskName: null, attempt: 0 }],
        metrics: { vertices: [], sourceRecordsPerSecond: 0, currentWatermark: Number.NEGATIVE_INFINITY },
        checkpoints: undefined,
        timestamps: { start: r.submitted, end: now, status: { FAILED: now } },
      };
      await this.state.storage.put("ended", this.ended);
      await this.context.directory?.().ended(r.id);
    }
  }

  /** Builds the job on a cluster of this object's TaskManagers, ready to start. */
  private async prepare(): Promise<JobClient> {
    const r = this.request!;
    const incarnation = ((await this.state.storage.get<number>("incarnation")) ?? 0) + 1;
    await this.state.storage.put("incarnation", incarnation);
    const cluster = new DurableObjectCluster({ jobId: r.id, incarnation, ...(r.taskManagers !== undefined ? { taskManagers: r.taskManagers } : {}), stub: (a) => this.context.taskManager(a) });
    const env = StreamExecutionEnvironment.create({ parallelism: r.parallelism, ...(r.maxParallelism !== undefined ? { maxParallelism: r.maxParallelism } : {}), cluster });
    const stream = await env.build(r.job, this.context.jobModules(this));
    if (stream !== undefined && this.results !== undefined && r.job.module !== SPEC_MODULE) {
      env.collecting(stream);
      stream.sinkTo(new CollectSink(this.results), "Collect Sink");
    }
    const storage = this.checkpointsOf(r.id);
    const cp = env.getCheckpointConfig();
    if (cp !== undefined) {
      env.enableCheckpointing(cp.intervalMs, {
        mode: cp.mode,
        timeout: cp.timeoutMs,
        minPauseBetweenCheckpoints: cp.minPauseMs,
        unaligned: cp.unaligned,
        alignedCheckpointTimeout: cp.alignedTimeoutMs,
        retainedCheckpoints: cp.retained,
        tolerableFailedCheckpoints: cp.tolerableFailures,
        storage,
        jobKey: r.jobKey,
      });
      // A job with checkpoints of its own resumes from the latest (the job master recovers it
      // by job key); before its first one, from where it was asked to start.
      if (r.restore !== undefined && (await storage.list(r.jobKey)).length === 0) {
        // Read now, so a location that does not resolve refuses the submission.
        env.setSavepointRestore(await storage.load(r.restore.path), { allowNonRestoredState: r.restore.allowNonRestoredState });
      }
    } else if (r.restore !== undefined) {
      throw new EddyError("[eddy] a job starts from a savepoint only with checkpointing enabled", { code: "CHECKPOINTING_DISABLED", domain: "user", retryable: false });
    }
    const client = env.prepare(r.name, { jobId: r.id });
    this.ingest.clear();
    for (const v of client.executionGraph.jobGraph.vertices) {
      const source = v.isSource ? client.executionGraph.jobGraph.streamGraph.node(v.nodeIds[0]!).source?.source : undefined;
      if (source instanceof IngestSource) this.ingest.set(source.options.name, { partitions: v.parallelism, maxBacklog: source.maxBacklog, vertexId: v.id });
    }
    this.cluster = cluster;
    return client;
  }

  private async start(client: JobClient): Promise<void> {
    this.client = client;
    client.start();
    const ended = (): void => void this.onEnded(client);
    client.getJobExecutionResult().then(ended, ended);
    await this.pushIngestRates();
    await this.state.storage.setAlarm(Date.now() + HEARTBEAT_MS);
  }

  private async onEnded(client: JobClient): Promise<void> {
    if (this.client !== client) return;
    const data = endedJobData(client);
    if (!TERMINAL.has(data.status)) return;
    this.ended = data;
    await this.results?.flush();
    await this.state.storage.put("ended", data);
    await this.context.directory?.().ended(data.jobId);
  }
}
