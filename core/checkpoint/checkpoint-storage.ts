/**
 * Where completed checkpoints and savepoints are kept. Checkpoint data is independent of the
 * runtime: metadata goes through superjson, bulk keyed state stays as the per-key-group strings
 * the state backend wrote, so a savepoint taken on Node restores on Deno, Bun or workerd.
 */
import superjson from "superjson";
import { EddyError } from "../errors.ts";
import { type FileSystem, joinPath } from "./file-system.ts";
import type { ChannelState, CompletedCheckpoint } from "./types.ts";

/** Stores completed checkpoints. */
export interface CheckpointStorage {
  /** Persists a checkpoint; returns where it is (an opaque location string) and its size in bytes. */
  store(checkpoint: CompletedCheckpoint): Promise<{ location: string; bytes: number }>;
  load(location: string): Promise<CompletedCheckpoint>;
  /** Locations of the stored checkpoints of `jobKey`, oldest first (savepoints excluded). */
  list(jobKey: string): Promise<string[]>;
  discard(location: string): Promise<void>;
}

/** Encodes a checkpoint for storage (UTF-8 of superjson). */
export function encodeCheckpoint(checkpoint: CompletedCheckpoint): Uint8Array {
  return new TextEncoder().encode(superjson.stringify(checkpoint));
}

/**
 * Bytes the in-flight records of a subtask's snapshot take in storage (their channel state, as
 * {@link encodeCheckpoint} writes it): what Flink reports as a checkpoint's persisted data.
 */
export function channelStateBytes(state: readonly ChannelState[] | undefined): number {
  if (state === undefined || state.length === 0) return 0;
  return new TextEncoder().encode(superjson.stringify(state)).byteLength;
}

/** Decodes what {@link encodeCheckpoint} wrote; a broken file is a clear error naming it. */
export function decodeCheckpoint(bytes: Uint8Array, location: string): CompletedCheckpoint {
  try {
    const cp = superjson.parse<CompletedCheckpoint>(new TextDecoder().decode(bytes));
    if (cp === null || typeof cp !== "object" || typeof cp.checkpointId !== "number" || !Array.isArray(cp.tasks)) throw new Error("missing checkpointId or tasks");
    return cp;
  } catch (error) {
    throw new EddyError(`[eddy] checkpoint "${location}" cannot be read: ${error instanceof Error ? error.message : String(error)}`, {
      code: "CHECKPOINT_CORRUPT",
      domain: "external",
      retryable: false,
      cause: error,
    });
  }
}

/** Keeps checkpoints in memory (encoded, so they behave like stored ones). */
export class MemoryCheckpointStorage implements CheckpointStorage {
  private readonly data = new Map<string, Uint8Array>();

  async store(checkpoint: CompletedCheckpoint): Promise<{ location: string; bytes: number }> {
    const location = `memory://${checkpoint.jobKey}/${checkpoint.isSavepoint ? "savepoint" : "chk"}-${checkpoint.checkpointId}`;
    const data = encodeCheckpoint(checkpoint);
    this.data.set(location, data);
    return { location, bytes: data.byteLength };
  }

  async load(location: string): Promise<CompletedCheckpoint> {
    const bytes = this.data.get(location);
    if (bytes === undefined) throw new EddyError(`[eddy] no checkpoint at "${location}"`, { code: "CHECKPOINT_NOT_FOUND", domain: "user", retryable: false });
    return decodeCheckpoint(bytes, location);
  }

  async list(jobKey: string): Promise<string[]> {
    const prefix = `memory://${jobKey}/chk-`;
    return [...this.data.keys()].filter((k) => k.startsWith(prefix)).sort((a, b) => Number(a.slice(prefix.length)) - Number(b.slice(prefix.length)));
  }

  async discard(location: string): Promise<void> {
    this.data.delete(location);
  }
}

/**
 * Checkpoints as files: `<dir>/<jobKey>/chk-<id>/_metadata` and savepoints as
 * `<dir>/<jobKey>/savepoint-<id>/_metadata`, each written to a temp name and renamed, so a crash
 * mid-write never leaves a half checkpoint that looks complete.
 */
export class FileSystemCheckpointStorage implements CheckpointStorage {
  constructor(private readonly fs: FileSystem, private readonly dir: string) {}

  async store(checkpoint: CompletedCheckpoint): Promise<{ location: string; bytes: number }> {
    const name = `${checkpoint.isSavepoint ? "savepoint" : "chk"}-${checkpoint.checkpointId}`;
    const folder = joinPath(this.dir, safeName(checkpoint.jobKey), name);
    const tmp = joinPath(folder, "_metadata.inprogress");
    const data = encodeCheckpoint(checkpoint);
    await this.fs.writeFile(tmp, data);
    await this.fs.rename(tmp, joinPath(folder, "_metadata"));
    return { location: folder, bytes: data.byteLength };
  }

  async load(location: string): Promise<CompletedCheckpoint> {
    const bytes = await this.fs.readFile(joinPath(location, "_metadata"));
    if (bytes === undefined) throw new EddyError(`[eddy] no checkpoint at "${location}" (no _metadata file)`, { code: "CHECKPOINT_NOT_FOUND", domain: "user", retryable: false });
    return decodeCheckpoint(bytes, location);
  }

  async list(jobKey: string): Promise<string[]> {
    const base = joinPath(this.dir, safeName(jobKey));
    const names = (await this.fs.list(base)).filter((n) => /^chk-\d+$/.test(n));
    const complete: string[] = [];
    for (const n of names.sort((a, b) => Number(a.slice(4)) - Number(b.slice(4)))) {
      if (await this.fs.exists(joinPath(base, n, "_metadata"))) complete.push(joinPath(base, n));
    }
    return complete;
  }

  async discard(location: string): Promise<void> {
    await this.fs.remove(location);
  }
}

/** A job key as a directory name: letters, digits, dot, dash and underscore only. */
export function safeName(name: string): string {
  const s = name.replace(/[^A-Za-z0-9._-]/g, "_");
  return s === "" || s === "." || s === ".." ? "_" : s;
}
