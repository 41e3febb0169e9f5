/**
 * Eddy's FileSystem on Node's `node:fs/promises`, confined to a root directory.
 */
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { type FileSystem, joinPath } from "../../core/checkpoint/file-system.ts";

/** A file system rooted at `root`: every path is resolved inside it ("..") is refused). */
export class NodeFileSystem implements FileSystem {
  constructor(readonly root: string) {}

  protected resolve(p: string): string {
    return path.join(this.root, joinPath(p));
  }

  async readFile(p: string): Promise<Uint8Array | undefined> {
    try {
      return new Uint8Array(await readFile(this.resolve(p)));
    } catch (error) {
      if ((error as { code?: string }).code === "ENOENT") return undefined;
      throw error;
    }
  }

  async writeFile(p: string, data: Uint8Array): Promise<void> {
    const full = this.resolve(p);
    await mkdir(path.dirname(full), { recursive: true });
    await writeFile(full, data);
  }

  async rename(from: string, to: string): Promise<void> {
    const target = this.resolve(to);
    await mkdir(path.dirname(target), { recursive: true });
    await rename(this.resolve(from), target);
  }

  async list(dir: string): Promise<string[]> {
    try {
      return (await readdir(this.resolve(dir))).sort();
    } catch (error) {
      if ((error as { code?: string }).code === "ENOENT") return [];
      throw error;
    }
  }

  async remove(p: string): Promise<void> {
    await rm(this.resolve(p), { recursive: true, force: true });
  }

  async exists(p: string): Promise<boolean> {
    try {
      await stat(this.resolve(p));
      return true;
    } catch {
      return false;
    }
  }
}
