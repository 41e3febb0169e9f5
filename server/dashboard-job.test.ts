/**
 * The dashboard's view of one job, as a person sees it in Debian's chromium (playwright-core):
 * the graph of a three-vertex job with its edges, the checkpoint history, exceptions with their
 * root cause, per-subtask watermarks, the records/s chart, and the cancel and savepoint buttons on
 * servers with and without a token. Screenshots land in `$TMPDIR/eddy-dashboard/`.
 */
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { type Browser, type Locator, type Page, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { serve } from "../adapters/node/serve.ts";
import { RestartStrategies, StreamExecutionEnvironment } from "../core/index.ts";
import { type EddyApp, createApp } from "./app.ts";
import { JobRegistry } from "./job-registry.ts";
import type { RunningServer } from "./serve.ts";
import { TEST_TOKEN, eventually } from "./testing/fixtures.ts";

const CHROMIUM = "/usr/bin/chromium";
const screenshots = path.join(tmpdir(), "eddy-dashboard");

/** Three vertices: the filter's parallelism of 1 cuts a rebalance between the sources and it, keyBy a hash exchange after it. */
const threeVertices = (name: string) => ({
  name,
  parallelism: 2,
  sources: [{ type: "generator", shape: "page-views", ratePerSecond: 2_000 }],
  operators: [
    { type: "filter", field: "page", op: "!=", value: "", parallelism: 1 },
    { type: "keyBy", field: "page" },
    { type: "window", kind: "tumbling", time: "event", size: 200 },
    { type: "aggregate", fn: "count", as: "views" },
  ],
  sinks: [{ type: "collect", maxRecords: 100 }],
  checkpointing: { interval: 200 },
});

/** A table as its reader sees it: one object per body row, keyed by the column headers. */
function readTable(table: Locator): Promise<Record<string, string>[]> {
  return table.evaluate((t: HTMLTableElement) => {
    const heads = Array.from(t.tHead!.rows[0]!.cells, (c) => c.innerText.trim());
    return Array.from(t.tBodies[0]!.rows, (r) => Object.fromEntries(Array.from(r.cells, (c, i) => [heads[i]!, c.innerText.trim()])));
  });
}

interface Served {
  app: EddyApp;
  registry: JobRegistry;
  server: RunningServer;
  call(method: string, route: string, body?: unknown): Promise<any>;
}

async function start(options: { token?: string; publicReads?: boolean } = {}): Promise<Served> {
  const registry = new JobRegistry();
  const app = createApp({ registry, ...options });
  const server = await serve(app);
  const call = async (method: string, route: string, body?: unknown): Promise<any> => {
    const res = await fetch(`${server.url}${route}`, {
      method,
      headers: { ...(options.token !== undefined ? { authorization: `Bearer ${options.token}` } : {}), ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json();
    if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  return { app, registry, server, call };
}

describe("regression #14.3: the dashboard shows a job as Flink's web UI does, and acts on it", () => {
  let open: Served;
  let guarded: Served;
  let browser: Browser | undefined;

  beforeAll(async () => {
    [open, guarded] = await Promise.all([start(), start({ token: TEST_TOKEN, publicReads: true })]);
    await mkdir(screenshots, { recursive: true });
    // CI installs it (.ci/run); a missing browser must fail the suite, never skip it.
    if (!existsSync(CHROMIUM)) throw new Error(`[eddy] the dashboard test needs Debian's chromium at ${CHROMIUM}: install the package with \`apt-get install -y chromium\``);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
  });
  afterAll(async () => {
    await browser?.close();
    for (const s of [open, guarded]) {
      await s?.app.shutdown();
      await s?.server.close();
    }
  });

  /** A tab on `served` that records page errors and every URL it loads, with a screenshot if the test fails. */
  const openPage = async (served: Served, shot: string): Promise<{ page: Page; pageErrors: string[]; loaded: string[] }> => {
    const page = await browser!.newPage({ viewport: { width: 1400, height: 900 } });
    const pageErrors: string[] = [];
    const loaded: string[] = [];
    page.setDefaultTimeout(10_000);
    page.on("pageerror", (e) => pageErrors.push(e.message));
    page.on("request", (r) => loaded.push(r.url()));
    // A refused request is logged by the browser; the page answers it by asking for the token. A job without checkpointing has no statistics (404).
    page.on("console", (m) => (m.type() === "error" && !/status of 40[13]/.test(m.text()) && !(/status of 404/.test(m.text()) && m.location().url.endsWith("/checkpoints")) ? pageErrors.push(`${m.text()} (${m.location().url})`) : undefined));
    page.on("dialog", (d) => void d.accept());
    onTestFailed(async () => {
      await page.screenshot({ path: path.join(screenshots, `${shot}-failed.png`), fullPage: true }).catch(() => {});
    });
    await page.goto(`${served.server.url}/`);
    return { page, pageErrors, loaded };
  };
  const jobSection = (page: Page, name: string, jobid: string): Locator => page.getByRole("region", { name, exact: true }).filter({ hasText: jobid });

  it("draws the graph of a three-vertex job with its edges, parallelism, backpressure colour and busy time, and its records/s and watermarks", async () => {
    const spec = threeVertices("three vertices");
    const { jobid } = await open.call("POST", "/jobs", spec);
    const { page, pageErrors, loaded } = await openPage(open, "graph");
    const job = jobSection(page, spec.name, jobid);
    await job.getByText("RUNNING", { exact: true }).waitFor();

    // The vertices by their ids, named and sized as the API has them; the edges as the spec makes them.
    const { vertices } = await open.call("GET", `/jobs/${jobid}`);
    const [source, filter, window] = vertices as { id: string; name: string; parallelism: number }[];
    expect(vertices.map((v: { parallelism: number }) => v.parallelism)).toEqual([2, 1, 2]);
    const graph = job.getByRole("img", { name: `Job graph of ${spec.name}` });
    const nodes = await graph.locator("g.node").evaluateAll((gs) =>
      gs.map((g) => ({ id: g.getAttribute("data-vertex"), level: g.getAttribute("data-level"), fill: g.querySelector("rect")!.getAttribute("fill"), text: g.textContent })),
    );
    expect(nodes.map((n) => n.id)).toEqual([source!.id, filter!.id, window!.id]);
    for (const [i, n] of nodes.entries()) {
      expect(n.text).toContain(`×${vertices[i].parallelism}`);
      expect(n.text).toMatch(/busy \d+%/);
      expect(n.level).toMatch(/^(ok|low|high)$/);
      expect(n.fill).toBe({ ok: "#e3f4e8", low: "#fff4cc", high: "#fbdad7" }[n.level!]);
    }
    const edges = await graph.locator("g.edge").evaluateAll((gs) => gs.map((g) => [g.getAttribute("data-from"), g.getAttribute("data-to"), g.querySelector("text.ship")!.textContent]));
    expect(edges).toEqual([
      [source!.id, filter!.id, "REBALANCE"],
      [filter!.id, window!.id, "HASH"],
    ]);
    // Edges run left to right: each vertex to the right of its input.
    const x = async (id: string) => Number(await graph.locator(`g.node[data-vertex="${id}"] rect`).getAttribute("x"));
    expect(await x(source!.id)).toBeLessThan(await x(filter!.id));
    expect(await x(filter!.id)).toBeLessThan(await x(window!.id));

    // Records/s over the last minutes: a line once the page has seen two rates.
    const chart = job.getByRole("img", { name: /^Source records per second over the last \d+ min$/ });
    await chart.waitFor();
    expect((await chart.locator("polyline").getAttribute("points"))!.split(" ").length).toBeGreaterThanOrEqual(2);

    // A watermark per subtask of every vertex: 2 + 1 + 2 rows, advancing past "none yet" at the sources.
    const marks = job.getByRole("table", { name: "Watermarks" });
    await expect.poll(async () => (await readTable(marks)).filter((r) => r.Vertex === source!.name && /UTC$/.test(r["Output watermark"]!)).length, { timeout: 10_000 }).toBe(2);
    const rows = await readTable(marks);
    expect(rows.map((r) => [r.Vertex, r.Subtask])).toEqual([[source!.name, "0"], [source!.name, "1"], [filter!.name, "0"], [window!.name, "0"], [window!.name, "1"]]);

    await page.screenshot({ path: path.join(screenshots, "graph.png"), fullPage: true });
    // Everything came from the server itself: nothing from a CDN.
    expect(loaded.filter((u) => !u.startsWith(open.server.url) && !u.startsWith("data:"))).toEqual([]);
    expect(pageErrors).toEqual([]);
    await open.call("PATCH", `/jobs/${jobid}?mode=cancel`);
    await page.close();
  });

  it("shows a source's rate limit as its rate controller sets it, with the delays it observed", async () => {
    const maxRate = 1_500;
    const spec = { name: "rate controlled", sources: [{ type: "generator", shape: "page-views", rateController: { intervalMs: 100, maxRate } }], sinks: [{ type: "collect", maxRecords: 10 }] };
    const { jobid } = await open.call("POST", "/jobs", spec);
    const { vertices } = await open.call("GET", `/jobs/${jobid}`);
    const { page, pageErrors } = await openPage(open, "rate-limit");
    const job = jobSection(page, spec.name, jobid);
    const limit = job.locator(`.rate-limit[data-vertex="${vertices[0].id}"]`);
    await expect.poll(async () => (await limit.innerText().catch(() => "")).replace(/\s+/g, " "), { timeout: 10_000 }).toMatch(/^Rate limit · .+ [\d,]+ records\/s processing delay \d+ ms, scheduling delay \d+ ms$/);
    const shown = Number((await limit.locator("dd").innerText()).replace(/ records\/s.*$/s, "").replace(/,/g, ""));
    // The controller's rate, as the API has it, within its bounds.
    expect(shown).toBeGreaterThan(0);
    expect(shown).toBeLessThanOrEqual(maxRate);
    expect(pageErrors).toEqual([]);
    await open.call("PATCH", `/jobs/${jobid}?mode=cancel`);
    await page.close();
  });

  it("shows a completed checkpoint once one completes, and a savepoint taken with its button", async () => {
    const spec = threeVertices("checkpointed");
    const { jobid } = await open.call("POST", "/jobs", spec);
    const completed = await eventually("a completed checkpoint", async () => (await open.call("GET", `/jobs/${jobid}/checkpoints`)).latest.completed ?? undefined);
    const { page, pageErrors } = await openPage(open, "checkpoints");
    const job = jobSection(page, spec.name, jobid);
    const table = job.getByRole("table", { name: "Checkpoints" });
    await table.waitFor();
    const row = table.locator(`tr[data-checkpoint="${completed.id}"]`);
    // The history keeps the latest ten: the one found may roll out while the page loads, a newer one is then there.
    const shown = (await row.count()) > 0 ? (await readTable(table)).find((r) => r.ID === String(completed.id))! : (await readTable(table)).find((r) => r.Status === "COMPLETED")!;
    expect(shown).toMatchObject({ Type: "checkpoint", Status: "COMPLETED" });
    expect(shown.Duration).toMatch(/^[\d,]+ ms$/);
    expect(shown.Size).toMatch(/^[\d.,]+ (B|KiB|MiB)$/);
    expect(shown.Alignment).toMatch(/^[\d,]+ ms$/);
    // Aligned barriers store no in-flight records.
    expect(shown["In flight"]).toBe("0 B");
    if ((await row.count()) > 0) expect(shown.Duration).toBe(`${completed.end_to_end_duration.toLocaleString("en-US")} ms`);

    await job.getByRole("button", { name: "Savepoint", exact: true }).click();
    const note = job.getByRole("status");
    await note.getByText(/^Savepoint at /).waitFor();
    const { latest } = await open.call("GET", `/jobs/${jobid}/checkpoints`);
    expect(await note.textContent()).toBe(`Savepoint at ${latest.savepoint.external_path}`);
    await expect.poll(async () => (await readTable(table)).some((r) => r.Type === "savepoint" && r.Status === "COMPLETED"), { timeout: 10_000 }).toBe(true);
    await page.screenshot({ path: path.join(screenshots, "checkpoints.png"), fullPage: true });
    expect(pageErrors).toEqual([]);
    await open.call("PATCH", `/jobs/${jobid}?mode=cancel`);
    await page.close();
  });

  it("shows an exception after a failure, with its root cause", async () => {
    const env = StreamExecutionEnvironment.create({ parallelism: 1 });
    env.setRestartStrategy(RestartStrategies.noRestart());
    env
      .fromCollection(["1", "2", "x"])
      .map((s) => {
        if (!/^\d+$/.test(s)) throw new Error(`cannot parse record "${s}"`, { cause: new TypeError(`unexpected token ${s}`) });
        return Number(s);
      })
      .name("parse")
      .print();
    const client = env.prepare("parses numbers");
    client.start();
    open.registry.add(client);
    await eventually("the job to fail", async () => ((await open.call("GET", `/jobs/${client.jobId}/status`)).status === "FAILED" ? true : undefined));

    const { page, pageErrors } = await openPage(open, "exception");
    const job = jobSection(page, "parses numbers", client.jobId);
    await job.getByText("FAILED", { exact: true }).waitFor();
    const exceptions = job.getByRole("region", { name: "Exceptions" });
    const { "root-exception": root } = await open.call("GET", `/jobs/${client.jobId}/exceptions`);
    await exceptions.getByText(root, { exact: true }).waitFor();
    expect(root).toContain('cannot parse record "x"');
    expect(await exceptions.locator(".root-cause").allTextContents()).toEqual(["Root cause: TypeError: unexpected token x"]);
    // The whole trace, causes included, one click away.
    await exceptions.getByText("Stack trace").click();
    await expect.poll(async () => await exceptions.locator("pre").textContent()).toContain("Caused by: TypeError: unexpected token x");
    // Ended: nothing left to cancel or snapshot.
    for (const name of ["Cancel", "Savepoint", "Stop with savepoint"]) expect(await job.getByRole("button", { name, exact: true }).isDisabled()).toBe(true);
    await page.screenshot({ path: path.join(screenshots, "exception.png"), fullPage: true });
    expect(pageErrors).toEqual([]);
    await page.close();
  });

  it("cancels a job with its cancel button on a server without a token", async () => {
    const spec = threeVertices("to cancel");
    const { jobid } = await open.call("POST", "/jobs", spec);
    const { page, pageErrors } = await openPage(open, "cancel");
    const job = jobSection(page, spec.name, jobid);
    await job.getByText("RUNNING", { exact: true }).waitFor();
    await job.getByRole("button", { name: "Cancel", exact: true }).click();
    await job.getByText("CANCELED", { exact: true }).waitFor();
    expect((await open.call("GET", `/jobs/${jobid}/status`)).status).toBe("CANCELED");
    expect(pageErrors).toEqual([]);
    await page.close();
  });

  it("cancels a job on a server with a token only once given the token, which it asks for", async () => {
    const spec = threeVertices("guarded");
    const { jobid } = await guarded.call("POST", "/jobs", spec);
    const { page, pageErrors } = await openPage(guarded, "cancel-token");
    const job = jobSection(page, spec.name, jobid);
    // Reads are open on this server: the job shows without a token.
    await job.getByText("RUNNING", { exact: true }).waitFor();
    await job.getByRole("button", { name: "Cancel", exact: true }).click();
    await page.locator("#login").getByText("This server needs a bearer token for that.").waitFor();
    await job.getByRole("status").getByText("Not done: This server needs a bearer token for that.").waitFor();
    expect((await guarded.call("GET", `/jobs/${jobid}/status`)).status).toBe("RUNNING");
    await page.screenshot({ path: path.join(screenshots, "cancel-needs-token.png"), fullPage: true });

    await page.getByLabel("Bearer token").fill(TEST_TOKEN);
    await page.getByRole("button", { name: "Show jobs" }).click();
    await job.getByRole("button", { name: "Cancel", exact: true }).click();
    await job.getByText("CANCELED", { exact: true }).waitFor();
    expect((await guarded.call("GET", `/jobs/${jobid}/status`)).status).toBe("CANCELED");
    expect(pageErrors).toEqual([]);
    await page.close();
  });
});
