/**
 * Jobs for fault tests on worker TaskManagers: the windowed-timers job into an exactly-once file
 * sink in a directory, optionally crashing the worker that runs the sink once, at a chosen step
 * of two-phase commit (a marker file makes it once per test, across restarts).
 */
import { FileSink, type FileSystem, type StreamExecutionEnvironment } from "../../core/index.ts";
import { windowedTimersJob } from "../windowed-timers-job.ts";

/** The two-phase-commit steps a crash can land on. */
export type CommitStep = "before-pre-commit" | "after-pre-commit" | "before-commit" | "after-commit";

/** Parameters of {@link exactlyOnceWindowedTimers}. */
export interface FaultJobParams {
  readonly dir: string;
  readonly events: number;
  readonly ratePerSecond: number;
  readonly seed: number;
  /** Crash the worker at the `nth` such step (counted in that worker), once. */
  readonly crash?: { readonly at: CommitStep; readonly nth: number };
  /** Busy-wait this long per record in a map before the windows (backpressure for unaligned checkpoints). */
  readonly slowMs?: number;
}

async function fileSystem(root: string): Promise<FileSystem> {
  const g = globalThis as { Deno?: unknown; Bun?: unknown };
  if (g.Deno !== undefined) return new (await import("../../adapters/deno/fs.ts")).DenoFileSystem(root);
  if (g.Bun !== undefined) return new (await import("../../adapters/bun/fs.ts")).BunFileSystem(root);
  return new (await import("../../adapters/node/fs.ts")).NodeFileSystem(root);
}

/** Ends this worker at once (never the main thread: there the job only builds, nothing writes). */
async function crashWorker(): Promise<void> {
  const g = globalThis as { Deno?: unknown; close?: () => void; process?: { exit(code: number): never } };
  if (g.Deno === undefined && g.process !== undefined) {
    const { isMainThread } = await import("node:worker_threads");
    if (!isMainThread) g.process.exit(7);
  } else if (typeof g.close === "function" && (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== undefined) {
    g.close();
  }
}

/** `fs`, crashing the worker once at the `nth` `at` step of the file sink. */
function crashing(fs: FileSystem, crash: NonNullable<FaultJobParams["crash"]>): FileSystem {
  let seen = 0;
  const marker = "crashed";
  const maybeCrash = async (step: CommitStep): Promise<void> => {
    if (step !== crash.at || ++seen !== crash.nth || (await fs.exists(marker))) return;
    await fs.writeFile(marker, new Uint8Array([1]));
    await crashWorker();
    // A worker does not stop at once; nothing more may happen here meanwhile.
    await new Promise(() => undefined);
  };
  return {
    readFile: (p) => fs.readFile(p),
    writeFile: async (p, d) => {
      const preCommit = p.includes("/.pending/");
      if (preCommit) await maybeCrash("before-pre-commit");
      await fs.writeFile(p, d);
      if (preCommit) await maybeCrash("after-pre-commit");
    },
    rename: async (from, to) => {
      const commit = from.includes("/.pending/");
      if (commit) await maybeCrash("before-commit");
      await fs.rename(from, to);
      if (commit) await maybeCrash("after-commit");
    },
    list: (d) => fs.list(d),
    remove: (p) => fs.remove(p),
    exists: (p) => fs.exists(p),
  };
}

/** The windowed-timers job into an exactly-once file sink under `params.dir/out`. */
export async function exactlyOnceWindowedTimers(env: StreamExecutionEnvironment, params: FaultJobParams): Promise<void> {
  const fs = await fileSystem(params.dir);
  const sinkFs = params.crash === undefined ? fs : crashing(fs, params.crash);
  const slowMs = params.slowMs ?? 0;
  const slow = slowMs > 0 ? () => {
    const until = performance.now() + slowMs;
    while (performance.now() < until);
  } : undefined;
  windowedTimersJob(env, { events: params.events, ratePerSecond: params.ratePerSecond, seed: params.seed, ...(slow !== undefined ? { failInTimers: slow } : {}) }).sinkTo(new FileSink<string>({ fs: sinkFs, dir: "out", encode: (s) => s }));
}
