/**
 * A job's JobManager as a Durable Object: core's JobMaster (scheduling, the checkpoint
 * coordinator, split enumerators, restart strategies) with its attempts on the job's
 * TaskManager objects (DurableObjectCluster). What must outlive the object is in its storage:
 * the job's definition, its checkpoints and savepoints, collected results, triggers, and once it
 * has ended, what it left. An alarm every second sends heartbeats to the TaskManagers and wakes
 * the JobMaster's timers (checkpoint triggers); after the object is evicted or workerd restarts,
 * that alarm (or any request) brings the job back, restored from its last completed checkpoint.
 */
import { CollectSink, EddyError, type JobClient, type JobReference, type ModuleLoader, StreamExecutionEnvironment, type StoredCheckpoint } from "../../core/index.ts";
import type { JobManagerMessage } from "../../core/runtime/task-manager.ts";
import { type EndedJobData, endedJobData } from "../../server/ended-job.ts";
import type { Trigger } from "../../server/job-registry.ts";
import { DurableObjectCheckpointStorage, type DurableLocation } from "./durable-checkpoint-storage.ts";
import { DurableObjectCluster } from "./durable-object-cluster.ts";
import type { DurableObjectState } from "./durable-object.ts";
import { DurableResults } from "./durable-results.ts";
import type { JobManagerRpc, TaskManagerAddress, TaskManagerRpc } from "./edge-protocol.ts";

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
  /** Records a collected stream keeps (default 10 000). */
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
  readonly results: { readonly total: number; readonly kept: number } | undefined;
}

/** The outcome of a submission: the job runs, or why it cannot (HTTP status, errors). */
export type SubmitOutcome = { readonly ok: true } | { readonly ok: false; readonly status: number; readonly errors: string[]; readonly fields?: readonly { path: string; message: string }[] };

/** What a JobManager object reaches and how it builds jobs. */
export interface JobManagerContext {
  taskManager(address: TaskManagerAddress): TaskManagerRpc;
  /** Another JobManager object (to read the checkpoints it holds). */
  jobManager(name: string): { readCheckpoint(location: string): Promise<Uint8Array> };
  /** Loads a job module for the JobManager (the spec module gets a JobManager's context). */
  jobModules(manager: DurableJobManager, request: EdgeJobRequest): ModuleLoader;
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
  private triggers = new Map<string, Trigger>();
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
    // Stored first: from here on a restart resumes the job.
    await this.state.storage.put("job", request);
    try {
      await this.launch();
    } catch (error) {
      this.request = undefined;
      this.client = undefined;
      await this.state.storage.deleteAll();
      return this.context.refusal(error);
    }
    return { ok: true };
  }

  /** What the API shows of the job; undefined when there is none here. */
  async view(): Promise<JobSnapshot | undefined> {
    await this.resume();
    const r = this.request;
    if (r === undefined) return undefined;
    const base = this.ended ?? (this.client !== undefined ? endedJobData(this.client) : undefined);
    if (base === undefined) return undefined;
    return {
      ...base,
      // The job's start, not this object's: it may have restarted since.
      timestamps: { ...base.timestamps, start: r.submitted },
      submitted: r.submitted,
      jobKey: r.jobKey,
      live: this.ended === undefined && this.client !== undefined,
      results: this.results === undefined ? undefined : { total: this.results.total, kept: this.results.size },
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

  async fromTaskManager(name: string, messages: readonly JobManagerMessage[]): Promise<void> {
    this.cluster?.deliver(name, messages);
  }

  /** The encoded checkpoint at a location this object holds (another job restores from it). */
  async readCheckpoint(location: string): Promise<Uint8Array> {
    return this.checkpointsOf(this.request?.id ?? "").read(location);
  }

  async alarm(): Promise<void> {
    await this.resume();
    if (this.client === undefined || this.ended !== undefined) return;
    await this.cluster?.heartbeat();
    // Timers of the JobManager (checkpoint triggers, timeouts) run when its attempt wakes.
    this.client.execution.post(() => {});
    await this.results?.flush();
    await this.state.storage.setAlarm(Date.now() + HEARTBEAT_MS);
  }

  /** The checkpoint storage of this job's object. */
  checkpointsOf(owner: string): DurableObjectCheckpointStorage {
    this.storageOf ??= new DurableObjectCheckpointStorage(this.state.storage, owner, (l: DurableLocation, text: string) => this.context.jobManager(l.owner).readCheckpoint(text));
    return this.storageOf;
  }

  /** Collected results of the running job (the spec module's collect sinks keep them here). */
  get resultBuffer(): DurableResults | undefined {
    return this.results;
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
    this.launching ??= this.launch().finally(() => (this.launching = undefined));
    await this.launching;
  }

  private async launch(): Promise<void> {
    const r = this.request!;
    const initial = r.restore;
    const incarnation = ((await this.state.storage.get<number>("incarnation")) ?? 0) + 1;
    await this.state.storage.put("incarnation", incarnation);
    const cluster = new DurableObjectCluster({ jobId: r.id, incarnation, ...(r.taskManagers !== undefined ? { taskManagers: r.taskManagers } : {}), stub: (a) => this.context.taskManager(a) });
    const env = StreamExecutionEnvironment.create({ parallelism: r.parallelism, ...(r.maxParallelism !== undefined ? { maxParallelism: r.maxParallelism } : {}), cluster });
    const stream = await env.build(r.job, this.context.jobModules(this, r));
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
      const own = await storage.list(r.jobKey);
      if (own.length === 0 && initial !== undefined) env.setSavepointRestore(initial.path, { allowNonRestoredState: initial.allowNonRestoredState });
    } else if (initial !== undefined) {
      throw new EddyError("[eddy] a job starts from a savepoint only with checkpointing enabled", { code: "CHECKPOINTING_DISABLED", domain: "user", retryable: false });
    }
    const client = env.prepare(r.name, { jobId: r.id });
    this.cluster = cluster;
    this.client = client;
    client.start();
    const ended = (): void => void this.onEnded(client);
    client.getJobExecutionResult().then(ended, ended);
    await this.state.storage.setAlarm(Date.now() + HEARTBEAT_MS);
  }

  private async onEnded(client: JobClient): Promise<void> {
    if (this.client !== client) return;
    const data = endedJobData(client);
    if (!TERMINAL.has(data.status)) return;
    this.ended = data;
    await this.results?.flush();
    await this.state.storage.put("ended", data);
  }

  /** Starts (or finds) a trigger; `run` takes the savepoint or checkpoint. */
  trigger(id: string, kind: Trigger["kind"], run: (client: JobClient) => Promise<StoredCheckpoint | { checkpointId: number; location: string; bytes: number }>): Trigger {
    const known = this.triggers.get(id);
    if (known !== undefined) return known;
    const t: Trigger = { id, kind, status: "IN_PROGRESS" };
    this.triggers.set(id, t);
    const done = (): void => void this.state.storage.put("triggers", [...this.triggers.values()]);
    run(this.client!).then(
      (result) => {
        t.status = "COMPLETED";
        t.result = "checkpoint" in result ? { checkpointId: result.checkpoint.checkpointId, location: result.location, bytes: result.bytes } : result;
        done();
      },
      (error: unknown) => {
        t.status = "COMPLETED";
        t.failure = error instanceof Error ? error.message : String(error);
        done();
      },
    );
    return t;
  }
}
