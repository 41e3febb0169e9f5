import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, test } from "vitest";
import { StreamExecutionEnvironment, readCommittedLines } from "../core/index.ts";
import { NodeFileSystem } from "../adapters/node/fs.ts";
import { type Tick, expectedWindowedTimersOutput, windowedTimersJob } from "./windowed-timers-job.ts";
import { mulberry32 } from "../core/testing/random.ts";

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

/** Records in part files that were pre-committed and not (yet) committed. */
function pendingLines(dir: string): number {
  const pending = path.join(dir, "out", ".pending");
  if (!existsSync(pending)) return 0;
  return readdirSync(pending).reduce((n, name) => n + readFileSync(path.join(pending, name), "utf8").split("\n").filter((l) => l !== "").length, 0);
}

function pendingFiles(dir: string): string[] {
  const pending = path.join(dir, "out", ".pending");
  return existsSync(pending) ? readdirSync(pending) : [];
}

/** Runs the job to its end in `dir` (resuming from its checkpoints) and checks the committed output. */
async function resumeAndCheck(dir: string, args: string[], expected: readonly string[], what: string): Promise<void> {
  const run = await start("node", args).done;
  expect(run.stderr, `${what}: stderr`).toBe("");
  expect(run.stdout, what).toMatch(/DONE/);
  const committed = (await readCommittedLines(new NodeFileSystem(dir), "out")).sort();
  expect(committed, `${what}: committed output`).toEqual(expected);
  expect(pendingFiles(dir), `${what}: nothing left in out/.pending`).toEqual([]);
}

describe("regression #13.1: restarts at another parallelism lose and duplicate nothing", () => {
  test("ended right after a checkpoint's metadata is written (before any commit), restarted at parallelism 3 and at 1", async () => {
    const events = 6_000;
    const dir = tempDir();
    const first = await start("node", ["run", dir, String(events), "3000", "--exit-after-checkpoint", "3"]).done;
    expect(first.code, first.stderr).toBe(3);
    expect(completedCheckpoints(dir)).toBeGreaterThanOrEqual(1);
    // The checkpoint completed, but its pre-committed part files were never committed.
    expect(pendingLines(dir)).toBeGreaterThan(0);
    const expected = await reference(events);
    for (const parallelism of [3, 1]) {
      const copy = tempDir();
      cpSync(dir, copy, { recursive: true });
      await resumeAndCheck(copy, ["run", copy, String(events), "20000", "--parallelism", String(parallelism)], expected, `restarted at parallelism ${parallelism}`);
    }
  }, 60_000);

  for (const seed of [1, 2, 3]) {
    test(`seed ${seed}: killed with SIGKILL at a random moment, restarted at another parallelism`, async () => {
      const random = mulberry32(seed);
      const from = 1 + Math.floor(random() * 3);
      const to = 1 + ((from + Math.floor(random() * 2)) % 3);
      const events = 5_000;
      const dir = tempDir();
      const first = start("node", ["run", dir, String(events), "2500", "--parallelism", String(from)]);
      const deadline = Date.now() + 20_000;
      while (completedCheckpoints(dir) === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 100 + Math.floor(random() * 700)));
      first.kill();
      expect((await first.done).signal).toBe("SIGKILL");
      await resumeAndCheck(dir, ["run", dir, String(events), "20000", "--parallelism", String(to)], await reference(events), `parallelism ${from} -> ${to}`);
    }, 60_000);
  }

  test("a savepoint taken by stop-with-savepoint restores at parallelism 3 and at 1", async () => {
    const events = 4_000;
    const dir = tempDir();
    const stopped = await start("node", ["stop", dir, String(events), "4000", "600"]).done;
    expect(stopped.stderr).toBe("");
    const location = /SAVEPOINT (\S+)/.exec(stopped.stdout)?.[1];
    expect(location).toBeDefined();
    const expected = await reference(events);
    for (const parallelism of [3, 1]) {
      const copy = tempDir();
      cpSync(dir, copy, { recursive: true });
      await resumeAndCheck(copy, ["restore", copy, String(events), location!, "--parallelism", String(parallelism)], expected, `restored at parallelism ${parallelism}`);
    }
  }, 60_000);
});
