/**
 * Where uploaded WebAssembly components live, addressed by the sha256 of their bytes: one
 * interface, kept in memory or in a FileSystem (confined to its root by the adapter).
 */
import { type FileSystem, joinPath } from "../core/index.ts";

/** What is known about a stored artifact. */
export interface ArtifactInfo {
  /** sha256 of the bytes, 64 lowercase hex digits. */
  readonly id: string;
  readonly size: number;
  /** The eddy:operator world it implements (read at upload). */
  readonly world: string | undefined;
  readonly imports: readonly string[];
  readonly exports: readonly string[];
  /** Upload time, ms since epoch. */
  readonly created: number;
}

/** Stores artifacts by id. `put` of bytes already stored keeps the first upload's info. */
export interface ArtifactStore {
  put(info: ArtifactInfo, bytes: Uint8Array): Promise<ArtifactInfo>;
  get(id: string): Promise<Uint8Array | undefined>;
  info(id: string): Promise<ArtifactInfo | undefined>;
  list(): Promise<ArtifactInfo[]>;
}

const ID = /^[0-9a-f]{64}$/;

/** sha256 of `bytes` as hex, through Web Crypto (every runtime has it). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource));
  let out = "";
  for (const b of digest) out += b.toString(16).padStart(2, "0");
  return out;
}

/** Only well-formed ids reach a store: an id is also a file name. */
export function isArtifactId(id: string): boolean {
  return ID.test(id);
}

/** Artifacts in memory (tests, workerd). */
export class MemoryArtifactStore implements ArtifactStore {
  private readonly items = new Map<string, { info: ArtifactInfo; bytes: Uint8Array }>();

  async put(info: ArtifactInfo, bytes: Uint8Array): Promise<ArtifactInfo> {
    const existing = this.items.get(info.id);
    if (existing !== undefined) return existing.info;
    this.items.set(info.id, { info, bytes: bytes.slice() });
    return info;
  }

  async get(id: string): Promise<Uint8Array | undefined> {
    return isArtifactId(id) ? this.items.get(id)?.bytes : undefined;
  }

  async info(id: string): Promise<ArtifactInfo | undefined> {
    return isArtifactId(id) ? this.items.get(id)?.info : undefined;
  }

  async list(): Promise<ArtifactInfo[]> {
    return [...this.items.values()].map((i) => i.info);
  }
}

/** Artifacts as `<dir>/<sha256>.wasm` with `<sha256>.json` beside it, written to a temp name and renamed. */
export class FileSystemArtifactStore implements ArtifactStore {
  constructor(private readonly fs: FileSystem, private readonly dir = "") {}

  async put(info: ArtifactInfo, bytes: Uint8Array): Promise<ArtifactInfo> {
    if (!isArtifactId(info.id)) throw new Error(`[eddy] artifact id "${info.id}" is not a sha256 hex digest`);
    const existing = await this.info(info.id);
    if (existing !== undefined && (await this.fs.exists(this.path(info.id, "wasm")))) return existing;
    await this.write(this.path(info.id, "wasm"), bytes);
    // The info last: an artifact is known once both files are whole.
    await this.write(this.path(info.id, "json"), new TextEncoder().encode(JSON.stringify(info)));
    return info;
  }

  async get(id: string): Promise<Uint8Array | undefined> {
    return isArtifactId(id) ? this.fs.readFile(this.path(id, "wasm")) : undefined;
  }

  async info(id: string): Promise<ArtifactInfo | undefined> {
    if (!isArtifactId(id)) return undefined;
    const bytes = await this.fs.readFile(this.path(id, "json"));
    if (bytes === undefined) return undefined;
    try {
      const parsed = JSON.parse(new TextDecoder().decode(bytes)) as ArtifactInfo;
      return { id, size: parsed.size, world: parsed.world, imports: parsed.imports ?? [], exports: parsed.exports ?? [], created: parsed.created };
    } catch {
      return undefined;
    }
  }

  async list(): Promise<ArtifactInfo[]> {
    const out: ArtifactInfo[] = [];
    for (const name of await this.fs.list(this.dir)) {
      const m = /^([0-9a-f]{64})\.json$/.exec(name);
      const info = m === null ? undefined : await this.info(m[1]!);
      if (info !== undefined) out.push(info);
    }
    return out;
  }

  /** Writes to a temp name and renames, so a crash never leaves a half file under the real name. */
  private async write(path: string, bytes: Uint8Array): Promise<void> {
    const tmp = joinPath(this.dir, `.${crypto.randomUUID()}.tmp`);
    await this.fs.writeFile(tmp, bytes);
    await this.fs.rename(tmp, path);
  }

  private path(id: string, ext: "wasm" | "json"): string {
    return joinPath(this.dir, `${id}.${ext}`);
  }
}
