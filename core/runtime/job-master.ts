/**
 * Runs one job across attempts: builds an executor per attempt (restored from the latest
 * completed checkpoint after a failure), attaches the checkpoint coordinator, applies the
 * restart strategy, keeps the exception history, and serves savepoints and stop requests.
 */
import { EddyError, describeError } from "../errors.ts";
import { CheckpointCoordinator, type TriggerRequest } from "../checkpoint/checkpoint-coordinator.ts";
import type { CheckpointConfig } from "../checkpoint/checkpoint-config.ts";
import type { StoredCheckpoint } from "../checkpoint/completed-checkpoint-store.ts";
import type { CompletedCheckpoint } from "../checkpoint/types.ts";
import type { ExecutionGraph } from "../graph/execution-graph.ts";
import type { JobMetrics } from "../metrics/job-metrics.ts";
import { type ExecutorOptions, LocalExecutor, type RestoreSettings } from "./executor.ts";
import type { ExecutionFactory, JobExecution } from "./job-execution.ts";
import { RateController } from "./rate/rate-controller.ts";
import type { RestartStrategy } from "./restart-strategy.ts";

/** How often the final checkpoint (end of input) is tried before the job fails. */
const FINAL_CHECKPOINT_ATTEMPTS = 10;

/** Job lifecycle states, as Flink's. */
export type JobStatus = "CREATED" | "RUNNING" | "FAILING" | "RESTARTING" | "CANCELLING" | "CANCELED" | "FINISHED" | "FAILED";

/** One failure in the exception history (Flink's `/jobs/:id/exceptions` entries). */
export interface ExceptionEntry {
  readonly exceptionName: string;
  readonly message: string;
  readonly stacktrace: string;
  readonly timestamp: number;
  /** The operator the error names, when it names one. */
  readonly taskName: string | null;
  readonly attempt: number;
}

/** Where the first attempt's state comes from. */
export type InitialRestore =
  | { readonly kind: "checkpoint"; readonly checkpoint: CompletedCheckpoint; readonly allowNonRestoredState: boolean }
  | { readonly kind: "location"; readonly location: string; readonly allowNonRestoredState: boolean };

/** Options of {@link JobMaster}. */
export interface JobMasterOptions {
  readonly jobName: string;
  readonly graph: ExecutionGraph;
  readonly executor: Omit<ExecutorOptions, "restore" | "onAllFinished" | "attempt">;
  readonly checkpointing: CheckpointConfig | undefined;
  readonly restartStrategy: RestartStrategy;
  readonly restore: InitialRestore | undefined;
  /** Where attempts run (default: the local executor, in this isolate). */
  readonly execution?: ExecutionFactory;
}

/** The job's control loop. */
export class JobMaster {
  status: JobStatus = "CREATED";
  readonly exceptions: ExceptionEntry[] = [];
  readonly coordinator: CheckpointCoordinator | undefined;
  /** The current attempt's execution. */
  executor: JobExecution;
  /** The current attempt: 0 for the first run, +1 per restart. */
  attempt = 0;
  private cancelled = false;
  private stopping = false;
  private wakeRestart: (() => void) | undefined;
  readonly timestamps: Partial<Record<JobStatus, number>> = {};
  /** Rate controllers of the sources that have one, by source vertex id (they outlive attempts). */
  readonly rateControllers: ReadonlyMap<string, RateController>;

