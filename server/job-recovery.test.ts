/**
 * Jobs that survive a restart of the API, in memory: the same stores handed to a new app play
 * the data and checkpoint directories of a restarted `eddy serve` (server/serve-crash.test.ts
 * kills real processes). Expected outputs are computed here from the specs.
 */
import { describe, expect, it } from "vitest";
import { MemoryFileSystem, readCommittedLines } from "../core/index.ts";
import { createApp, type EddyApp } from "./app.ts";
import { MemoryArtifactStore } from "./artifact-store.ts";
import { JobStore } from "./job-store.ts";
import { eventually } from "./testing/fixtures.ts";

/** The directories of one server, kept across its restarts. */
function directories() {
  return { checkpointFs: new MemoryFileSystem(), outputFs: new MemoryFileSystem(), artifacts: new MemoryArtifactStore(), data: new MemoryFileSystem() };
}
type Dirs = ReturnType<typeof directories>;

function start(dirs: Dirs): EddyApp {
  return createApp({ checkpointFs: dirs.checkpointFs, outputFs: dirs.outputFs, artifacts: dirs.artifacts, jobStore: new JobStore(dirs.data, "jobs"), print: () => {} });
}

async function call(app: EddyApp, method: string, route: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await app.request(route, { method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }) });
  return { status: res.status, json: await res.json() };
}

/** `count` records `{n}` (n = 0, 1, ...) at `rate` per second into part files under `path`. */
function numbers(name: string, path: string, count: number, rate: number) {
  return {
    name,
    sources: [{ type: "generator", fields: { n: { kind: "sequence" } }, count, ratePerSecond: rate }],
    operators: [{ type: "project", select: ["n"] }],
    sinks: [{ type: "file", path }],
    checkpointing: { interval: 50 },
  };
}

