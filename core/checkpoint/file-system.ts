/**
 * The file system Eddy needs for checkpoints and file sinks: a few async calls that every
 * runtime adapter implements (Node, Deno, Bun), plus an in-memory one for tests and workerd.
 * Paths use "/" and are relative to wherever the implementation is rooted.
 */

/** A minimal file system. `rename` replaces the target atomically (POSIX rename). */
export interface FileSystem {
  readFile(path: string): Promise<Uint8Array | undefined>;
  /** Writes a file (creating parent directories); not atomic: write to a temp name and rename. */
  writeFile(path: string, data: Uint8Array): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  /** Names (not paths) of the entries of a directory; empty when it does not exist. */
  list(dir: string): Promise<string[]>;
  /** Removes a file or a directory tree; no error when absent. */
  remove(path: string): Promise<void>;
  exists(path: string): Promise<boolean>;
}

/** Joins path segments with "/", refusing ".." so nothing escapes the root. */
export function joinPath(...parts: string[]): string {
  const segments: string[] = [];
  for (const part of parts) {
    for (const s of part.split("/")) {
      if (s === "" || s === ".") continue;
      if (s === "..") throw new Error(`[eddy] path "${parts.join("/")}" must not contain ".."`);
      segments.push(s);
    }
  }
  return segments.join("/");
}

/** A file system in memory (tests, workerd without Durable Objects). */
export class MemoryFileSystem implements FileSystem {
  readonly files: Map<string, Uint8Array> = new Map();

  async readFile(path: string): Promise<Uint8Array | undefined> {
    return this.files.get(joinPath(path));
  }

  async writeFile(path: string, data: Uint8Array): Promise<void> {
    this.files.set(joinPath(path), data.slice());
  }

  async rename(from: string, to: string): Promise<void> {
    const f = joinPath(from);
    const data = this.files.get(f);
    if (data === undefined) throw new Error(`[eddy] rename: no file "${from}"`);
    this.files.delete(f);
    this.files.set(joinPath(to), data);
  }

  async list(dir: string): Promise<string[]> {
    const prefix = joinPath(dir);
    const names = new Set<string>();
    for (const path of this.files.keys()) {
      if (prefix !== "" && !path.startsWith(`${prefix}/`)) continue;
      const rest = prefix === "" ? path : path.slice(prefix.length + 1);
      names.add(rest.split("/")[0]!);
    }
    return [...names].sort();
  }

  async remove(path: string): Promise<void> {
    const p = joinPath(path);
    for (const key of [...this.files.keys()]) if (key === p || key.startsWith(`${p}/`)) this.files.delete(key);
  }

  async exists(path: string): Promise<boolean> {
    const p = joinPath(path);
    for (const key of this.files.keys()) if (key === p || key.startsWith(`${p}/`)) return true;
    return false;
  }
}
