/**
 * The savepoint portability check: the exactly-once windowed-timers job stopped with a savepoint
 * on one runtime and resumed from it on another. Its checkpoints and part files live in one file
 * tree (a directory, or a MemoryFileSystem shipped as files on workerd), so the savepoint moves
 * with them; together the two runs must commit exactly the output of a run that never stopped.
 */
import { type FileSystem, FileSystemCheckpointStorage, RestartStrategies, StreamExecutionEnvironment } from "../core/index.ts";
import { check, waitUntil } from "./checks.ts";
import { committedLines, exactlyOnceJob, expectedLines } from "./exactly-once-job.ts";

const EVENTS = 4_000;
const SEED = 151;

function environment(fs: FileSystem, savepoint?: string): StreamExecutionEnvironment {
  const env = StreamExecutionEnvironment.create({ parallelism: 2 });
  env.enableCheckpointing(50, { storage: new FileSystemCheckpointStorage(fs, "checkpoints"), jobKey: "portability" });
  env.setRestartStrategy(RestartStrategies.noRestart());
  if (savepoint !== undefined) env.setSavepointRestore(savepoint);
  return env;
}

/** Runs the job on `fs` until it has committed part of its output, then stops it with a savepoint; resolves with the savepoint's location. */
export async function takePortableSavepoint(fs: FileSystem): Promise<string> {
  const env = environment(fs);
  await exactlyOnceJob(env, { files: { fs }, events: EVENTS, ratePerSecond: 2_000, seed: SEED });
  const job = env.executeAsync("portability");
  await waitUntil(async () => (await committedLines(fs)).length > 0 || job.getJobStatus() === "FINISHED", 20_000, "committed output");
  check(job.getJobStatus() === "RUNNING", `the job was ${job.getJobStatus()} before it could be stopped`);
  return (await job.stopWithSavepoint()).location;
}

/** Starts the job on `fs` from the savepoint at `location` and runs it to its end. */
export async function resumeFromPortableSavepoint(fs: FileSystem, location: string): Promise<void> {
  const env = environment(fs, location);
  await exactlyOnceJob(env, { files: { fs }, events: EVENTS, seed: SEED });
  await env.execute("portability");
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
