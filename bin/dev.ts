/**
 * `eddy dev <dir> [--port 8787] [--host 127.0.0.1] [--storage <dir>]`: runs a Worker that
 * `eddy bundle` wrote in workerd from npm (the `workerd` package), with Durable Object storage
 * on local disk (default `<dir>/storage`), so jobs, checkpoints and alarms outlive a restart.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";

/** Where workerd from npm was installed (its package's default export). */
export async function workerdBinary(): Promise<string> {
  try {
    // A specifier in a variable: the package ships no types, its default export is the path.
    const specifier: string = "workerd";
    const m = (await import(specifier)) as { default: string };
    return m.default;
  } catch (error) {
    throw new Error(`[eddy] eddy dev needs workerd from npm: npm install --save-dev workerd (${error instanceof Error ? error.message : String(error)})`);
  }
}

/** Options of {@link startWorkerd}. */
export interface WorkerdOptions {
  /** The directory eddy bundle wrote (its config.capnp). */
  readonly dir: string;
  /** Durable Object storage (default `<dir>/storage`). */
  readonly storage?: string;
  readonly port: number;
  readonly host?: string;
  /** Settings for the Worker (EDDY_TOKEN, EDDY_MAX_JOBS, ...), added to this process's environment. */
  readonly env?: Readonly<Record<string, string>>;
  readonly stdio?: "inherit" | "pipe";
}

/** Starts workerd serving the bundle in `options.dir`. */
export async function startWorkerd(options: WorkerdOptions): Promise<ChildProcess> {
  const dir = path.resolve(options.dir);
  const storage = path.resolve(options.storage ?? path.join(dir, "storage"));
  await mkdir(storage, { recursive: true });
  const args = ["serve", path.join(dir, "config.capnp"), "-d", `storage=${storage}`, "-s", `http=${options.host ?? "127.0.0.1"}:${options.port}`];
  const stdio = options.stdio ?? "inherit";
  return spawn(await workerdBinary(), args, { cwd: dir, stdio: ["ignore", stdio, stdio], env: { ...process.env, ...options.env } });
}

/** `eddy dev ...` */
export async function devCommand(argv: readonly string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args: [...argv], allowPositionals: true, options: { port: { type: "string", default: "8787" }, host: { type: "string", default: "127.0.0.1" }, storage: { type: "string" } } });
  const [dir] = positionals;
  if (dir === undefined) throw new Error("[eddy] usage: eddy dev <directory written by eddy bundle> [--port 8787] [--host 127.0.0.1] [--storage <dir>]");
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`[eddy] --port must be a port number, got "${values.port}"`);
  const child = await startWorkerd({ dir, port, host: values.host, ...(values.storage !== undefined ? { storage: values.storage } : {}) });
  console.log(`eddy: serving ${dir} in workerd at http://${values.host}:${port} (storage: ${values.storage ?? path.join(dir, "storage")}); Ctrl-C stops it`);
  // Ctrl-C or a stop ends workerd too, instead of leaving it serving on its own.
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => child.kill(signal));
  const code = await new Promise<number>((resolve) => child.on("exit", (c, signal) => resolve(c ?? (signal === "SIGINT" ? 0 : 1))));
  process.exitCode = code;
}
