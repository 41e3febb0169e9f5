/**
 * HTTP ingest under a rate controller (Spark's rate beside Flink's credits, which cannot reach a
 * client that pushes): a client pushing twice what the job takes is answered 429 with a
 * Retry-After, is admitted at the controller's rate, and every record it got accepted reaches the
 * output exactly once. Durable Objects in workerd, storage on disk.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awaitFinished } from "./testing/edge-client.ts";
import { EdgeDeployment } from "./testing/edge-deployment.ts";
import { type IngestStats, endIngest, postBatch } from "./testing/ingest-client.ts";
import { type Reading, readings } from "./testing/window-sums.ts";

/** The rate the controller holds the source to (its maxRate), records/s. */
const RATE = 100;
const BATCH = 20;

describe("HTTP ingest admits at the rate controller's rate (workerd)", () => {
  let edge: EdgeDeployment;

  beforeAll(async () => {
    edge = await EdgeDeployment.start("rate", {
      receiver: true,
      spec: ({ receiver }) => ({
        name: "rated window sums",
        parallelism: 1,
        // Records go to the webhook as they come: refused batches are sent again later, and each
        // accepted record must arrive once whenever it was accepted.
        sources: [{ type: "ingest", name: "readings", timestampField: "ts", rateController: { intervalMs: 200, initialRate: RATE, maxRate: RATE } }],
        operators: [{ type: "map", select: ["k", "v", "ts"] }],
        sinks: [{ type: "webhook", url: receiver.url, maxRecordsPerRequest: 50 }],
        checkpointing: { interval: 200 },
      }),
    });
  }, 60_000);
  afterAll(async () => {
    await edge?.close();
  });

  it("answers a client pushing twice the rate with 429s at that rate, and loses no accepted record", async () => {
    const { server, receiver, jobId } = edge;
    const records = readings(11, 1_200);
    const batches: Reading[][] = [];
    for (let i = 0; i < records.length; i += BATCH) batches.push(records.slice(i, i + BATCH));
    const post = async (i: number): Promise<Response> =>
      fetch(`${server.url}/jobs/${jobId}/ingest/readings`, { method: "POST", headers: { "content-type": "application/json", "idempotency-key": `b${i}` }, body: JSON.stringify(batches[i]) });

    // Twice the rate: a batch every BATCH / (2 * RATE) s. Refused batches are kept for later.
    const refused: number[] = [];
    let next = 0;
    let measuredFrom: number | undefined;
    let acceptedSince = 0;
    const retryAfters: number[] = [];
    const interval = (BATCH / (2 * RATE)) * 1000;
    while (next < batches.length && (measuredFrom === undefined || Date.now() - measuredFrom < 3_000)) {
      const i = next++;
      const started = Date.now();
      const res = await post(i);
      const body = (await res.json()) as { errors?: string[] };
      if (res.status === 429) {
        // Admission is in force from the first refusal on: measure from there.
        measuredFrom ??= Date.now();
        retryAfters.push(Number(res.headers.get("retry-after")));
        expect(body.errors?.[0]).toMatch(new RegExp(`ingest source "readings" admits ${RATE} records/s \\(its rate controller's rate\\); retry after \\d+ s`));
        refused.push(i);
      } else {
        expect(res.status, JSON.stringify(body)).toBe(200);
        if (measuredFrom !== undefined) acceptedSince += batches[i]!.length;
      }
      await new Promise((r) => setTimeout(r, Math.max(0, interval - (Date.now() - started))));
    }
    expect(measuredFrom).toBeDefined();
    const seconds = (Date.now() - measuredFrom!) / 1000;
    // Admitted at the rate: about half of what was pushed, never more than the rate allows (a
    // bucket empty at the first refusal, refilled at RATE, plus one batch).
    expect(acceptedSince).toBeLessThanOrEqual(RATE * seconds + BATCH);
    expect(acceptedSince).toBeGreaterThanOrEqual(RATE * seconds * 0.5);
    expect(refused.length).toBeGreaterThan(0);
    for (const s of retryAfters) expect(s).toBeGreaterThanOrEqual(1);

    // The rest, and the refused batches again, as a careful client sends them (Retry-After honoured).
    const stats: IngestStats = { backpressured: 0, duplicates: 0, unanswered: 0 };
    const url = (): string => server.url;
    for (const i of [...refused, ...Array.from({ length: batches.length - next }, (_, k) => next + k)]) await postBatch(url, jobId, "readings", batches[i]!, `b${i}`, stats, 120_000);
    expect(stats.duplicates).toBe(0);
    await endIngest(url, jobId, "readings");

    const canonical = (rs: readonly unknown[]): string[] => (rs as Reading[]).map((r) => JSON.stringify([r.k, r.v, r.ts])).sort();
    const expected = canonical(records);
    await receiver.waitForRecords(expected.length);
    await awaitFinished(server.url, jobId, 60_000);
    expect(receiver.conflicting).toBe(0);
    expect(canonical(receiver.records)).toEqual(expected);
  }, 240_000);
});
