/**
 * TaskManagers as workers of this process (worker threads on Node, Web Workers on Deno and Bun):
 * the cluster starts them, connects every pair with a MessagePort for data, routes control
 * messages by job attempt, allocates slots, and supervises them: heartbeats, CPU budgets of
 * user code (a shared watch cell per worker), and a worker that throws, exits or stops
 * answering is lost, its attempts fail, and a fresh worker takes its place. How a worker is
 * spawned is the runtime adapter's part (`SpawnWorker`); everything else is here.
 */
import { EddyError, describeError } from "../errors.ts";
import type { JobManagerMessage, TaskManagerMessage } from "../runtime/task-manager.ts";
import { WATCH_CELL_BYTES, readOverrun } from "./budget-watch.ts";
import type { Cluster, ClusterListener, TaskManagerInfo } from "./cluster.ts";

/** A worker as its supervisor holds it. */
export interface WorkerHandle {
  postMessage(message: unknown, transfer?: unknown[]): void;
  terminate(): void;
  /**
   * Whether the worker keeps this process alive (runtimes that can tell): while it starts or
   * runs a job it does; an idle cluster does not hold the process open.
   */
  keepAlive?(on: boolean): void;
}

/** What a worker tells its supervisor. */
export interface WorkerEvents {
  message(data: unknown): void;
  /** An uncaught error in the worker. */
  error(error: unknown): void;
  /** The worker ended (it exited, or was terminated). */
  exit(code: number | undefined): void;
}

/** Starts a worker running a TaskManager (the adapter's entry module calls `serveTaskManager`). */
export type SpawnWorker = (name: string, events: WorkerEvents) => WorkerHandle;

/** Options of {@link WorkerCluster.start}. */
export interface WorkerClusterOptions {
  /** Number of TaskManagers (default 1). `eddy serve` starts one per core. */
  readonly taskManagers?: number;
  /** Slots per TaskManager (default 1, as Flink's taskmanager.numberOfTaskSlots). */
  readonly slotsPerTaskManager?: number;
  /** How often workers are asked for a heartbeat, ms (default 1000). */
  readonly heartbeatIntervalMs?: number;
  /** A worker silent this long is lost, ms (default 30000; Flink's heartbeat.timeout is 50000). */
  readonly heartbeatTimeoutMs?: number;
  /** How often CPU budgets are checked, ms (default 50). */
  readonly budgetCheckIntervalMs?: number;
  readonly spawn: SpawnWorker;
}

/** Supervisor to worker. */
export type ToWorker =
  | { readonly kind: "init"; readonly id: string; readonly slots: number; readonly watch: SharedArrayBuffer }
  | { readonly kind: "peer"; readonly id: string; readonly port: unknown }
  | { readonly kind: "drop-peer"; readonly id: string }
  | { readonly kind: "tm"; readonly message: TaskManagerMessage }
  | { readonly kind: "heartbeat"; readonly seq: number };

/** Worker to supervisor. */
export type FromWorker =
  | { readonly kind: "ready" }
  | { readonly kind: "jm"; readonly message: JobManagerMessage }
  | { readonly kind: "heartbeat"; readonly seq: number; readonly heapUsed: number; readonly heapTotal: number };

interface Worker {
  readonly id: string;
  readonly handle: WorkerHandle;
  readonly watch: SharedArrayBuffer;
  readonly slots: number;
  readonly registeredAt: number;
  lastHeartbeat: number;
  heapUsed: number;
  heapTotal: number;
  ready: Promise<void>;
  markReady: () => void;
  /** It said it was ready (a TaskManager lost before that could not start at all). */
  started: boolean;
  /** Why it was lost, once it is. */
  lostWith?: EddyError;
  lost: boolean;
  /** Slots taken, by job attempt. */
  readonly allocations: Map<string, number>;
}

/** TaskManagers in workers of this process. */
export class WorkerCluster implements Cluster {
  private readonly workers = new Map<string, Worker>();
  private readonly listeners = new Map<string, ClusterListener>();
  private readonly timers: ReturnType<typeof setInterval>[] = [];
  private nextId = 1;
  private seq = 0;
  private closed = false;
  /** TaskManagers in a row that were lost before they started: their replacements back off. */
  private failedStarts = 0;
  private replacing: ReturnType<typeof setTimeout> | undefined;
  private pendingReplacements = 0;

  private constructor(private readonly options: WorkerClusterOptions) {}

