/**
 * `eddy bundle` and `eddy dev` as a user runs them (`node bin/cli.ts ...` in child processes):
 * a spec file becomes a Worker with its wrangler and workerd configs, `eddy dev` serves it from
 * workerd with storage on disk, and the bundled job runs there.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { bundledJobId } from "../adapters/workerd/edge-worker.ts";
import { awaitJob, getJson } from "../adapters/workerd/testing/edge-client.ts";
import { freePort } from "../adapters/workerd/testing/edge-server.ts";
import { startCli } from "./testing/run-cli.ts";

async function finished(child: ChildProcess): Promise<{ code: number | null; out: string }> {
  let out = "";
  child.stdout!.on("data", (d: Uint8Array) => (out += String(d)));
  child.stderr!.on("data", (d: Uint8Array) => (out += String(d)));
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  return { code, out };
}

describe("eddy bundle and eddy dev", () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  it("bundles a spec into a Worker with wrangler and workerd configs, and eddy dev runs its job in workerd", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "eddy-tooling-"));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const records = Array.from({ length: 50 }, (_, i) => ({ n: i, k: `k${i % 3}` }));
    const spec = { name: "counted", sources: [{ type: "collection", records }], operators: [{ type: "keyBy", field: "k" }, { type: "aggregate", fn: "count", as: "c" }], sinks: [{ type: "collect" }] };
    await writeFile(path.join(dir, "job.json"), JSON.stringify(spec));
    const out = path.join(dir, "worker");
    const bundled = await finished(startCli(["bundle", path.join(dir, "job.json"), "-o", out, "--name", "counted-worker"]));
    expect(bundled.code, bundled.out).toBe(0);

    // wrangler's config names the Worker, binds every Durable Object class and migrates them to SQLite storage.
    const wrangler = JSON.parse((await readFile(path.join(out, "wrangler.jsonc"), "utf8")).replace(/^\/\/.*$/gm, ""));
    expect(wrangler.name).toBe("counted-worker");
    expect(wrangler.main).toBe("worker.js");
    const classes = ["EddyJobManager", "EddyTaskManager", "EddyIngest", "EddyDirectory"];
    expect(wrangler.durable_objects.bindings.map((b: { class_name: string }) => b.class_name).sort()).toEqual([...classes].sort());
    expect(wrangler.migrations[0].new_sqlite_classes.sort()).toEqual([...classes].sort());

    const port = await freePort();
    const dev = startCli(["dev", out, "--port", String(port)]);
    const devOutput = finished(dev);
    cleanup.push(async () => {
      dev.kill("SIGINT");
      await devOutput;
    });
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        await (await fetch(`${url}/overview`)).arrayBuffer();
        break;
      } catch {
        if (Date.now() > deadline) throw new Error(`eddy dev did not serve: ${(await Promise.race([devOutput, Promise.resolve({ out: "(running)" })])).out}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    // The bundled spec started with the first request, under an id made from its name.
    const id = await bundledJobId("counted");
    const job = await awaitJob(url, id, ["FINISHED", "FAILED"], 30_000);
    expect(job.state).toBe("FINISHED");
    // A running count per key: the last count of each key is how often it occurs.
    const results = (await getJson(url, `/jobs/${id}/results`)).records as { key: string; c: number }[];
    const last = new Map<string, number>();
    for (const r of results) last.set(r.key, Math.max(last.get(r.key) ?? 0, r.c));
    const expected = new Map<string, number>();
    for (const r of records) expected.set(r.k, (expected.get(r.k) ?? 0) + 1);
    expect(Object.fromEntries(last)).toEqual(Object.fromEntries(expected));
    expect(results.length).toBe(records.length);
  }, 120_000);

  it("says what it needs when the output directory is missing", async () => {
    const run = await finished(startCli(["bundle", "job.json"]));
    expect(run.code).toBe(1);
    expect(run.out).toContain("usage: eddy bundle");
  });
});
