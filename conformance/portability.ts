/**
 * The savepoint portability check: the exactly-once windowed-timers job stopped with a savepoint
 * on one runtime and resumed from it on another. Its checkpoints and part files live in one file
 * tree (a directory, or a MemoryFileSystem shipped as files on workerd), so the savepoint moves
 * with them; together the two runs must commit exactly the output of a run that never stopped.
 * With a Durable Object deployment on one side, whose savepoints come and go over its HTTP API and
 * which has no file system, both runs write to an exactly-once webhook sink instead.
 */
import { type DataStream, type FileSystem, FileSystemCheckpointStorage, RestartStrategies, StreamExecutionEnvironment } from "../core/index.ts";
import { check, waitUntil } from "./checks.ts";
import { type WebhookTarget, committedLines, exactlyOnceJob, expectedLines } from "./exactly-once-job.ts";

const EVENTS = 4_000;
const SEED = 151;

function environment(fs: FileSystem, savepoint?: string): StreamExecutionEnvironment {
  const env = StreamExecutionEnvironment.create({ parallelism: 2 });
  env.enableCheckpointing(50, { storage: new FileSystemCheckpointStorage(fs, "checkpoints"), jobKey: "portability" });
  env.setRestartStrategy(RestartStrategies.noRestart());
  if (savepoint !== undefined) env.setSavepointRestore(savepoint);
  return env;
}

/** How many records the webhook's receiver has taken so far (it answers a GET with the count). */
async function webhookTaken(webhook: WebhookTarget): Promise<number> {
  const answer = await fetch(webhook.url, { signal: AbortSignal.timeout(5_000) });
  return ((await answer.json()) as { records: number }).records;
}

/**
 * Runs the job on `fs` until it has committed part of its output (to files, or to `webhook`),
 * then stops it with a savepoint; resolves with the savepoint's location.
 */
export async function takePortableSavepoint(fs: FileSystem, webhook?: WebhookTarget): Promise<string> {
  const env = environment(fs);
  await portableJob(env, { paced: true, ...(webhook !== undefined ? { webhook } : { files: fs }) });
  const job = env.executeAsync("portability");
  const committed = async (): Promise<number> => (webhook === undefined ? (await committedLines(fs)).length : webhookTaken(webhook));
  await waitUntil(async () => (await committed()) > 0 || job.getJobStatus() === "FINISHED", 20_000, "committed output");
  check(job.getJobStatus() === "RUNNING", `the job was ${job.getJobStatus()} before it could be stopped`);
  return (await job.stopWithSavepoint()).location;
}

/** Starts the job on `fs` from the savepoint at `location` and runs it to its end. */
export async function resumeFromPortableSavepoint(fs: FileSystem, location: string, webhook?: WebhookTarget): Promise<void> {
  const env = environment(fs, location);
  await portableJob(env, webhook !== undefined ? { webhook } : { files: fs });
  await env.execute("portability");
}

/** Parameters of {@link portableJob}. */
export interface PortableJobParams {
  /** Its files (where it runs in this isolate), or a webhook to post to. */
  readonly files?: FileSystem;
  readonly webhook?: WebhookTarget;
  /** Generate the input at a pace a savepoint can interrupt (the run that is stopped). */
  readonly paced?: boolean;
}

/**
 * The portability job on `env`; on a Durable Object deployment (where it is submitted over HTTP
 * with a webhook) it sets the checkpointing and restarts the other sides set on their `env`.
 */
export async function portableJob(env: StreamExecutionEnvironment, params: PortableJobParams): Promise<DataStream<string> | undefined> {
  if (env.getCheckpointConfig() === undefined) {
    env.enableCheckpointing(50);
    env.setRestartStrategy(RestartStrategies.noRestart());
  }
  return exactlyOnceJob(env, {
    ...(params.files !== undefined ? { files: { fs: params.files } } : {}),
    ...(params.webhook !== undefined ? { webhook: params.webhook } : {}),
    events: EVENTS,
    ...(params.paced === true ? { ratePerSecond: 2_000 } : {}),
    seed: SEED,
  });
}

/** What the stopped and the resumed run together must commit, computed without Eddy. */
export function portableOutput(): string[] {
  return expectedLines(EVENTS, SEED);
}

/** A file tree as JSON (paths to base64), to carry a MemoryFileSystem over HTTP. */
export type FileTree = Record<string, string>;

/** Every file of `fs` under `dir`, as a {@link FileTree}. */
export async function packFiles(fs: FileSystem, dir = ""): Promise<FileTree> {
  const tree: FileTree = {};
  for (const name of await fs.list(dir)) {
    const path = dir === "" ? name : `${dir}/${name}`;
    const data = await fs.readFile(path).catch(() => undefined);
    if (data === undefined) Object.assign(tree, await packFiles(fs, path));
    else tree[path] = toBase64(data);
  }
  return tree;
}

/** Writes `tree` into `fs`. */
export async function unpackFiles(tree: FileTree, fs: FileSystem): Promise<void> {
  for (const [path, data] of Object.entries(tree)) await fs.writeFile(path, fromBase64(data));
}

function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function fromBase64(text: string): Uint8Array {
  const s = atob(text);
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  return bytes;
}
