/**
 * Running one of the suite's scripts in a child process of a runtime: its output is collected
 * (and passed on line by line), it is terminated after a time limit, and the summary line it
 * prints last (`CONFORMANCE {json}`) is read back.
 */
import { spawn } from "node:child_process";
import type { RuntimeCommand } from "./runtimes.ts";

/** How a child process ended. */
export interface ChildRun {
  readonly code: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  /** stdout and stderr interleaved. */
  readonly output: string;
  readonly timedOut: boolean;
}

/** Options of {@link runChild}. */
export interface ChildOptions {
  readonly cwd: string;
  readonly timeoutMs: number;
  readonly onLine?: (line: string) => void;
}

/** Runs `script` with `args` on `runtime`. */
export function runChild(runtime: RuntimeCommand, script: string, args: readonly string[], options: ChildOptions): Promise<ChildRun> {
  return new Promise((resolve) => {
    const { FORCE_COLOR: _force, ...env } = process.env;
    const child = spawn(runtime.command, [...runtime.args, script, ...args], { cwd: options.cwd, env: { ...env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let output = "";
    let partial = "";
    const take = (chunk: Uint8Array, isStdout: boolean): void => {
      const text = new TextDecoder().decode(chunk);
      if (isStdout) stdout += text;
      output += text;
      if (options.onLine === undefined) return;
      partial += text;
      const lines = partial.split("\n");
      partial = lines.pop()!;
      for (const line of lines) options.onLine(line);
    };
    child.stdout.on("data", (chunk: Uint8Array) => take(chunk, true));
    child.stderr.on("data", (chunk: Uint8Array) => take(chunk, false));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, options.timeoutMs);
    child.on("error", (error) => {
      output += `\n${error.message}\n`;
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, output, timedOut });
    });
  });
}

/** The value of the last `<prefix> ...` line of `output`, if any. */
export function lastTagged(output: string, prefix: string): string | undefined {
  const line = output.split("\n").reverse().find((l) => l.startsWith(`${prefix} `));
  return line?.slice(prefix.length + 1);
}

/** The last lines of `output`, to say why a child failed. */
export function tail(output: string, lines = 12): string {
  return output.trimEnd().split("\n").slice(-lines).join("\n");
}
