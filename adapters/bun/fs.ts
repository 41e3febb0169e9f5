/**
 * Eddy's FileSystem on Bun: Bun.file / Bun.write for contents, node:fs for directories and
 * renames (Bun implements them natively). Confined to a root directory.
 */
import { mkdir, readdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import { type FileSystem, joinPath } from "../../core/checkpoint/file-system.ts";

declare const Bun: {
  file(path: string): { exists(): Promise<boolean>; arrayBuffer(): Promise<ArrayBuffer> };
  write(path: string, data: Uint8Array): Promise<number>;
};

/** A file system rooted at `root`. */
export class BunFileSystem implements FileSystem {
  constructor(readonly root: string) {}

  private resolve(p: string): string {
    return path.join(this.root, joinPath(p));
  }

  async readFile(p: string): Promise<Uint8Array | undefined> {
    const file = Bun.file(this.resolve(p));
    if (!(await file.exists())) return undefined;
    return new Uint8Array(await file.arrayBuffer());
  }

  async writeFile(p: string, data: Uint8Array): Promise<void> {
    const full = this.resolve(p);
    await mkdir(path.dirname(full), { recursive: true });
    await Bun.write(full, data);
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
    if (await Bun.file(this.resolve(p)).exists()) return true;
    try {
      await readdir(this.resolve(p));
      return true;
    } catch {
      return false;
    }
  }
}