  /** Starts the TaskManagers; resolves when every one is ready. */
  static async start(options: WorkerClusterOptions): Promise<WorkerCluster> {
    const count = options.taskManagers ?? 1;
    const slots = options.slotsPerTaskManager ?? 1;
    if (!Number.isInteger(count) || count < 1) throw new EddyError(`[eddy] taskManagers must be an integer >= 1, got ${count}`, { code: "INVALID_ARGUMENT", domain: "user", retryable: false });
    if (!Number.isInteger(slots) || slots < 1) throw new EddyError(`[eddy] slotsPerTaskManager must be an integer >= 1, got ${slots}`, { code: "INVALID_ARGUMENT", domain: "user", retryable: false });
    const cluster = new WorkerCluster(options);
    const initial: Worker[] = [];
    for (let i = 0; i < count; i++) initial.push(cluster.addWorker());
    await Promise.all(initial.map((w) => w.ready));
    // A TaskManager that cannot start (its entry module missing, a runtime without workers) would
    // fail every job placed on it: the cluster does not start, naming why.
    const failed = initial.find((w) => !w.started);
    if (failed !== undefined) {
      await cluster.close();
      throw new EddyError(`[eddy] TaskManager ${failed.id} could not start: ${failed.lostWith?.message ?? "it stopped before it was ready"}`, {
        code: "TASK_MANAGER_START_FAILED",
        domain: "external",
        retryable: false,
        cause: failed.lostWith,
      });
    }
    cluster.supervise();
    cluster.updateKeepAlive();
    return cluster;
  }

  get slots(): number {
    let n = 0;
    for (const w of this.workers.values()) n += w.slots;
    return n;
  }

  allocate(execution: string, slots: number): string[] {
    const live = [...this.workers.values()].filter((w) => !w.lost);
    const free = (w: Worker): number => w.slots - [...w.allocations.values()].reduce((a, b) => a + b, 0);
    const total = live.reduce((n, w) => n + free(w), 0);
    if (total < slots) {
      throw new EddyError(`[eddy] the job needs ${slots} slots but the cluster has ${total} free of ${this.slots} (${live.length} TaskManagers × ${this.options.slotsPerTaskManager ?? 1} slots): lower the job's parallelism, or start more TaskManagers or slots`, {
        code: "NOT_ENOUGH_SLOTS",
        domain: "external",
        retryable: true,
      });
    }
    // Spread evenly (Flink's cluster.evenly-spread-out-slots): each slot to the TaskManager with
    // the most free slots, so parallel subtasks get their own worker (and core) first.
    const owners: string[] = [];
    for (let i = 0; i < slots; i++) {
      const w = live.reduce((best, x) => (free(x) > free(best) ? x : best));
      w.allocations.set(execution, (w.allocations.get(execution) ?? 0) + 1);
      owners.push(w.id);
    }
    this.updateKeepAlive();
    return owners;
  }

  release(execution: string): void {
    for (const w of this.workers.values()) w.allocations.delete(execution);
    this.updateKeepAlive();
  }

  /** Workers keep the process alive while some job attempt holds slots. */
  private updateKeepAlive(): void {
    let busy = false;
    for (const w of this.workers.values()) if (w.allocations.size > 0) busy = true;
    for (const w of this.workers.values()) w.handle.keepAlive?.(busy);
  }

  send(taskManager: string, message: TaskManagerMessage): void {
    const w = this.workers.get(taskManager);
    if (w === undefined || w.lost) throw new EddyError(`[eddy] TaskManager ${taskManager} is gone`, { code: "TASK_MANAGER_LOST", domain: "internal", retryable: true });
    w.handle.postMessage({ kind: "tm", message } satisfies ToWorker);
  }

  subscribe(execution: string, listener: ClusterListener): () => void {
    this.listeners.set(execution, listener);
    return () => {
      if (this.listeners.get(execution) === listener) this.listeners.delete(execution);
    };
  }

  taskManagers(): TaskManagerInfo[] {
    return [...this.workers.values()].map((w) => ({
      id: w.id,
      slotsNumber: w.slots,
      freeSlots: w.slots - [...w.allocations.values()].reduce((a, b) => a + b, 0),
      registeredAt: w.registeredAt,
      lastHeartbeat: w.lastHeartbeat,
      heapUsed: w.heapUsed,
      heapTotal: w.heapTotal,
      executions: [...w.allocations.keys()],
    }));
  }

  /**
   * Stops a TaskManager as if its isolate had crashed: the attempts it ran fail over, and a fresh
   * TaskManager takes its place (operations and fault tests).
   */
  kill(taskManager: string, reason = "stopped on request"): void {
    const w = this.workers.get(taskManager);
    if (w === undefined) throw new EddyError(`[eddy] no TaskManager ${taskManager}; there are ${[...this.workers.keys()].join(", ")}`, { code: "NOT_FOUND", domain: "user", retryable: false });
    this.lose(w, new EddyError(`[eddy] TaskManager ${taskManager} was ${reason}`, { code: "TASK_MANAGER_LOST", domain: "internal", retryable: true }));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    if (this.replacing !== undefined) clearTimeout(this.replacing);
    for (const w of this.workers.values()) {
      w.lost = true;
      w.handle.terminate();
    }
    this.workers.clear();
  }

