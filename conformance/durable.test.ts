import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, test } from "vitest";
import { StreamExecutionEnvironment, readCommittedLines } from "../core/index.ts";
import { NodeFileSystem } from "../adapters/node/fs.ts";
import { type Tick, expectedWindowedTimersOutput, windowedTimersJob } from "./jobs/windowed-timers-job.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const script = path.join(root, "conformance/jobs/durable-job.ts");
const bin = (name: string) => path.join(root, "node_modules/.bin", name);
const runtimes: Record<string, (args: string[]) => [string, string[]]> = {
  node: (args) => [process.execPath, ["--import", "tsx", script, ...args]],
  deno: (args) => [bin("deno"), ["run", "--allow-all", "--no-check", script, ...args]],
  bun: (args) => [bin("bun"), ["run", script, ...args]],
};
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), "eddy-durable-"));
  dirs.push(d);
  return d;
}

interface Run {
  readonly done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  kill(): void;
}

function start(runtime: string, args: string[]): Run {
  const [cmd, argv] = runtimes[runtime]!(args);
  const child = spawn(cmd, argv, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  return {
    done: new Promise((resolve) => child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }))),
    kill: () => child.kill("SIGKILL"),
  };
}

async function reference(events: number): Promise<string[]> {
  const env = StreamExecutionEnvironment.create();
  const ticks: Tick[] = [];
  windowedTimersJob(env, { events, seed: 11, fail: (t) => void ticks.push(t) }).sinkTo({ createWriter: () => ({ write: () => {}, flush: () => {} }) });
  await env.execute("reference");
  return expectedWindowedTimersOutput(ticks);
}

const completedCheckpoints = (dir: string): number => {
  const base = path.join(dir, "checkpoints", "durable");
  if (!existsSync(base)) return 0;
  return readdirSync(base).filter((n) => n.startsWith("chk-") && existsSync(path.join(base, n, "_metadata"))).length;
};

describe("durable jobs", () => {
  test("a process killed with SIGKILL and started again resumes from its last checkpoint: exactly the reference output", async () => {
    const events = 6_000;
    const dir = tempDir();
    const first = start("node", ["run", dir, String(events), "2000"]);
    // Kill once a checkpoint is on disk and the job is well under way.
    const deadline = Date.now() + 20_000;
    while (completedCheckpoints(dir) === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 300 + Math.floor(Math.random() * 500)));
    first.kill();
    const killed = await first.done;
    expect(killed.signal).toBe("SIGKILL");
    const partial = (await readCommittedLines(new NodeFileSystem(dir), "out")).length;
    const second = await start("node", ["run", dir, String(events), "20000"]).done;
    expect(second.stderr).toBe("");
    expect(second.stdout).toMatch(/DONE/);
    const committed = (await readCommittedLines(new NodeFileSystem(dir), "out")).sort();
    const expected = await reference(events);
    expect(partial).toBeLessThan(expected.length);
    expect(committed).toEqual(expected);
  }, 60_000);

  test("a savepoint taken on Node restores on Deno and on Bun with the output of a run that never stopped", async () => {
    const events = 4_000;
    const dir = tempDir();
    const stopped = await start("node", ["stop", dir, String(events), "4000", "600"]).done;
    expect(stopped.stderr).toBe("");
    const location = /SAVEPOINT (\S+)/.exec(stopped.stdout)?.[1];
    expect(location).toBeDefined();
    const expected = await reference(events);
    for (const runtime of ["deno", "bun"]) {
      const copy = tempDir();
      cpSync(dir, copy, { recursive: true });
      const restored = await start(runtime, ["restore", copy, String(events), location!]).done;
      expect(restored.stderr, `${runtime} stderr`).toBe("");
      expect(restored.stdout).toMatch(/DONE/);
      const committed = (await readCommittedLines(new NodeFileSystem(copy), "out")).sort();
      expect(committed, `output after restoring on ${runtime}`).toEqual(expected);
    }
  }, 90_000);
});
