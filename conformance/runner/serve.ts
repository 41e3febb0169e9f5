/**
 * `eddy serve` on one runtime, for the HTTP-level scenarios: a child process on a free port with
 * a fresh data directory and a token of its own, stopped afterwards.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { tail } from "./child.ts";
import { type Found, type RuntimeCommand, packageModule } from "./runtimes.ts";

/** A server the scenarios can reach. */
export interface Served {
  readonly url: string;
  readonly token: string;
  close(): Promise<void>;
}

/** Starts `eddy serve --port 0` on `runtime`; resolves once it listens, or with why it did not. */
export async function startServe(runtime: RuntimeCommand, timeoutMs = 60_000): Promise<Found<Served>> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "eddy-conformance-serve-"));
  const token = crypto.randomUUID();
  const { FORCE_COLOR: _force, EDDY_TOKEN: _token, ...env } = process.env;
  const child = spawn(runtime.command, [...runtime.args, packageModule("../bin/serve"), "--port", "0", "--quiet", "--data-dir", dataDir, "--token", token], { env: { ...env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
  const close = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      const kill = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(kill);
    }
    await rm(dataDir, { recursive: true, force: true });
  };
  let output = "";
  const url = await new Promise<string | undefined>((resolve) => {
    const timer = setTimeout(() => resolve(undefined), timeoutMs);
    child.stdout.on("data", (d: Uint8Array) => {
      output += new TextDecoder().decode(d);
      const listening = /EDDY_LISTENING (\S+)/.exec(output);
      if (listening !== null) {
        clearTimeout(timer);
        resolve(listening[1]);
      }
    });
    child.stderr.on("data", (d: Uint8Array) => (output += new TextDecoder().decode(d)));
    child.on("error", (error) => (output += `\n${error.message}`));
    child.on("close", () => {
      clearTimeout(timer);
      resolve(undefined);
    });
  });
  if (url === undefined) {
    await close();
    return { missing: `eddy serve on ${runtime.runtime} did not start listening:\n${tail(output)}` };
  }
  return { found: { url, token, close } };
}