  private addWorker(): Worker {
    const id = `tm-${this.nextId++}`;
    const slots = this.options.slotsPerTaskManager ?? 1;
    const watch = new SharedArrayBuffer(WATCH_CELL_BYTES);
    let markReady!: () => void;
    const ready = new Promise<void>((resolve) => (markReady = resolve));
    let worker: Worker | undefined;
    const handle = this.options.spawn(id, {
      message: (data) => this.onWorkerMessage(worker!, data as FromWorker),
      error: (error) => this.lose(worker!, new EddyError(`[eddy] TaskManager ${id} failed: ${describeError(error)}`, { code: "TASK_MANAGER_LOST", domain: "internal", retryable: true, cause: error })),
      exit: (code) => this.lose(worker!, new EddyError(`[eddy] TaskManager ${id} exited${code === undefined ? "" : ` with code ${code}`}`, { code: "TASK_MANAGER_LOST", domain: "internal", retryable: true })),
    });
    const now = Date.now();
    worker = { id, handle, watch, slots, registeredAt: now, lastHeartbeat: now, heapUsed: 0, heapTotal: 0, ready, markReady, started: false, lost: false, allocations: new Map() };
    this.workers.set(id, worker);
    handle.postMessage({ kind: "init", id, slots, watch } satisfies ToWorker);
    for (const other of this.workers.values()) if (other !== worker && !other.lost) this.connect(worker, other);
    return worker;
  }

  /** A MessagePort pair between two TaskManagers, for their data. */
  private connect(a: Worker, b: Worker): void {
    const channel = new MessageChannel();
    a.handle.postMessage({ kind: "peer", id: b.id, port: channel.port1 } satisfies ToWorker, [channel.port1]);
    b.handle.postMessage({ kind: "peer", id: a.id, port: channel.port2 } satisfies ToWorker, [channel.port2]);
  }

  private onWorkerMessage(w: Worker, data: FromWorker): void {
    if (w.lost) return;
    w.lastHeartbeat = Date.now();
    switch (data.kind) {
      case "ready":
        w.started = true;
        this.failedStarts = 0;
        w.markReady();
        break;
      case "heartbeat":
        w.heapUsed = data.heapUsed;
        w.heapTotal = data.heapTotal;
        break;
      case "jm":
        this.listeners.get(data.message.execution)?.message(w.id, data.message);
        break;
    }
  }

  private supervise(): void {
    const interval = this.options.heartbeatIntervalMs ?? 1_000;
    const timeout = this.options.heartbeatTimeoutMs ?? 30_000;
    // Supervision never holds the process open by itself (timers that can say so).
    const unref = (t: ReturnType<typeof setInterval>): ReturnType<typeof setInterval> => {
      (t as unknown as { unref?: () => void }).unref?.();
      return t;
    };
    this.timers.push(
      setInterval(() => {
        const now = Date.now();
        for (const w of [...this.workers.values()]) {
          if (w.lost) continue;
          if (now - w.lastHeartbeat > timeout) {
            this.lose(w, new EddyError(`[eddy] TaskManager ${w.id} missed its heartbeats for ${now - w.lastHeartbeat} ms (heartbeat timeout ${timeout} ms): it was stopped`, { code: "TASK_MANAGER_LOST", domain: "internal", retryable: true }));
            continue;
          }
          w.handle.postMessage({ kind: "heartbeat", seq: this.seq++ } satisfies ToWorker);
        }
      }, interval),
    );
    unref(this.timers.at(-1)!);
    this.timers.push(
      setInterval(() => {
        const now = Date.now();
        for (const w of [...this.workers.values()]) {
          if (w.lost) continue;
          const overrun = readOverrun(w.watch, now);
          if (overrun === undefined) continue;
          this.lose(
            w,
            new EddyError(`[eddy] ${overrun.what} ran for ${Math.round(overrun.elapsedMs)} ms, past its CPU budget of ${overrun.budgetMs} ms per call: TaskManager ${w.id} running it was stopped`, {
              code: "CPU_BUDGET_EXCEEDED",
              domain: "user",
              retryable: true,
            }),
          );
        }
      }, this.options.budgetCheckIntervalMs ?? 50),
    );
    unref(this.timers.at(-1)!);
  }

  /** A worker is gone: stop it, fail what ran on it, and start another in its place. */
  private lose(w: Worker, error: EddyError): void {
    if (w.lost) return;
    w.lost = true;
    w.lostWith = error;
    w.markReady();
    w.handle.terminate();
    this.workers.delete(w.id);
    for (const other of this.workers.values()) if (!other.lost) other.handle.postMessage({ kind: "drop-peer", id: w.id } satisfies ToWorker);
    for (const listener of [...this.listeners.values()]) listener.lost(w.id, error);
    if (this.closed) return;
    if (w.started) {
      this.addWorker();
      this.updateKeepAlive();
      return;
    }
    // Lost before it started: its replacement would most likely fail the same way, so replacements
    // back off (0.1 s doubling to 30 s) instead of spinning up workers in a loop.
    this.pendingReplacements++;
    if (this.replacing !== undefined) return;
    const delay = Math.min(30_000, 100 * 2 ** this.failedStarts++);
    this.replacing = setTimeout(() => {
      this.replacing = undefined;
      const count = this.pendingReplacements;
      this.pendingReplacements = 0;
      if (this.closed) return;
      for (let i = 0; i < count; i++) this.addWorker();
      this.updateKeepAlive();
    }, delay);
  }
}
