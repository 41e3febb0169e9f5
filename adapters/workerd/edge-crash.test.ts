/**
 * workerd killed (SIGKILL) in the middle of a stream and started again on the same on-disk
 * storage: the job comes back by itself from its last completed checkpoint (its JobManager's
 * alarm wakes it; no client asks), and the webhook receiver sees exactly the reference output,
 * nothing lost or duplicated, for several seeds and kill points.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awaitFinished, getJson, submitJob } from "./testing/edge-client.ts";
import { EdgeDeployment } from "./testing/edge-deployment.ts";
import { type IngestStats, endIngest, postBatch } from "./testing/ingest-client.ts";
import { WebhookReceiver } from "./testing/webhook-receiver.ts";
import { canonicalSums, readings, windowSumOperators, windowSums } from "./testing/window-sums.ts";

const BATCH = 25;
const OUT_OF_ORDERNESS_MS = 50;
/** How long the test sends nothing after the restart (the JobManager's alarm comes every second). */
const QUIET_MS = 5_000;

/** Seeds, where the input is cut by the kill (a fraction of it), and how long after its last post workerd is killed. */
const CASES = [
  { seed: 1, killAt: 0.3, delayMs: 0 },
  { seed: 2, killAt: 0.5, delayMs: 120 },
  { seed: 3, killAt: 0.7, delayMs: 40 },
] as const;

/** Waits until the job has completed a checkpoint; its id. */
async function completedCheckpoint(url: string, jobId: string): Promise<number> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const latest = (await getJson(url, `/jobs/${jobId}/checkpoints`)).latest;
    if (latest.completed !== null) return latest.completed.id as number;
    if (Date.now() > deadline) throw new Error(`[eddy] job ${jobId} completed no checkpoint within 20 s: ${JSON.stringify(latest)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("regression #11: a job on Durable Objects survives workerd being killed mid-stream", () => {
  let edge: EdgeDeployment;

  beforeAll(async () => {
    edge = await EdgeDeployment.start("crash");
  }, 60_000);
  afterAll(async () => {
    await edge?.close();
  });

  for (const { seed, killAt, delayMs } of CASES) {
    it(`seed ${seed}: killed after ${killAt * 100}% of the input (+${delayMs} ms), it resumes by itself and the receiver gets the reference output exactly once`, async () => {
      const { server } = edge;
      // A receiver of its own for each case: what it takes is this case's output only.
      const receiver = await WebhookReceiver.start();
      try {
        const records = readings(seed, 500);
        const jobId = await submitJob(server.url, {
          name: `crash ${seed}`,
          parallelism: 2,
          sources: [{ type: "ingest", name: "readings", timestampField: "ts", watermark: { maxOutOfOrdernessMs: OUT_OF_ORDERNESS_MS } }],
          operators: windowSumOperators,
          sinks: [{ type: "webhook", url: receiver.url, maxRecordsPerRequest: 5 }],
          checkpointing: { interval: 150 },
          restartStrategy: { type: "fixed-delay", attempts: 5, delay: 100 },
        });
        const stats: IngestStats = { backpressured: 0, duplicates: 0, unanswered: 0 };
        const url = (): string => server.url;
        const batches = Math.ceil(records.length / BATCH);
        const cut = Math.round(batches * killAt);
        for (let i = 0; i < cut; i++) await postBatch(url, jobId, "readings", records.slice(i * BATCH, (i + 1) * BATCH), `b${i}`, stats);
        // The kill comes after a checkpoint has completed, so there is one to resume from.
        const lastBeforeKill = await completedCheckpoint(server.url, jobId);
        await new Promise((r) => setTimeout(r, delayMs));
        await server.kill();
        const quietFrom = Date.now();
        await server.restart();

        // No request reaches the deployment for a while: the job comes back only if its
        // JobManager's alarm brings it back: its restore, shown once asked, happened before.
        await new Promise((r) => setTimeout(r, QUIET_MS));
        const asked = Date.now();
        const checkpoints = await getJson(server.url, `/jobs/${jobId}/checkpoints`);
        // The job ran on by itself: checkpoints were taken and completed in the quiet time, with
        // ids going on from those stored before the kill (it resumed from storage, not anew).
        const completed = checkpoints.latest.completed as { id: number; trigger_timestamp: number } | null;
        expect(completed, JSON.stringify(checkpoints.latest)).not.toBeNull();
        expect(completed!.trigger_timestamp).toBeGreaterThanOrEqual(quietFrom);
        expect(completed!.trigger_timestamp).toBeLessThan(asked);
        expect(completed!.id).toBeGreaterThan(lastBeforeKill);
        // It says what it resumed from: the last checkpoint completed before the kill (at least the
        // one seen before it), restored after the restart and before the checkpoints that followed.
        const restored = checkpoints.latest.restored as { id: number; restore_timestamp: number; is_savepoint: boolean } | null;
        expect(restored, JSON.stringify(checkpoints.latest)).not.toBeNull();
        expect(restored!.id).toBeGreaterThanOrEqual(lastBeforeKill);
        expect(restored!.id).toBeLessThan(completed!.id);
        expect(restored!.is_savepoint).toBe(false);
        expect(restored!.restore_timestamp).toBeGreaterThanOrEqual(quietFrom);
        expect(restored!.restore_timestamp).toBeLessThanOrEqual(completed!.trigger_timestamp);
        expect(checkpoints.counts.restored).toBeGreaterThanOrEqual(1);

        for (let i = cut; i < batches; i++) await postBatch(url, jobId, "readings", records.slice(i * BATCH, (i + 1) * BATCH), `b${i}`, stats);
        await endIngest(url, jobId, "readings");
        await awaitFinished(server.url, jobId, 60_000);
        expect(receiver.withoutKey).toBe(0);
        expect(receiver.conflicting).toBe(0);
        expect(canonicalSums(receiver.records)).toEqual(windowSums(records));
      } finally {
        await receiver.close();
      }
    }, 150_000);
  }
});