  constructor(private readonly options: JobMasterOptions) {
    const cp = options.checkpointing;
    const operatorNames: Record<string, string> = {};
    for (const [nodeId, id] of options.graph.jobGraph.operatorIds) operatorNames[id] = options.graph.jobGraph.nodeName(nodeId);
    this.coordinator =
      cp === undefined
        ? undefined
        : new CheckpointCoordinator({
            config: cp,
            jobKey: cp.jobKey ?? options.jobName,
            clock: options.executor.clock,
            operatorNames,
            onTooManyFailures: (error) => this.failAttempt(error),
          });
    const job = options.graph.jobGraph;
    const terminal = new Set(job.vertices.filter((v) => v.outputs.length === 0).map((v) => v.id));
    const sources = new Set(job.vertices.filter((v) => v.isSource).map((v) => v.id));
    const controllers = new Map<string, RateController>();
    for (const v of job.vertices) {
      const options = v.isSource ? job.streamGraph.node(v.nodeIds[0]!).rateController : undefined;
      if (options !== undefined) controllers.set(v.id, new RateController(v.id, options, terminal, sources));
    }
    this.rateControllers = controllers;
    const initial = options.restore?.kind === "checkpoint" ? { checkpoint: options.restore.checkpoint, allowNonRestoredState: options.restore.allowNonRestoredState } : undefined;
    this.executor = this.newExecutor(initial);
    this.setStatus("CREATED");
  }

  /** Runs attempts until the job finishes, is cancelled, or the restart strategy gives up. */
  async run(): Promise<void> {
    const tracker = this.options.restartStrategy.start();
    let restore: RestoreSettings | undefined;
    try {
      restore = await this.initialRestore();
    } catch (error) {
      // A savepoint that cannot be read fails the job before it runs: nothing to restart from.
      this.record(error);
      this.setStatus("FAILED");
      throw error;
    }
    let first = true;
    for (;;) {
      if (!first) {
        this.attempt++;
        this.executor = this.newExecutor(restore);
      } else if (restore !== undefined && this.options.restore?.kind !== "checkpoint") this.executor = this.newExecutor(restore);
      first = false;
      if (this.cancelled) {
        this.setStatus("CANCELED");
        return;
      }
      this.coordinator?.attach(this.executor);
      this.attachRateControllers(this.executor);
      this.setStatus("RUNNING");
      try {
        await this.executor.run();
        this.coordinator?.detach("the job finished");
        this.setStatus(this.cancelled && !this.stopping ? "CANCELED" : "FINISHED");
        return;
      } catch (error) {
        this.coordinator?.detach(`the job failed: ${describeError(error)}`);
        this.record(error);
        if (this.cancelled) {
          this.setStatus("CANCELED");
          return;
        }
        this.setStatus("FAILING");
        // A failure that will happen again on every attempt (a malformed component, an invalid
        // key, state that cannot be restored) fails the job at once: restarting only repeats it.
        const deterministic = error instanceof EddyError && !error.retryable;
        const decision = deterministic ? { restart: false, delayMs: 0 } : tracker.onFailure(this.options.executor.clock.now());
        if (!decision.restart) {
          this.setStatus("FAILED");
          throw error;
        }
        this.setStatus("RESTARTING");
        await this.sleep(decision.delayMs);
        const latest = this.coordinator?.store.latest();
        restore = latest !== undefined ? { checkpoint: latest.checkpoint, allowNonRestoredState: true } : await this.initialRestore();
      }
    }
  }

  /** Takes a checkpoint now. */
  triggerCheckpoint(): Promise<StoredCheckpoint> {
    return this.requireCoordinator("a checkpoint").trigger({ savepoint: false });
  }

  /** Takes a savepoint; the job goes on. */
  triggerSavepoint(): Promise<StoredCheckpoint> {
    return this.requireCoordinator("a savepoint").trigger({ savepoint: true });
  }

  /**
   * Takes a savepoint and ends the job (FINISHED). With `drain`, sources first emit the final
   * watermark, so every window fires, and operators see the end of their input.
   */
  async stopWithSavepoint(drain = false): Promise<StoredCheckpoint> {
    const request: TriggerRequest = { savepoint: true, stop: { drain } };
    const executor = this.executor;
    const stored = await this.requireCoordinator("a savepoint").trigger(request);
    this.stopping = true;
    if (drain) executor.finishSources();
    else {
      this.cancelled = true;
      executor.post(() => executor.cancel());
    }
    return stored;
  }

  /** Cancels the job (also while it waits to restart). */
  cancel(): void {
    this.cancelled = true;
    if (this.status === "RUNNING" || this.status === "CREATED") this.setStatus("CANCELLING");
    this.executor.cancel();
    this.wakeRestart?.();
  }

