/**
 * The inside of a worker TaskManager: answers its supervisor (init, peers, heartbeats), passes
 * control messages to a TaskManagerRuntime and data between it and the peer ports. Each runtime's
 * worker entry module wraps its own port and calls `serveTaskManager`.
 */
import type { ExecutionGraph } from "../graph/execution-graph.ts";
import type { DataBundle } from "../runtime/remote-channel.ts";
import type { TaskDeployment } from "../runtime/task-manager.ts";
import { WatchCell } from "./budget-watch.ts";
import { TaskManagerRuntime } from "./task-manager-runtime.ts";
import type { FromWorker, ToWorker } from "./worker-cluster.ts";

/** A MessagePort-like endpoint (a worker's parent port, a peer port). */
export interface WorkerPort {
  postMessage(message: unknown, transfer?: unknown[]): void;
  addEventListener(type: "message", listener: (event: { data: unknown }) => void): void;
  start?(): void;
  close?(): void;
}

/** What the worker's runtime adapter provides. */
export interface WorkerSide {
  /** The port to the supervisor. */
  readonly parent: WorkerPort;
  /** Builds a deployment's job graph (the job's module and builder, in this isolate). */
  build(deployment: TaskDeployment): Promise<ExecutionGraph>;
  /** Heap figures for heartbeats, bytes. */
  memory?(): { heapUsed: number; heapTotal: number };
  /**
   * Takes the next message waiting on a port without waiting for its event (Node's
   * `receiveMessageOnPort`), undefined when none waits. With it a busy TaskManager takes in data
   * and credits between steps instead of only when it yields to its event loop.
   */
  receive?(port: WorkerPort): { message: unknown } | undefined;
}

/** Runs a TaskManager in this worker until the worker is terminated. */
export function serveTaskManager(side: WorkerSide): void {
  const peers = new Map<string, WorkerPort>();
  let runtime: TaskManagerRuntime | undefined;
  let cell: WatchCell | undefined;
  const toSupervisor = (message: FromWorker): void => side.parent.postMessage(message);
  const receive = side.receive;
  const pollPeers = (): void => {
    for (const port of peers.values()) {
      for (let m = receive!(port); m !== undefined; m = receive!(port)) runtime?.receiveData(m.message as DataBundle);
    }
  };
  side.parent.addEventListener("message", (event) => {
    const data = event.data as ToWorker;
    switch (data.kind) {
      case "init":
        cell = new WatchCell(data.watch);
        runtime = new TaskManagerRuntime({
          id: data.id,
          send: (message) => toSupervisor({ kind: "jm", message }),
          link: (taskManager) => ({
            send: (bundle: DataBundle, transfer: ArrayBuffer[]) => {
              const port = peers.get(taskManager);
              if (port === undefined) throw new Error(`[eddy] no data link to TaskManager ${taskManager}`);
              port.postMessage(bundle, transfer);
            },
          }),
          build: (deployment) => side.build(deployment),
          ...(side.receive !== undefined ? { poll: () => pollPeers() } : {}),
          watch: (budgetMs) => cell?.watch(budgetMs),
        });
        toSupervisor({ kind: "ready" });
        break;
      case "peer": {
        const port = data.port as WorkerPort;
        port.addEventListener("message", (e) => runtime?.receiveData(e.data as DataBundle));
        port.start?.();
        peers.set(data.id, port);
        break;
      }
      case "drop-peer":
        peers.get(data.id)?.close?.();
        peers.delete(data.id);
        break;
      case "tm":
        runtime?.receive(data.message);
        break;
      case "heartbeat": {
        const m = side.memory?.() ?? { heapUsed: 0, heapTotal: 0 };
        toSupervisor({ kind: "heartbeat", seq: data.seq, heapUsed: m.heapUsed, heapTotal: m.heapTotal });
        break;
      }
    }
  });
  side.parent.start?.();
}
