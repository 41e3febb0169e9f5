/**
 * Eddy's FileSystem on Bun: file contents through Bun.file / Bun.write, directories and renames
 * through node:fs, which Bun implements natively (shared with the Node adapter). Confined to a
 * root directory.
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { NodeFileSystem } from "../node/fs.ts";

declare const Bun: {
  file(path: string): { exists(): Promise<boolean>; arrayBuffer(): Promise<ArrayBuffer> };
  write(path: string, data: Uint8Array): Promise<number>;
};

/** A file system rooted at `root`. */
export class BunFileSystem extends NodeFileSystem {
  override async readFile(p: string): Promise<Uint8Array | undefined> {
    const file = Bun.file(this.resolve(p));
    if (!(await file.exists())) return undefined;
    return new Uint8Array(await file.arrayBuffer());
  }

  override async writeFile(p: string, data: Uint8Array): Promise<void> {
    const full = this.resolve(p);
    await mkdir(path.dirname(full), { recursive: true });
    await Bun.write(full, data);
  }
}
