/**
 * The job of the fault-tolerance scenarios: the windowed-timers job (keyed windows, timers,
 * MapState) into an exactly-once file sink, with failures that can be injected: a user function
 * that throws once, a slow operator (backpressure), and file-system steps of the sink's
 * two-phase commit that fail once. Its files live in a MemoryFileSystem on the local
 * TaskManager, or in a directory on disk that every worker TaskManager opens. Where there is no
 * file system (Durable Objects) its exactly-once sink is a webhook sink instead.
 */
import { type CheckpointingMode, type DataStream, FileSink, type FileSystem, RestartStrategies, type StreamExecutionEnvironment, readCommittedLines } from "../core/index.ts";
import { WebhookSink } from "../adapters/workerd/webhook-sink.ts";
import { detectRuntime, importLazily } from "./runtime.ts";
import { expectedWindowedTimersOutput, type Tick, windowedTimersEvents, windowedTimersJob } from "./windowed-timers-job.ts";

/** Where the job's files are: a file system in this isolate, or a directory every TaskManager opens. */
export type FileLocation = { readonly fs: FileSystem } | { readonly dir: string };

/** A step of the file sink's two-phase commit: staging a part file at the barrier, or moving it in place. */
export type SinkStep = "pre-commit" | "commit";

/** Where a webhook sink posts, and the idempotency keys' prefix (one per logical job, kept across its restores). */
export interface WebhookTarget {
  readonly url: string;
  readonly keyPrefix: string;
  /** Attempts per request before the job fails (the webhook sink's default otherwise). */
  readonly attempts?: number;
}

/** Parameters of {@link exactlyOnceJob}. */
export interface ExactlyOnceJobParams {
  /** The exactly-once file sink's files; or, with `webhook`, none. */
  readonly files?: FileLocation;
  /** Sink into an exactly-once webhook sink instead of files. */
  readonly webhook?: WebhookTarget;
  readonly events: number;
  readonly ratePerSecond?: number;
  readonly seed: number;
  /** Throw once, at the record with this index (on the local TaskManager: "once" lives in this isolate). */
  readonly failAt?: number;
  /**
   * Fail the job's first attempt once a subtask has emitted this many result lines: "once" is the
   * attempt number, so it holds wherever TaskManagers build the job again (Durable Objects).
   */
  readonly failFirstAttemptAfterLines?: number;
  /** Busy-wait this long per record in the timers operator, so that channels fill (backpressure). */
  readonly slowMs?: number;
  /** File-system steps of the sink that fail once each, at their `nth` call (counted per subtask). */
  readonly sinkFaults?: readonly { readonly step: SinkStep; readonly nth: number }[];
  /** Give the result stream back instead of writing it to the file sink (at-least-once runs collect it). */
  readonly collect?: boolean;
}

/** Directory of the part files, under the job's files. */
export const OUTPUT_DIR = "out";

/** Opens `files` in this isolate (a directory with the runtime's own file system adapter). */
export async function openFiles(files: FileLocation): Promise<FileSystem> {
  if ("fs" in files) return files.fs;
  const runtime = detectRuntime();
  const adapter = await importLazily<Record<string, new (root: string) => FileSystem>>(`../adapters/${runtime}/fs`);
  const name = `${runtime[0]!.toUpperCase()}${runtime.slice(1)}FileSystem`;
  return new adapter[name]!(files.dir);
}

/** Builds the job; returns the result stream when `params.collect`, else sinks it into the exactly-once file sink. */
export async function exactlyOnceJob(env: StreamExecutionEnvironment, params: ExactlyOnceJobParams): Promise<DataStream<string> | undefined> {
  let failed = false;
  const fail =
    params.failAt === undefined
      ? undefined
      : (t: Tick): void => {
          if (t.index !== params.failAt || failed) return;
          failed = true;
          throw new Error(`injected failure at record ${t.index}`);
        };
  const slowMs = params.slowMs ?? 0;
  const slow =
    slowMs > 0
      ? (): void => {
          const until = performance.now() + slowMs;
          while (performance.now() < until);
        }
      : undefined;
  const lines = windowedTimersJob(env, {
    events: params.events,
    ratePerSecond: params.ratePerSecond,
    seed: params.seed,
    ...(fail !== undefined ? { fail } : {}),
    ...(slow !== undefined ? { failInTimers: slow } : {}),
  });
  const failAfter = params.failFirstAttemptAfterLines;
  if (failAfter !== undefined) {
    lines.sinkTo({
      createWriter: (context) => {
        let written = 0;
        return {
          write: () => {
            if (context.attemptNumber === 0 && ++written === failAfter) throw new Error(`injected failure at result line ${failAfter} of subtask ${context.subtaskIndex}`);
          },
          flush: () => {},
        };
      },
    }, "fail the first attempt").uid("fail-first-attempt");
  }
  if (params.collect === true) return lines;
  if (params.webhook !== undefined) {
    lines.sinkTo(new WebhookSink<string>({ url: params.webhook.url, idempotencyKeyPrefix: params.webhook.keyPrefix, maxRecordsPerRequest: 500, ...(params.webhook.attempts !== undefined ? { attempts: params.webhook.attempts } : {}) }), "Exactly-once webhook").uid("webhook-sink");
    return undefined;
  }
  if (params.files === undefined) throw new Error("[eddy] the exactly-once job needs files or a webhook to write to");
  const fs = await openFiles(params.files);
  const sinkFs = params.sinkFaults === undefined || params.sinkFaults.length === 0 ? fs : failingOnce(fs, params.sinkFaults);
  lines.sinkTo(new FileSink<string>({ fs: sinkFs, dir: OUTPUT_DIR, encode: (line) => line }), "Exactly-once files").uid("file-sink");
  return undefined;
}

