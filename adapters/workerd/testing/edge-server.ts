/**
 * Runs a Worker that `eddy bundle` wrote in workerd from npm, with Durable Object storage on
 * local disk, for the edge tests: start it on a free port, kill it (SIGKILL, as a crash), start
 * it again on the same storage, and stop it.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type { EdgeBundle } from "../../../bin/bundle.ts";
import { startWorkerd } from "../../../bin/dev.ts";

/** A free localhost port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** A bundled Worker served by workerd. */
export class EdgeServer {
  private child: ChildProcess | undefined;
  private output = "";

  private constructor(
    readonly bundle: EdgeBundle,
    /** Durable Object storage (kept across kills and restarts). */
    readonly storage: string,
    readonly port: number,
    private readonly env: Readonly<Record<string, string>>,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** What workerd printed so far (for failure messages). */
  get log(): string {
    return this.output;
  }

  /** Serves `bundle` on a free port with fresh storage; resolves once it answers. */
  static async start(bundle: EdgeBundle, env: Readonly<Record<string, string>> = {}): Promise<EdgeServer> {
    const storage = await mkdtemp(path.join(tmpdir(), "eddy-edge-storage-"));
    const server = new EdgeServer(bundle, storage, await freePort(), env);
    await server.restart();
    return server;
  }

  /** Starts workerd (again) on the same port and storage. */
  async restart(): Promise<void> {
    const child = await startWorkerd({ dir: this.bundle.outDir, storage: this.storage, port: this.port, env: this.env, stdio: "pipe" });
    this.child = child;
    child.stdout!.on("data", (d: Uint8Array) => (this.output += String(d)));
    child.stderr!.on("data", (d: Uint8Array) => (this.output += String(d)));
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`[eddy] workerd exited with ${child.exitCode}:\n${this.output}`);
      try {
        await (await fetch(`${this.url}/__health`, { signal: AbortSignal.timeout(1_000) })).arrayBuffer();
        return;
      } catch {
        if (Date.now() > deadline) throw new Error(`[eddy] workerd did not serve within 20 s:\n${this.output}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  /** Kills workerd at once (SIGKILL): a crash, storage left as it is. */
  async kill(): Promise<void> {
    const child = this.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await exited;
  }

  /** Stops workerd and removes its storage. */
  async close(): Promise<void> {
    await this.kill();
    await rm(this.storage, { recursive: true, force: true });
  }
}