const state = async (app: EddyApp, id: string): Promise<string> => (await call(app, "GET", `/jobs/${id}`)).json.state;
const completedCheckpoints = async (app: EddyApp, id: string): Promise<number> => (await call(app, "GET", `/jobs/${id}/checkpoints`)).json.counts.completed;
const committed = async (dirs: Dirs, path: string): Promise<number[]> => (await readCommittedLines(dirs.outputFs, path)).map((l) => JSON.parse(l).n as number).sort((a, b) => a - b);
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe("regression #13.2: jobs survive a restart of the server", () => {
  it("lists every job again under its original id: running ones resumed from their checkpoint, ended ones with their final status", async () => {
    const dirs = directories();
    const first = start(dirs);
    await first.ready;
    const running = (await call(first, "POST", "/jobs", numbers("slow numbers", "slow", 1_000_000, 2_000))).json.jobid as string;
    const finished = (await call(first, "POST", "/jobs", numbers("quick numbers", "quick", 300, 100_000))).json.jobid as string;
    const cancelled = (await call(first, "POST", "/jobs", numbers("cancelled numbers", "cancelled", 1_000_000, 1_000))).json.jobid as string;
    await eventually("the quick job to finish", async () => ((await state(first, finished)) === "FINISHED" ? true : undefined));
    await eventually("a checkpoint of the slow job", async () => ((await completedCheckpoints(first, running)) >= 2 ? true : undefined));
    expect((await call(first, "PATCH", `/jobs/${cancelled}`)).status).toBe(202);
    await eventually("the cancelled job to stop", async () => ((await state(first, cancelled)) === "CANCELED" ? true : undefined));
    const before = (await call(first, "GET", "/jobs/overview")).json.jobs as { jid: string; name: string; tasks: { total: number } }[];
    await first.shutdown();
    const lastCheckpoint = (await call(first, "GET", `/jobs/${running}/checkpoints`)).json.latest.completed.id as number;

    const second = start(dirs);
    const recovered = await second.ready;
    expect(recovered.resumed).toEqual([running]);
    expect([...recovered.ended].sort()).toEqual([finished, cancelled].sort());
    await eventually("the resumed job to run", async () => ((await state(second, running)) === "RUNNING" ? true : undefined));
    const jobs = (await call(second, "GET", "/jobs")).json.jobs as { id: string; status: string }[];
    expect(Object.fromEntries(jobs.map((j) => [j.id, j.status]))).toEqual({ [running]: "RUNNING", [finished]: "FINISHED", [cancelled]: "CANCELED" });
    // Names and plans are those of the first run, ended jobs included.
    const after = (await call(second, "GET", "/jobs/overview")).json.jobs as typeof before;
    expect(after.map((j) => [j.jid, j.name, j.tasks.total]).sort()).toEqual(before.map((j) => [j.jid, j.name, j.tasks.total]).sort());
    expect((await call(second, "GET", `/jobs/${finished}`)).json.vertices.map((v: { name: string }) => v.name)).toEqual(
      (await call(second, "GET", `/jobs/${running}`)).json.vertices.map((v: { name: string }) => v.name),
    );
    // The resumed job restored a checkpoint of the first run.
    const restored = (await call(second, "GET", `/jobs/${running}/checkpoints`)).json.latest.restored;
    expect(restored).toMatchObject({ id: lastCheckpoint, is_savepoint: false });
    expect((await call(second, "POST", `/jobs/${finished}/savepoints`, {})).status).toBe(409);
    expect(await committed(dirs, "quick")).toEqual(range(300));
    await second.shutdown();
  }, 30_000);

  it("resumes a bounded job where the server stopped it: its committed output is every record exactly once", async () => {
    const dirs = directories();
    const first = start(dirs);
    await first.ready;
    const id = (await call(first, "POST", "/jobs", numbers("numbers", "numbers", 3_000, 4_000))).json.jobid as string;
    await eventually("a checkpoint", async () => ((await completedCheckpoints(first, id)) >= 3 ? true : undefined));
    await first.shutdown();
    const partial = (await committed(dirs, "numbers")).length;
    expect(partial).toBeLessThan(3_000);

    const second = start(dirs);
    expect((await second.ready).resumed).toEqual([id]);
    await eventually("the resumed job to finish", async () => ((await state(second, id)) === "FINISHED" ? true : undefined), 20_000);
    expect(await committed(dirs, "numbers")).toEqual(range(3_000));
    // Its end is stored: a third start lists it as FINISHED and runs nothing.
    await second.shutdown();
    const third = start(dirs);
    expect(await third.ready).toMatchObject({ resumed: [], ended: [id], failed: [] });
    expect(await state(third, id)).toBe("FINISHED");
  }, 30_000);

  it("shows a job that cannot be resumed as FAILED, naming why", async () => {
    const dirs = directories();
    const artifact = "ab".repeat(32);
    const spec = {
      name: "needs a component",
      sources: [{ type: "collection", records: [{ w: "a" }] }],
      operators: [{ type: "wasm", kind: "map", artifact }],
      sinks: [{ type: "collect" }],
    };
    const id = "0123456789abcdef0123456789abcdef";
    // A record a server wrote before its artifact store lost the component.
    await new JobStore(dirs.data, "jobs").put({ id, name: spec.name, submitted: 1_700_000_000_000, jobKey: "needs_a_component-1", spec: spec as never, artifacts: [artifact], plan: [] });
    const app = start(dirs);
    expect(await app.ready).toMatchObject({ resumed: [], failed: [id] });
    expect(await state(app, id)).toBe("FAILED");
    const root = (await call(app, "GET", `/jobs/${id}/exceptions`)).json["root-exception"] as string;
    expect(root).toContain("could not be resumed");
    expect(root).toContain(`operators[0].artifact: expected an uploaded artifact: "${artifact}" is unknown`);
    // FAILED is stored: the next start does not try again.
    expect(await start(dirs).ready).toMatchObject({ ended: [id], failed: [] });
  });

  it("keeps an unreadable record in place and resumes the others", async () => {
    const dirs = directories();
    const first = start(dirs);
    await first.ready;
    const id = (await call(first, "POST", "/jobs", numbers("numbers", "numbers", 1_000_000, 1_000))).json.jobid as string;
    await first.shutdown();
    const broken = "jobs/ffffffffffffffffffffffffffffffff.json";
    await dirs.data.writeFile(broken, new TextEncoder().encode("{ half a rec"));
    await dirs.data.writeFile("jobs/.ffffffffffffffffffffffffffffffff.1.tmp", new TextEncoder().encode("{"));
    const second = start(dirs);
    const recovered = await second.ready;
    expect(recovered.resumed).toEqual([id]);
    expect(recovered.unreadable.map((u) => u.path)).toEqual([broken]);
    expect(await dirs.data.exists(broken)).toBe(true);
    expect(await dirs.data.list("jobs")).toEqual([`${id}.json`, "ffffffffffffffffffffffffffffffff.json"]);
    await second.shutdown();
  });
});