/**
 * Parameters of {@link checkpointedExactlyOnceJob}: the job's, and its checkpointing and
 * restarts (a job submitted over HTTP by its module brings its configuration with it).
 */
export interface CheckpointedJobParams extends ExactlyOnceJobParams {
  readonly checkpointIntervalMs: number;
  readonly mode?: CheckpointingMode;
  readonly unaligned?: boolean;
  /** Restarts with no delay, at most this many; default: none. */
  readonly restartAttempts?: number;
}

/** {@link exactlyOnceJob}, with checkpointing and a restart strategy set on `env`. */
export async function checkpointedExactlyOnceJob(env: StreamExecutionEnvironment, params: CheckpointedJobParams): Promise<DataStream<string> | undefined> {
  env.enableCheckpointing(params.checkpointIntervalMs, { ...(params.mode !== undefined ? { mode: params.mode } : {}), unaligned: params.unaligned ?? false });
  env.setRestartStrategy(params.restartAttempts === undefined ? RestartStrategies.noRestart() : RestartStrategies.fixedDelay(params.restartAttempts, 0));
  return exactlyOnceJob(env, params);
}

/**
 * `fs`, failing each of `faults` once: at its `nth` call of the step, counted in this file system
 * object (one per sink subtask and attempt). A marker file keeps it once across restarts and
 * TaskManagers.
 */
function failingOnce(fs: FileSystem, faults: NonNullable<ExactlyOnceJobParams["sinkFaults"]>): FileSystem {
  const calls: Record<SinkStep, number> = { "pre-commit": 0, commit: 0 };
  const maybeFail = async (step: SinkStep): Promise<void> => {
    calls[step]++;
    for (const fault of faults) {
      const marker = `faults/${fault.step}-${fault.nth}`;
      if (fault.step !== step || calls[step] !== fault.nth || (await fs.exists(marker))) continue;
      await fs.writeFile(marker, new Uint8Array([1]));
      throw new Error(`injected ${step} failure (call ${fault.nth})`);
    }
  };
  return {
    readFile: (p) => fs.readFile(p),
    writeFile: async (p, d) => {
      if (p.includes("/.pending/")) await maybeFail("pre-commit");
      await fs.writeFile(p, d);
    },
    rename: async (from, to) => {
      if (from.includes("/.pending/")) await maybeFail("commit");
      await fs.rename(from, to);
    },
    list: (d) => fs.list(d),
    remove: (p) => fs.remove(p),
    exists: (p) => fs.exists(p),
  };
}

/** What the job writes when nothing goes wrong, computed from its input by plain loops. */
export function expectedLines(events: number, seed: number): string[] {
  return expectedWindowedTimersOutput(windowedTimersEvents(events, seed));
}

/** The committed lines, sorted. */
export async function committedLines(fs: FileSystem): Promise<string[]> {
  return (await readCommittedLines(fs, OUTPUT_DIR)).sort();
}

/** Part files staged (pre-committed) and never committed. */
export async function pendingFiles(fs: FileSystem): Promise<string[]> {
  return fs.list(`${OUTPUT_DIR}/.pending`);
}

/** Copies every file under `dir` of `from` to `to`, through the FileSystem interface. */
export async function copyFiles(from: FileSystem, to: FileSystem, dir = ""): Promise<void> {
  for (const name of await from.list(dir)) {
    const path = dir === "" ? name : `${dir}/${name}`;
    const data = await from.readFile(path).catch(() => undefined);
    if (data !== undefined) await to.writeFile(path, data);
    else await copyFiles(from, to, path);
  }
}
