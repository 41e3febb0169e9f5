/**
 * Running the CLI as a user does in the bin tests: `node --import tsx bin/cli.ts <args>` in a
 * child process from the repository's root, without colours.
 */
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/** How a CLI run ended. */
export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Starts `eddy <args>` with the test process's environment, `env` laid over it; a variable set to
 * undefined there is left out.
 */
export function startCli(args: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): ChildProcess {
  const merged: Record<string, string | undefined> = { ...process.env, ...env, NO_COLOR: "1" };
  for (const [name, value] of Object.entries(merged)) if (value === undefined) delete merged[name];
  return spawn(process.execPath, ["--import", "tsx", path.join(root, "bin", "cli.ts"), ...args], { cwd: root, env: merged, stdio: ["ignore", "pipe", "pipe"] });
}

/** Runs `eddy <args>` to its end (environment as {@link startCli}'s). */
export function runCli(args: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = startCli(args, env);
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d: Uint8Array) => (stdout += String(d)));
    child.stderr!.on("data", (d: Uint8Array) => (stderr += String(d)));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
