/**
 * WebSocket ingest from a browser on a deployment with a bearer token: a browser cannot set an
 * Authorization header on a WebSocket, so chromium (driven by playwright-core) carries the token
 * as a subprotocol beside "eddy.ingest". Without the token, or with a wrong one, the socket never
 * opens; with it the socket opens under "eddy.ingest" (a browser fails a handshake whose answer
 * names none of the offered subprotocols), and what the page sent is the job's whole input: the
 * webhook receiver gets the reference output. Durable Objects in workerd, storage on disk.
 */
import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awaitFinished, postJson } from "./testing/edge-client.ts";
import { EdgeDeployment } from "./testing/edge-deployment.ts";
import { ingestSocketUrl } from "./testing/ws-ingest-client.ts";
import { canonicalSums, readings, windowSumOperators, windowSums } from "./testing/window-sums.ts";

const CHROMIUM = "/usr/bin/chromium";
const TOKEN = "edge/ingest+token=";
const AUTH = { authorization: `Bearer ${TOKEN}` };

/** What the page saw of one socket: whether it opened, under which subprotocol, and the answers to its messages. */
interface PageSocket {
  readonly opened: boolean;
  readonly protocol: string;
  readonly answers: { key: string; status: number; accepted?: number }[];
}

describe("WebSocket ingest from a browser, the token carried as a subprotocol (workerd)", () => {
  let edge: EdgeDeployment;
  let browser: Browser | undefined;

  beforeAll(async () => {
    // Reads are public here (the job's state is polled without the token); records in are not.
    edge = await EdgeDeployment.start("browser", { receiver: true, env: { EDDY_TOKEN: TOKEN, EDDY_PUBLIC_READS: "true" } });
    // CI installs it (.ci/run); a missing browser must fail the suite, never skip it.
    if (!existsSync(CHROMIUM)) throw new Error(`[eddy] this test needs Debian's chromium at ${CHROMIUM}: install the package with \`apt-get install -y chromium\``);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"] });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await edge?.close();
  });

  it("opens only with the token, names the ingest protocol, and every record sent reaches the output", async () => {
    const { server, receiver } = edge;
    const submitted = await postJson(server.url, "/jobs", {
      name: "browser window sums",
      parallelism: 1,
      sources: [{ type: "ingest", name: "readings", timestampField: "ts" }],
      operators: windowSumOperators,
      sinks: [{ type: "webhook", url: receiver.url, maxRecordsPerRequest: 50 }],
      checkpointing: { interval: 200 },
    }, AUTH);
    expect(submitted.status, JSON.stringify(submitted.json)).toBe(202);
    const jobId = submitted.json.jobid as string;

    const records = readings(5, 300);
    const batches = Array.from({ length: 10 }, (_, i) => ({ key: `page-${i}`, records: records.slice(i * 30, (i + 1) * 30) }));
    const page = await browser!.newPage();
    // A page of the deployment's own origin (the dashboard is open without the token).
    await page.goto(`${server.url}/`);
    const socket = (protocols: string[], messages: unknown[]): Promise<PageSocket> =>
      page.evaluate(
        ({ url, protocols, messages }) =>
          new Promise<PageSocket>((resolve) => {
            const ws = new WebSocket(url, protocols);
            const answers: PageSocket["answers"] = [];
            let opened = false;
            ws.onopen = () => {
              opened = true;
              // One message at a time, each sent once the one before it is answered.
              const next = (): void => (answers.length < messages.length ? ws.send(JSON.stringify(messages[answers.length])) : ws.close());
              ws.onmessage = (event) => {
                answers.push(JSON.parse(String(event.data)));
                next();
              };
              next();
            };
            ws.onclose = () => resolve({ opened, protocol: ws.protocol, answers });
          }),
        { url: ingestSocketUrl(server.url, jobId, "readings"), protocols, messages },
      );
    const base64url = (s: string): string => Buffer.from(s, "utf8").toString("base64url");

    const without = await socket(["eddy.ingest"], batches);
    expect(without.opened).toBe(false);
    const wrong = await socket(["eddy.ingest", `eddy.bearer.${base64url("not-the-token")}`], batches);
    expect(wrong.opened).toBe(false);

    const opened = await socket(["eddy.ingest", `eddy.bearer.${base64url(TOKEN)}`], batches);
    expect(opened.opened).toBe(true);
    expect(opened.protocol).toBe("eddy.ingest");
    expect(opened.answers).toEqual(batches.map((b) => ({ key: b.key, status: 200, accepted: b.records.length, duplicate: false })));
    await page.close();

    const ended = await postJson(server.url, `/jobs/${jobId}/ingest/readings/end`, {}, AUTH);
    expect(ended.status, JSON.stringify(ended.json)).toBe(200);
    await awaitFinished(server.url, jobId, 60_000);
    expect(canonicalSums(receiver.records)).toEqual(windowSums(records));
  }, 120_000);
});
