/**
 * A client of an edge job's HTTP ingest source for the tests, as a careful producer writes one:
 * each batch goes with an idempotency key and is sent again under the same key until it is
 * answered 200 (after a 429 it waits the Retry-After; while workerd is down it retries).
 */

/** How posting went. */
export interface IngestStats {
  /** 429 answers (the job was behind). */
  backpressured: number;
  /** Answers saying the key was taken before (a retry of a post that had been durable). */
  duplicates: number;
  /** Posts that got no answer (workerd was down) and were sent again. */
  unanswered: number;
}

/** Posts `records` under `key` until they are durable. */
export async function postBatch(url: () => string, jobId: string, source: string, records: readonly unknown[], key: string, stats: IngestStats, deadlineMs = 60_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    if (Date.now() > deadline) throw new Error(`[eddy] batch ${key} was not taken within ${deadlineMs} ms`);
    let res: Response;
    try {
      res = await fetch(`${url()}/jobs/${jobId}/ingest/${source}`, { method: "POST", headers: { "content-type": "application/json", "idempotency-key": key }, body: JSON.stringify(records), signal: AbortSignal.timeout(10_000) });
    } catch {
      stats.unanswered++;
      await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    const body = (await res.json()) as { duplicate?: boolean; errors?: string[] };
    if (res.status === 200) {
      if (body.duplicate === true) stats.duplicates++;
      return;
    }
    if (res.status === 429) {
      stats.backpressured++;
      await new Promise((r) => setTimeout(r, Number(res.headers.get("retry-after") ?? 1) * 1000));
      continue;
    }
    // A restarting deployment may answer 5xx once; anything else is a failure of the test.
    if (res.status >= 500) {
      stats.unanswered++;
      await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    throw new Error(`[eddy] POST ingest ${key}: HTTP ${res.status} ${JSON.stringify(body)}`);
  }
}

/** Ends an ingest source (retried while workerd is down). */
export async function endIngest(url: () => string, jobId: string, source: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await fetch(`${url()}/jobs/${jobId}/ingest/${source}/end`, { method: "POST" });
      if (res.ok) return;
      if (res.status < 500 || attempt > 50) throw new Error(`[eddy] ending ${source}: HTTP ${res.status} ${await res.text()}`);
    } catch (error) {
      if (attempt > 50) throw error;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
