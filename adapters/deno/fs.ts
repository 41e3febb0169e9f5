/**
 * Eddy's FileSystem on Deno's file APIs, confined to a root directory.
 */
import { type FileSystem, joinPath } from "../../core/checkpoint/file-system.ts";

declare const Deno: {
  readFile(path: string): Promise<Uint8Array>;
  writeFile(path: string, data: Uint8Array): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  readDir(path: string): AsyncIterable<{ name: string }>;
  remove(path: string, options?: { recursive?: boolean }): Promise<void>;
  stat(path: string): Promise<unknown>;
  mkdir(path: string, options?: { recursive?: boolean }): Promise<void>;
  errors: { NotFound: new (...args: unknown[]) => Error };
};

const dirname = (p: string): string => p.slice(0, Math.max(0, p.lastIndexOf("/"))) || "/";

/** A file system rooted at `root`. */
export class DenoFileSystem implements FileSystem {
  constructor(readonly root: string) {}

  private resolve(p: string): string {
    const rel = joinPath(p);
    return rel === "" ? this.root : `${this.root.replace(/\/+$/, "")}/${rel}`;
  }

  async readFile(p: string): Promise<Uint8Array | undefined> {
    try {
      return await Deno.readFile(this.resolve(p));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return undefined;
      throw error;
    }
  }

  async writeFile(p: string, data: Uint8Array): Promise<void> {
    const full = this.resolve(p);
    await Deno.mkdir(dirname(full), { recursive: true });
    await Deno.writeFile(full, data);
  }

  async rename(from: string, to: string): Promise<void> {
    const target = this.resolve(to);
    await Deno.mkdir(dirname(target), { recursive: true });
    await Deno.rename(this.resolve(from), target);
  }

  async list(dir: string): Promise<string[]> {
    const names: string[] = [];
    try {
      for await (const entry of Deno.readDir(this.resolve(dir))) names.push(entry.name);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return [];
      throw error;
    }
    return names.sort();
  }

  async remove(p: string): Promise<void> {
    try {
      await Deno.remove(this.resolve(p), { recursive: true });
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }

  async exists(p: string): Promise<boolean> {
    try {
      await Deno.stat(this.resolve(p));
      return true;
    } catch {
      return false;
    }
  }
}
