/**
 * A TaskManager as a Durable Object: core's TaskManagerRuntime, reached by RPC. Control messages
 * come from the job's JobManager object, data bundles from the other TaskManager objects; what
 * the executors produce is queued and sent in one call per peer at the end of each slice. The
 * executors are stepped from the object's alarms (AlarmDriver), so the job runs with no client
 * connected, and nothing of a job attempt is kept in storage: if the object is evicted or workerd
 * restarts, the JobManager notices (heartbeats) and restores the job from its last completed
 * checkpoint.
 */
import { buildDeployment } from "../../core/api/deployment.ts";
import { TaskManagerRuntime } from "../../core/cluster/task-manager-runtime.ts";
import type { ExecutionGraph } from "../../core/graph/execution-graph.ts";
import type { DataBundle } from "../../core/runtime/remote-channel.ts";
import { type JobManagerMessage, type ModuleLoader, type TaskDeployment, type TaskManagerMessage, serializeError } from "../../core/runtime/task-manager.ts";
import { AlarmDriver } from "./alarm-driver.ts";
import type { DurableObjectState } from "./durable-object.ts";
import type { HeartbeatReply, JobManagerRpc, TaskManagerAddress, TaskManagerRpc } from "./edge-protocol.ts";

/** What a TaskManager object reaches: its JobManager and its peers, by RPC. */
export interface TaskManagerContext {
  jobManager(jobId: string): JobManagerRpc;
  taskManager(address: TaskManagerAddress): TaskManagerRpc;
  /** Loads a job module of the bundle. */
  readonly load: ModuleLoader;
  /** Completes a built graph with what the edge provides (ingest sources, webhook sinks). */
  prepare?(graph: ExecutionGraph, deployment: TaskDeployment): void;
}

/** The state and logic of one TaskManager object. */
export class DurableTaskManager implements TaskManagerRpc {
  private self: TaskManagerAddress | undefined;
  private runtime: TaskManagerRuntime | undefined;
  private readonly driver: AlarmDriver;
  private readonly toPeers = new Map<string, DataBundle[]>();
  private toJobManager: JobManagerMessage[] = [];
  /** Executions deployed here that have not closed. */
  private readonly executions = new Set<string>();
  private readonly registeredAt = Date.now();

  constructor(
    private readonly state: DurableObjectState,
    private readonly context: TaskManagerContext,
  ) {
    this.driver = new AlarmDriver({ alarms: state.storage, flush: () => this.flush() });
  }

  async receive(self: TaskManagerAddress, message: TaskManagerMessage): Promise<void> {
    const runtime = this.runtimeFor(self);
    if (message.type === "deploy") this.executions.add(message.execution);
    runtime.receive(message);
    this.driver.wake();
  }

  async receiveData(self: TaskManagerAddress, bundles: readonly DataBundle[]): Promise<void> {
    const runtime = this.runtimeFor(self);
    for (const b of bundles) runtime.receiveData(b);
    this.driver.wake();
  }

  async heartbeat(self: TaskManagerAddress, live: readonly string[]): Promise<HeartbeatReply> {
    const runtime = this.runtimeFor(self);
    // An execution the JobManager no longer runs here belongs to an attempt (or a JobManager
    // incarnation) that is over: stop it.
    for (const e of this.executions) if (!live.includes(e)) runtime.receive({ type: "cancel", execution: e });
    this.driver.wake();
    return { executions: [...this.executions], registeredAt: this.registeredAt };
  }

  async alarm(): Promise<void> {
    await this.driver.alarm();
  }

  private runtimeFor(self: TaskManagerAddress): TaskManagerRuntime {
    if (this.runtime !== undefined) return this.runtime;
    this.self = self;
    this.runtime = new TaskManagerRuntime({
      id: self.name,
      send: (message) => {
        this.toJobManager.push(message);
        this.driver.wake();
      },
      link: (peer) => ({
        send: (bundle) => {
          let queue = this.toPeers.get(peer);
          if (queue === undefined) this.toPeers.set(peer, (queue = []));
          queue.push(bundle);
          this.driver.wake();
        },
      }),
      build: async (deployment) => {
        const graph = await buildDeployment(deployment, this.context.load);
        this.context.prepare?.(graph, deployment);
        return graph;
      },
      drive: (executor) => this.driver.drive(executor),
    });
    return this.runtime;
  }

  /** Sends what the last slice produced: one call per peer, one to the JobManager. */
  private async flush(): Promise<void> {
    const self = this.self;
    if (self === undefined) return;
    const sends: Promise<void>[] = [];
    for (const [peer, bundles] of this.toPeers) {
      if (bundles.length === 0) continue;
      this.toPeers.set(peer, []);
      sends.push(
        this.context.taskManager({ jobId: self.jobId, name: peer }).receiveData({ jobId: self.jobId, name: peer }, bundles).catch((error: unknown) => {
          // The peer is gone (evicted, restarting): the attempts that sent to it fail over.
          for (const execution of new Set(bundles.map((b) => b.execution))) {
            this.toJobManager.push({ type: "failed", execution, error: serializeError(new Error(`[eddy] TaskManager ${peer} of job ${self.jobId} cannot be reached: ${error instanceof Error ? error.message : String(error)}`)) });
          }
        }),
      );
    }
    await Promise.all(sends);
    if (this.toJobManager.length > 0) {
      const messages = this.toJobManager;
      this.toJobManager = [];
      // A JobManager that cannot be reached restarts the job itself (and stops this attempt).
      await this.context.jobManager(self.jobId).fromTaskManager(self.name, messages).catch(() => undefined);
      // Only now is a closed execution no longer reported as running: a heartbeat answered while
      // its "closed" was on the way would have it lost, and the job failed over for nothing.
      for (const m of messages) if (m.type === "closed") this.executions.delete(m.execution);
    }
  }
}
