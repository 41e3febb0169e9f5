/**
 * The dashboard at `GET /` as a person sees it: Debian's chromium driven by playwright-core
 * against the API served on Node with a token (which the page asks for), jobs on two worker
 * TaskManagers. Screenshots land in
 * `$TMPDIR/eddy-dashboard/`.
 */
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { type Browser, type Locator, type Page, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { type ServerUnderTest, TEST_TOKEN, callApi, serveOnNode } from "./testing/fixtures.ts";

const CHROMIUM = "/usr/bin/chromium";
const screenshots = path.join(tmpdir(), "eddy-dashboard");

const spec = {
  name: "page views per page",
  parallelism: 2,
  sources: [{ type: "generator", shape: "page-views", ratePerSecond: 4_000, watermark: { maxOutOfOrdernessMs: 0 } }],
  operators: [
    { type: "keyBy", field: "page" },
    { type: "window", kind: "tumbling", time: "event", size: 200 },
    { type: "aggregate", fn: "count", as: "views" },
  ],
  sinks: [{ type: "collect", maxRecords: 1_000 }],
};

/** A table as its reader sees it: one object per body row, keyed by the column headers. */
function readTable(table: Locator): Promise<Record<string, string>[]> {
  return table.evaluate((t: HTMLTableElement) => {
    const heads = Array.from(t.tHead!.rows[0]!.cells, (c) => c.innerText.trim());
    return Array.from(t.tBodies[0]!.rows, (r) => Object.fromEntries(Array.from(r.cells, (c, i) => [heads[i]!, c.innerText.trim()])));
  });
}

const count = (text: string | undefined): number => Number((text ?? "").replace(/[^0-9]/g, ""));

describe("dashboard in chromium", () => {
  let server: ServerUnderTest;
  let browser: Browser | undefined;

  const api = (method: string, route: string, body?: unknown): Promise<any> => callApi(server, method, route, body);

  beforeAll(async () => {
    server = await serveOnNode({ taskManagers: 2 });
    await mkdir(screenshots, { recursive: true });
    // CI installs it (.ci/run); a missing browser must fail the suite, never skip it.
    if (!existsSync(CHROMIUM)) throw new Error(`[eddy] the dashboard test needs Debian's chromium at ${CHROMIUM}: install the package with \`apt-get install -y chromium\``);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
  });

  /** A tab that records page errors, with a screenshot if the test fails. */
  const openPage = async (shot: string): Promise<{ page: Page; pageErrors: string[] }> => {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 720 } });
    const pageErrors: string[] = [];
    page.setDefaultTimeout(5_000);
    page.on("pageerror", (e) => pageErrors.push(e.message));
    // A refused request is logged by the browser; the page answers it by asking for the token.
    page.on("console", (m) => (m.type() === "error" && !/status of 40[13]/.test(m.text()) ? pageErrors.push(`${m.text()} (${m.location().url})`) : undefined));
    onTestFailed(async () => {
      await page.screenshot({ path: path.join(screenshots, `${shot}-failed.png`), fullPage: true }).catch(() => {});
    });
    return { page, pageErrors };
  };
  const enterToken = async (page: Page, token: string): Promise<void> => {
    await page.getByLabel("Bearer token").fill(token);
    await page.getByRole("button", { name: "Show jobs" }).click();
  };

  it("regression #13.10: asks for the token, keeps it for the tab and sends it with every call", async () => {
    const { jobid } = await api("POST", "/jobs", spec);
    const { page, pageErrors } = await openPage("token");
    await page.goto(`${server.url}/`);
    const form = page.locator("#login");
    await form.getByText("This server needs a bearer token to show its jobs.").waitFor();
    expect(await page.locator("#jobs").textContent()).toBe("");
    await page.screenshot({ path: path.join(screenshots, "token.png"), fullPage: true });

    await enterToken(page, "wrong-token");
    await form.getByText("The token was not accepted: enter the server's token.").waitFor();
    expect(await page.locator("#jobs").textContent()).toBe("");

    await enterToken(page, TEST_TOKEN);
    const job = page.getByRole("region", { name: spec.name }).filter({ hasText: jobid });
    await job.getByText("RUNNING", { exact: true }).waitFor();
    expect(await form.isVisible()).toBe(false);

    // Kept for this tab: a reload shows the jobs at once; another tab asks again.
    await page.reload();
    await job.getByText("RUNNING", { exact: true }).waitFor();
    expect(await form.isVisible()).toBe(false);
    const other = await openPage("token-other-tab");
    await other.page.goto(`${server.url}/`);
    await other.page.locator("#login").getByText("This server needs a bearer token").waitFor();
    await other.page.close();

    await api("PATCH", `/jobs/${jobid}?mode=cancel`);
    expect(pageErrors).toEqual([]);
    expect(other.pageErrors).toEqual([]);
    await page.close();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("shows a submitted job running with its vertices and live counts, then canceled", async () => {
    const { page, pageErrors } = await openPage("job");
    const { jobid } = await api("POST", "/jobs", spec);
    const { vertices } = await api("GET", `/jobs/${jobid}`);

    await page.goto(`${server.url}/`);
    await enterToken(page, TEST_TOKEN);
    const job = page.getByRole("region", { name: spec.name }).filter({ hasText: jobid });
    await job.getByText("RUNNING", { exact: true }).waitFor({ timeout: 5_000 });
    await expect(job.textContent()).resolves.toContain(jobid);

    const table = job.getByRole("table");
    const sourceRate = async () => (await job.locator("dl div", { hasText: "Source rate" }).locator("dd").textContent())?.trim();
    const rows = await readTable(table);
    expect(rows.map((r) => r.Vertex)).toEqual(vertices.map((v: { name: string }) => v.name));
    expect(rows[0]).toMatchObject({ Vertex: expect.stringMatching(/^Source: generator/), "Records in": "source" });
    for (const row of rows) {
      expect(row.Parallelism).toBe("2");
      expect(row["Records out"]).toMatch(/^[0-9,]+$/);
      expect(row.Backpressure).toMatch(/^(OK|LOW|HIGH)\b/);
    }
    // Where each subtask runs: the TaskManagers the API names, one per subtask.
    const placement = vertices.map((v: { subtasks: { subtask: number; "taskmanager-id": string }[] }) => v.subtasks.map((s) => `${s.subtask}: ${s["taskmanager-id"]}`).join(" · "));
    expect(rows.map((r) => r["Subtasks on"])).toEqual(placement);
    for (const p of placement) expect(p).toMatch(/^0: tm-\d+ · 1: tm-\d+$/);

    // The TaskManagers with their slots in use (the job's two), heap and a recent heartbeat.
    const { taskmanagers } = await api("GET", "/taskmanagers");
    const tmTable = page.getByRole("region", { name: "TaskManagers" }).getByRole("table");
    const tmRows = await readTable(tmTable);
    expect(tmRows.map((r) => r.TaskManager)).toEqual(taskmanagers.map((tm: { id: string }) => tm.id));
    expect(tmRows.map((r) => r["Slots used"])).toEqual(taskmanagers.map((tm: { slotsNumber: number; freeSlots: number }) => `${tm.slotsNumber - tm.freeSlots} / ${tm.slotsNumber}`));
    expect(tmRows.reduce((n, r) => n + Number(r["Slots used"]!.split(" / ")[0]), 0)).toBe(2);
    await expect.poll(async () => (await readTable(tmTable)).every((r) => /^\d+\.\d MiB of \d+\.\d MiB$/.test(r.Heap!)), { timeout: 5_000, interval: 200 }).toBe(true);
    for (const r of await readTable(tmTable)) expect(Number(/^([\d.]+) s ago$/.exec(r["Last heartbeat"]!)?.[1])).toBeLessThan(5);

    // Live numbers: what the source emitted grows between two reads, and flows into the next vertex.
    const first = count(rows[0]!["Records out"]);
    await expect.poll(async () => count((await readTable(table))[0]!["Records out"]), { timeout: 5_000, interval: 200 }).toBeGreaterThan(first);
    await expect.poll(async () => count((await readTable(table))[1]!["Records in"]), { timeout: 5_000, interval: 200 }).toBeGreaterThan(0);
    await expect.poll(async () => count(await sourceRate()), { timeout: 5_000 }).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(screenshots, "running.png"), fullPage: true });

    await api("PATCH", `/jobs/${jobid}?mode=cancel`);
    await job.getByText("CANCELED", { exact: true }).waitFor({ timeout: 10_000 });
    // An ended job shows no rate or backpressure any more, only what it did.
    expect(await sourceRate()).toBe("–");
    expect((await readTable(table)).map((r) => r.Backpressure)).toEqual(rows.map(() => "ended"));
    await page.screenshot({ path: path.join(screenshots, "canceled.png"), fullPage: true });

    expect(await page.locator("#error").isVisible(), "the page's error line").toBe(false);
    expect(pageErrors).toEqual([]);
  });
});