  metrics(): JobMetrics {
    const m = this.executor.metrics();
    if (this.rateControllers.size === 0) return m;
    const vertices = m.vertices.map((v) => {
      const controller = this.rateControllers.get(v.id);
      return controller === undefined ? v : { ...v, rateController: controller.state() };
    });
    return { ...m, vertices };
  }

  private newExecutor(restore: RestoreSettings | undefined): JobExecution {
    const coordinator = this.coordinator;
    if (restore !== undefined) {
      coordinator?.restoredFrom(restore.checkpoint.checkpointId);
      coordinator?.stats.restoredFrom(restore.checkpoint.checkpointId, this.options.executor.clock.now(), restore.checkpoint.isSavepoint, undefined);
    }
    const create: ExecutionFactory = this.options.execution ?? ((graph, options) => new LocalExecutor(graph, options));
    return create(this.options.graph, {
      ...this.options.executor,
      restore,
      attempt: this.attempt,
      checkpointIntervalMs: this.options.checkpointing?.intervalMs,
      // A final checkpoint once every task has finished lets two-phase-commit sinks commit the rest;
      // one that fails (expires) is taken again, as Flink waits for a successful final checkpoint.
      onAllFinished:
        coordinator === undefined
          ? undefined
          : async () => {
              for (let attempt = 1; ; attempt++) {
                try {
                  await coordinator.trigger({ savepoint: false });
                  coordinator.stopPeriodic();
                  return;
                } catch (error) {
                  if (attempt >= FINAL_CHECKPOINT_ATTEMPTS) throw error;
                }
              }
            },
    });
  }

  private async initialRestore(): Promise<RestoreSettings | undefined> {
    const r = this.options.restore;
    if (r?.kind === "checkpoint") return { checkpoint: r.checkpoint, allowNonRestoredState: r.allowNonRestoredState };
    if (r?.kind === "location") {
      const checkpoint = await this.requireCoordinator("a restore from a savepoint").store.load(r.location);
      return { checkpoint, allowNonRestoredState: r.allowNonRestoredState };
    }
    const recovered = await this.coordinator?.store.recover(this.coordinator === undefined ? "" : (this.options.checkpointing!.jobKey ?? this.options.jobName));
    return recovered === undefined ? undefined : { checkpoint: recovered.checkpoint, allowNonRestoredState: false };
  }

  /** Applies each controller's rate to the attempt and updates it every interval from the attempt's metrics. */
  private attachRateControllers(executor: JobExecution): void {
    for (const [vertexId, controller] of this.rateControllers) {
      if (controller.rate !== undefined) executor.setSourceRate(vertexId, controller.rate);
      executor.scheduler.scheduleRepeating(controller.options.intervalMs ?? 1_000, (now) => {
        const rate = controller.observe(now, executor.metrics());
        if (rate !== undefined) executor.setSourceRate(vertexId, rate);
      });
    }
  }

  private requireCoordinator(what: string): CheckpointCoordinator {
    if (this.coordinator === undefined) {
      throw new EddyError(`[eddy] ${what} needs checkpointing: call env.enableCheckpointing(interval) first`, { code: "CHECKPOINTING_DISABLED", domain: "user", retryable: false });
    }
    return this.coordinator;
  }

  private failAttempt(error: EddyError): void {
    this.executor.post(() => {
      throw error;
    });
  }

  private record(error: unknown): void {
    const e = error instanceof Error ? error : new Error(String(error));
    this.exceptions.push({
      exceptionName: e.name,
      message: e.message,
      stacktrace: e.stack ?? `${e.name}: ${e.message}`,
      timestamp: Date.now(),
      taskName: error instanceof EddyError ? (error.operator ?? null) : null,
      attempt: this.attempt,
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wakeRestart = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private setStatus(status: JobStatus): void {
    this.status = status;
    this.timestamps[status] = Date.now();
  }
}
