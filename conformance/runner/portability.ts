/**
 * The savepoint portability matrix: the exactly-once job stopped with a savepoint on each
 * runtime and resumed from it on each runtime (Node, Deno and Bun in child processes, workerd
 * through the conformance Worker with the files carried as JSON); every pair must commit the
 * output of a run that never stopped.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { compareOutputs } from "../compare.ts";
import { committedLines, copyFiles, openFiles } from "../exactly-once-job.ts";
import { type FileTree, packFiles, portableOutput, unpackFiles } from "../portability.ts";
import type { RuntimeName } from "../scenario.ts";
import { lastTagged, runChild, tail } from "./child.ts";
import { inPool } from "./pool.ts";
import { type Found, type RuntimeCommand, suiteScript } from "./runtimes.ts";
import type { ConformanceWorker } from "./workerd.ts";

/** One pair: a savepoint taken on `from` and resumed on `to`. */
export interface PortabilityCell {
  readonly from: RuntimeName;
  readonly to: RuntimeName;
  readonly status: "passed" | "failed" | "skipped";
  readonly durationMs: number;
  readonly error?: string;
  readonly reason?: string;
}

/** The matrix, runtimes in order. */
export interface PortabilityResult {
  readonly runtimes: readonly RuntimeName[];
  readonly cells: readonly PortabilityCell[];
}

/** Where each runtime can run: a command for a child process, or the served conformance Worker. */
export type PortabilityHosts = ReadonlyMap<RuntimeName, Found<RuntimeCommand | ConformanceWorker>>;

const TIMEOUT_MS = 120_000;

async function postJson(url: string, body: unknown): Promise<any> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal: AbortSignal.timeout(TIMEOUT_MS) });
  const text = await response.text();
  if (!response.ok) throw new Error(`workerd answered ${response.status}: ${text.slice(0, 1_000)}`);
  return JSON.parse(text);
}

/** Runs one side (`take` or `resume`) in `dir` on `host`; resolves with the savepoint location for `take`. */
async function side(host: RuntimeCommand | ConformanceWorker, mode: "take" | "resume", dir: string, cwd: string, location?: string): Promise<string> {
  if ("url" in host) {
    const fs = await openFiles({ dir });
    const answer = (await postJson(`${host.url}/portability/${mode}`, mode === "take" ? {} : { location, files: await packFiles(fs) })) as { location?: string; files: FileTree };
    await fs.remove("out");
    await fs.remove("checkpoints");
    await unpackFiles(answer.files, fs);
    return answer.location ?? "";
  }
  const run = await runChild(host, suiteScript("portability-run"), [mode, dir, ...(location !== undefined ? [location] : [])], { cwd, timeoutMs: TIMEOUT_MS });
  if (run.code !== 0) throw new Error(`${run.timedOut ? `still running after ${TIMEOUT_MS} ms` : `exited with ${run.signal ?? run.code}`}:\n${tail(run.output)}`);
  if (mode === "resume") return "";
  const taken = lastTagged(run.stdout, "SAVEPOINT");
  if (taken === undefined) throw new Error(`printed no savepoint:\n${tail(run.output)}`);
  return taken;
}

/** Takes a savepoint on every runtime and resumes each on every runtime; `concurrency` runs at once. */
export async function runPortability(hosts: PortabilityHosts, options: { cwd: string; concurrency: number; onCell?: (cell: PortabilityCell) => void }): Promise<PortabilityResult> {
  const runtimes = [...hosts.keys()];
  const expected = portableOutput();
  const dirs: string[] = [];
  const tempDir = async (): Promise<string> => {
    const d = await mkdtemp(path.join(tmpdir(), "eddy-portability-"));
    dirs.push(d);
    return d;
  };
  try {
    // Every savepoint first: a runtime that cannot take one fails its whole row.
    const taken = await inPool(
      runtimes.map((from) => async (): Promise<Found<{ dir: string; location: string }>> => {
        const host = hosts.get(from)!;
        if ("missing" in host) return host;
        const dir = await tempDir();
        try {
          const location = await side(host.found, "take", dir, options.cwd);
          // A savepoint taken after everything was committed would leave the resume nothing to do.
          const before = (await committedLines(await openFiles({ dir }))).length;
          if (before >= expected.length) return { missing: `the savepoint on ${from} was taken after the job had committed all its output, so resuming it proves nothing` };
          return { found: { dir, location } };
        } catch (error) {
          return { missing: `taking the savepoint on ${from} failed: ${error instanceof Error ? error.message : String(error)}` };
        }
      }),
      options.concurrency,
    );
    const pairs = runtimes.flatMap((from, i) => runtimes.map((to) => ({ from, to, savepoint: taken[i]! })));
    const cells = await inPool(
      pairs.map(({ from, to, savepoint }) => async (): Promise<PortabilityCell> => {
        const started = Date.now();
        const host = hosts.get(to)!;
        const hostFrom = hosts.get(from)!;
        let cell: PortabilityCell;
        if ("missing" in hostFrom) cell = { from, to, status: "skipped", durationMs: 0, reason: hostFrom.missing };
        else if ("missing" in host) cell = { from, to, status: "skipped", durationMs: 0, reason: host.missing };
        else if ("missing" in savepoint) cell = { from, to, status: "failed", durationMs: 0, error: savepoint.missing };
        else {
          try {
            const dir = await tempDir();
            await copyFiles(await openFiles({ dir: savepoint.found.dir }), await openFiles({ dir }));
            await side(host.found, "resume", dir, options.cwd, savepoint.found.location);
            const difference = compareOutputs(await committedLines(await openFiles({ dir })), expected, "unordered");
            cell = difference === undefined ? { from, to, status: "passed", durationMs: Date.now() - started } : { from, to, status: "failed", durationMs: Date.now() - started, error: `the output committed by both runs: ${difference}` };
          } catch (error) {
            cell = { from, to, status: "failed", durationMs: Date.now() - started, error: `resuming on ${to} failed: ${error instanceof Error ? error.message : String(error)}` };
          }
        }
        options.onCell?.(cell);
        return cell;
      }),
      options.concurrency,
    );
    return { runtimes, cells };
  } finally {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  }
}