describe("regression #13.2: a spec started from the latest retained checkpoint of a job", () => {
  it("savepoint.fromJob continues a cancelled job's output: every record exactly once", async () => {
    const dirs = directories();
    const app = start(dirs);
    await app.ready;
    const spec = numbers("numbers", "numbers", 3_000, 4_000);
    const first = (await call(app, "POST", "/jobs", spec)).json.jobid as string;
    await eventually("a few checkpoints", async () => ((await completedCheckpoints(app, first)) >= 3 ? true : undefined));
    await call(app, "PATCH", `/jobs/${first}`);
    await eventually("the first job to stop", async () => ((await state(app, first)) === "CANCELED" ? true : undefined));
    const latest = (await call(app, "GET", `/jobs/${first}/checkpoints`)).json.latest.completed;
    expect((await committed(dirs, "numbers")).length).toBeLessThan(3_000);

    const second = await call(app, "POST", "/jobs", { ...spec, savepoint: { fromJob: first } });
    expect(second.status, JSON.stringify(second.json)).toBe(202);
    const id = second.json.jobid as string;
    await eventually("the second job to finish", async () => ((await state(app, id)) === "FINISHED" ? true : undefined), 20_000);
    const restored = (await call(app, "GET", `/jobs/${id}/checkpoints`)).json.latest.restored;
    expect(restored.id).toBe(latest.id);
    expect(await committed(dirs, "numbers")).toEqual(range(3_000));
    await app.shutdown();
  }, 30_000);

  it("refuses fromJob naming no job, a job without checkpoints, or together with path", async () => {
    const app = start(directories());
    await app.ready;
    const spec = numbers("numbers", "numbers", 10, 1_000);
    const unknown = await call(app, "POST", "/jobs", { ...spec, savepoint: { fromJob: "0".repeat(32) } });
    expect(unknown.status).toBe(400);
    expect(unknown.json.fields).toEqual([{ path: "savepoint.fromJob", message: expect.stringContaining("is not one") }]);
    const malformed = await call(app, "POST", "/jobs", { ...spec, savepoint: { fromJob: "job-1" } });
    expect(malformed.json.fields[0].path).toBe("savepoint.fromJob");
    const both = await call(app, "POST", "/jobs", { ...spec, savepoint: { fromJob: "0".repeat(32), path: "x/chk-1" } });
    expect(both.json.fields).toEqual([{ path: "savepoint.path", message: "expected exactly one of path or fromJob" }]);
    const neither = await call(app, "POST", "/jobs", { ...spec, savepoint: {} });
    expect(neither.json.fields).toEqual([{ path: "savepoint.path", message: "expected exactly one of path or fromJob" }]);
    // A job without checkpointing has no checkpoint to start from.
    const unchecked = { name: "unchecked", sources: [{ type: "generator", count: 1_000_000, ratePerSecond: 10 }], sinks: [{ type: "collect" }] };
    const job = (await call(app, "POST", "/jobs", unchecked)).json.jobid as string;
    const early = await call(app, "POST", "/jobs", { ...spec, savepoint: { fromJob: job } });
    expect(early.status).toBe(400);
    expect(early.json.fields).toEqual([{ path: "savepoint.fromJob", message: `expected a job with a retained checkpoint: job "${job}" has none yet` }]);
    await app.shutdown();
  });
});
