/**
 * The TaskManagers of one job as Durable Objects, for the job's JobManager object: core's
 * Cluster over RPC stubs. Each job has its own TaskManager objects, `tm-0`, `tm-1`, ..., as many
 * as it has slots (subtask i of every vertex shares slot i, as in Flink) unless `taskManagers`
 * caps them, in which case slots are spread over the objects. Messages to one object keep their order
 * (calls on one stub are delivered in order). Heartbeats from the JobManager's alarm find
 * TaskManagers that were evicted or restarted (they no longer run what they were given): those
 * are lost, and the attempt fails over to the last completed checkpoint.
 */
import { EddyError, describeError } from "../../core/errors.ts";
import type { Cluster, ClusterListener, TaskManagerInfo } from "../../core/cluster/cluster.ts";
import type { JobManagerMessage, TaskManagerMessage } from "../../core/runtime/task-manager.ts";
import { type TaskManagerAddress, type TaskManagerRpc, tagExecution, untagExecution } from "./edge-protocol.ts";

/** Options of {@link DurableObjectCluster}. */
export interface DurableObjectClusterOptions {
  readonly jobId: string;
  /** This JobManager object's incarnation (it counts its restarts). */
  readonly incarnation: number;
  /** At most this many TaskManager objects (default: one per slot). */
  readonly taskManagers?: number;
  readonly stub: (address: TaskManagerAddress) => TaskManagerRpc;
}

interface Member {
  readonly name: string;
  readonly allocations: Map<string, number>;
  registeredAt: number;
  lastHeartbeat: number;
}

/** A job's TaskManager objects. */
export class DurableObjectCluster implements Cluster {
  private readonly members: Member[] = [];
  private readonly listeners = new Map<string, ClusterListener>();
  /** Executions (tagged) that closed on a TaskManager: a heartbeat no longer expects them there. */
  private readonly closed = new Set<string>();

  constructor(private readonly options: DurableObjectClusterOptions) {}

  /** Slots of the objects in use (objects are created as attempts need them). */
  get slots(): number {
    return this.members.reduce((n, m) => n + this.slotsOf(m), 0);
  }

  allocate(execution: string, slots: number): string[] {
    const n = Math.max(1, Math.min(this.options.taskManagers ?? slots, slots));
    const now = Date.now();
    while (this.members.length < n) this.members.push({ name: `tm-${this.members.length}`, allocations: new Map(), registeredAt: now, lastHeartbeat: now });
    const owners: string[] = [];
    for (let i = 0; i < slots; i++) {
      const m = this.members[i % n]!;
      m.allocations.set(execution, (m.allocations.get(execution) ?? 0) + 1);
      owners.push(m.name);
    }
    return owners;
  }

  release(execution: string): void {
    for (const m of this.members) m.allocations.delete(execution);
    for (const c of [...this.closed]) if (untagExecution(c).execution === execution) this.closed.delete(c);
  }

  send(taskManager: string, message: TaskManagerMessage): void {
    const tagged = { ...message, execution: this.tag(message.execution) } as TaskManagerMessage;
    this.stub(taskManager)
      .receive(this.address(taskManager), tagged)
      .catch((error: unknown) => this.lose(taskManager, `cannot be reached: ${describeError(error)}`));
  }

  subscribe(execution: string, listener: ClusterListener): () => void {
    this.listeners.set(execution, listener);
    return () => {
      if (this.listeners.get(execution) === listener) this.listeners.delete(execution);
    };
  }

  taskManagers(): TaskManagerInfo[] {
    return this.members.map((m) => ({
      id: m.name,
      slotsNumber: this.slotsOf(m),
      freeSlots: 0,
      registeredAt: m.registeredAt,
      lastHeartbeat: m.lastHeartbeat,
      heapUsed: 0,
      heapTotal: 0,
      executions: [...m.allocations.keys()],
    }));
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }

  /** Messages a TaskManager object sent; those of another incarnation are dropped. */
  deliver(from: string, messages: readonly JobManagerMessage[]): void {
    const member = this.members.find((m) => m.name === from);
    if (member !== undefined) member.lastHeartbeat = Date.now();
    for (const message of messages) {
      const { execution, incarnation } = untagExecution(message.execution);
      if (incarnation !== this.options.incarnation) continue;
      if (message.type === "closed") this.closed.add(message.execution);
      this.listeners.get(execution)?.message(from, { ...message, execution } as JobManagerMessage);
    }
  }

  /**
   * Asks every TaskManager in use what it runs (and tells it what it should run, so it stops
   * leftovers). One that cannot be reached, or has lost an execution it was given (evicted,
   * restarted), is lost.
   */
  async heartbeat(): Promise<void> {
    await Promise.all(
      this.members.map(async (m) => {
        const live = [...m.allocations.keys()].map((e) => this.tag(e));
        if (live.length === 0) return;
        let running: readonly string[];
        try {
          const reply = await this.stub(m.name).heartbeat(this.address(m.name), live);
          running = reply.executions;
          m.registeredAt = reply.registeredAt;
        } catch (error) {
          this.lose(m.name, `missed its heartbeat: ${describeError(error)}`);
          return;
        }
        m.lastHeartbeat = Date.now();
        const missing = live.filter((e) => !running.includes(e) && !this.closed.has(e));
        if (missing.length > 0) this.lose(m.name, "was restarted (evicted, or workerd restarted) and lost the subtasks it ran");
      }),
    );
  }

  /** An object has as many slots as it is given (Durable Objects are made on demand). */
  private slotsOf(m: Member): number {
    return Math.max(1, ...m.allocations.values());
  }

  private lose(taskManager: string, why: string): void {
    const error = new EddyError(`[eddy] TaskManager ${taskManager} of job ${this.options.jobId} ${why}`, { code: "TASK_MANAGER_LOST", domain: "internal", retryable: true });
    for (const listener of [...this.listeners.values()]) listener.lost(taskManager, error);
  }

  private tag(execution: string): string {
    return tagExecution(execution, this.options.incarnation);
  }

  private address(name: string): TaskManagerAddress {
    return { jobId: this.options.jobId, name };
  }

  private stub(name: string): TaskManagerRpc {
    return this.options.stub(this.address(name));
  }
}
