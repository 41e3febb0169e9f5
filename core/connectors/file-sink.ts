/**
 * An exactly-once file sink on two-phase commit: records of a transaction are buffered, staged
 * as `<dir>/.pending/<name>` at the barrier, and renamed to `<dir>/<name>` (an atomic rename)
 * when the checkpoint completes. Readers of `<dir>` only ever see committed part files.
 */
import { type FileSystem, joinPath } from "../checkpoint/file-system.ts";
import type { TransactionContext, TwoPhaseCommitLogic, TwoPhaseCommitSink } from "./two-phase-commit-sink.ts";

/** Options of {@link FileSink}. */
export interface FileSinkOptions<T> {
  readonly fs: FileSystem;
  /** Directory of the part files. */
  readonly dir: string;
  /** One record as one line (default: JSON). */
  readonly encode?: (value: T) => string;
  /** Part file name prefix (default "part"). */
  readonly prefix?: string;
}

/** A transaction: the part file it will become. */
export interface FileTransaction {
  readonly name: string;
}

/** Exactly-once file sink: `stream.sinkTo(new FileSink({ fs, dir }))`. */
export class FileSink<T> implements TwoPhaseCommitSink<T, FileTransaction> {
  readonly kind = "two-phase-commit" as const;
  readonly name = "File Sink";

  constructor(private readonly options: FileSinkOptions<T>) {}

  createLogic(context: TransactionContext): TwoPhaseCommitLogic<T, FileTransaction> {
    const { fs, dir } = this.options;
    const encode = this.options.encode ?? ((v: T) => JSON.stringify(v));
    const base = `${this.options.prefix ?? "part"}-`;
    const prefix = `${base}${context.subtaskIndex}-`;
    const buffers = new Map<string, string[]>();
    const pendingPath = (t: FileTransaction): string => joinPath(dir, ".pending", t.name);
    const finalPath = (t: FileTransaction): string => joinPath(dir, t.name);
    const encoder = new TextEncoder();
    return {
      beginTransaction: () => {
        const name = `${prefix}${Date.now().toString(36)}-${randomSuffix()}`;
        buffers.set(name, []);
        return { name };
      },
      write: (t, value) => {
        buffers.get(t.name)!.push(encode(value));
      },
      preCommit: async (t) => {
        const lines = buffers.get(t.name) ?? [];
        buffers.delete(t.name);
        await fs.writeFile(pendingPath(t), encoder.encode(lines.length === 0 ? "" : `${lines.join("\n")}\n`));
      },
      commit: async (t) => {
        // Idempotent: a second commit finds the file already in place.
        if (await fs.exists(pendingPath(t))) await fs.rename(pendingPath(t), finalPath(t));
      },
      abort: async (t) => {
        buffers.delete(t.name);
        await fs.remove(pendingPath(t));
      },
      abortLingering: async (known, scope) => {
        const keep = new Set(known.map((t) => t.name));
        for (const name of await fs.list(joinPath(dir, ".pending"))) {
          const subtask = subtaskOf(name, base);
          if (subtask !== undefined && scope.owns(subtask) && !keep.has(name)) await fs.remove(joinPath(dir, ".pending", name));
        }
      },
    };
  }
}

/** Reads every committed record of a file sink directory (tests and tools). */
export async function readCommittedLines(fs: FileSystem, dir: string): Promise<string[]> {
  const lines: string[] = [];
  const decoder = new TextDecoder();
  for (const name of await fs.list(dir)) {
    if (name.startsWith(".")) continue;
    const data = await fs.readFile(joinPath(dir, name));
    if (data === undefined) continue;
    for (const line of decoder.decode(data).split("\n")) if (line !== "") lines.push(line);
  }
  return lines;
}

/** The subtask index in a part file name `<base><subtask>-...`, if it is one. */
function subtaskOf(name: string, base: string): number | undefined {
  if (!name.startsWith(base)) return undefined;
  const m = /^(\d+)-/.exec(name.slice(base.length));
  return m === null ? undefined : Number(m[1]);
}

function randomSuffix(): string {
  const bytes = new Uint8Array(6);
  crypto.getRandomValues(bytes);
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}
