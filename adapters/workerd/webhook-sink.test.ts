import { type Server, createServer } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { MemoryCheckpointStorage, RestartStrategies, StreamExecutionEnvironment } from "../../core/index.ts";
import type { WebhookBody } from "./webhook-sink.ts";
import { WebhookSink } from "./webhook-sink.ts";

/** A receiver answering each request with what `answer` says; it records what it was sent. */
async function receiver(answer: (n: number) => { status: number; headers?: Record<string, string> }): Promise<{ url: string; requests: { key: string; body: WebhookBody; status: number }[]; server: Server }> {
  const requests: { key: string; body: WebhookBody; status: number }[] = [];
  const server = createServer((req, res) => {
    let text = "";
    req.on("data", (c: Uint8Array) => (text += String(c)));
    req.on("end", () => {
      const a = answer(requests.length);
      requests.push({ key: String(req.headers["idempotency-key"]), body: JSON.parse(text) as WebhookBody, status: a.status });
      res.writeHead(a.status, a.headers ?? {}).end(a.status >= 400 ? "no" : "{}");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`, requests, server };
}

function job(url: string, values: number[]) {
  const env = StreamExecutionEnvironment.create({ parallelism: 1 });
  env.enableCheckpointing(50, { storage: new MemoryCheckpointStorage() });
  env.setRestartStrategy(RestartStrategies.noRestart());
  env.fromCollection(values).sinkTo(new WebhookSink<number>({ url, idempotencyKeyPrefix: "job-1", maxRecordsPerRequest: 3, initialBackoffMs: 5, attempts: 4 }));
  return env;
}

describe("the webhook sink", () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((r) => (server === undefined ? r() : server.close(() => r()))));

  it("retries 503 and 429 answers under the same key and body, and delivers every record once per key", async () => {
    const values = Array.from({ length: 10 }, (_, i) => i * 3);
    const r = await receiver((n) => (n === 0 ? { status: 503 } : n === 1 ? { status: 429, headers: { "retry-after": "0" } } : { status: 200 }));
    server = r.server;
    await job(r.url, values).execute("webhook");
    const byKey = new Map<string, { body: WebhookBody; ok: boolean }>();
    for (const q of r.requests) {
      const seen = byKey.get(q.key);
      // A retry carries exactly what the first attempt did.
      if (seen !== undefined) expect(q.body).toEqual(seen.body);
      byKey.set(q.key, { body: q.body, ok: (seen?.ok ?? false) || q.status === 200 });
    }
    expect(r.requests.filter((q) => q.status !== 200).length).toBe(2);
    expect([...byKey.values()].every((d) => d.ok)).toBe(true);
    const records = [...byKey.values()].flatMap((d) => d.body.records as number[]);
    expect(records.sort((a, b) => a - b)).toEqual(values);
    for (const [key, d] of byKey) {
      expect(key).toMatch(/^job-1\/0\/\d+\/\d+$/);
      expect(d.body.records.length).toBeLessThanOrEqual(3);
    }
  });

  it("fails the job on an answer that is not retried, naming the URL and the answer", async () => {
    const r = await receiver(() => ({ status: 400 }));
    server = r.server;
    await expect(job(r.url, [1, 2, 3]).execute("webhook")).rejects.toThrow(/answered 400/);
    expect(r.requests.length).toBe(1);
  });
});
