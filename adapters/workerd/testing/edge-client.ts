/** HTTP helpers of the edge tests: JSON calls and waiting for a job's state. */

/** A JSON answer. */
export interface JsonAnswer {
  readonly status: number;
  readonly json: any;
  readonly headers: Headers;
}

/** Sends `body` as JSON and reads the JSON answer. */
export async function postJson(base: string, route: string, body: unknown, headers: Record<string, string> = {}): Promise<JsonAnswer> {
  const res = await fetch(`${base}${route}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json, headers: res.headers };
}

/** Submits a job spec (`POST /jobs`); its id. Throws unless the job was accepted (202). */
export async function submitJob(base: string, spec: unknown): Promise<string> {
  const submitted = await postJson(base, "/jobs", spec);
  if (submitted.status !== 202) throw new Error(`[eddy] POST /jobs answered ${submitted.status}, expected 202: ${JSON.stringify(submitted.json)}`);
  return submitted.json.jobid as string;
}

/** Reads a JSON resource; throws on an error status. */
export async function getJson(base: string, route: string): Promise<any> {
  const res = await fetch(`${base}${route}`);
  const json = await res.json();
  if (!res.ok) throw new Error(`GET ${route}: HTTP ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** Polls `/jobs/:id` until its state is one of `states`; returns the job's details. */
export async function awaitJob(base: string, id: string, states: readonly string[], timeoutMs: number): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  let last: any;
  for (;;) {
    try {
      last = await getJson(base, `/jobs/${id}`);
      if (states.includes(last.state)) return last;
    } catch (error) {
      last = String(error);
    }
    if (Date.now() > deadline) throw new Error(`[eddy] job ${id} did not reach ${states.join(" or ")} within ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits for the job to end; its details. Throws, with the job, unless it ended FINISHED. */
export async function awaitFinished(base: string, id: string, timeoutMs: number): Promise<any> {
  const job = await awaitJob(base, id, ["FINISHED", "FAILED", "CANCELED"], timeoutMs);
  if (job.state !== "FINISHED") throw new Error(`[eddy] job ${id} ended ${job.state}, expected FINISHED: ${JSON.stringify(job)}`);
  return job;
}
