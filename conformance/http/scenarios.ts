/**
 * The HTTP-level scenarios: what a user of a deployed Eddy's REST API relies on, whatever runs
 * it (`eddy serve` on Node, Deno or Bun, a Worker, Durable Objects). Each computes its expected
 * answer itself, from the records it submits.
 */
import { check } from "../checks.ts";
import { compareOutputs } from "../compare.ts";
import { SeededRandom } from "../random.ts";
import type { HttpApi } from "./api.ts";

/** What an HTTP scenario gets. */
export interface HttpContext {
  readonly api: HttpApi;
  /** Why jobs on this deployment do not run on between requests, if they do not (probed once). */
  jobsStall(): Promise<string | undefined>;
}

/** One HTTP-level scenario. */
export interface HttpScenario {
  /** Unique, kebab-case, starting with `http-`. */
  readonly name: string;
  readonly description: string;
  /** Why it cannot run against this deployment, if it cannot. */
  skip?(context: HttpContext): Promise<string | undefined>;
  run(context: HttpContext): Promise<void>;
}

/** A record of the submit-and-watch job, keyed by `user`, its `amount` summed. */
interface Purchase {
  readonly user: string;
  readonly amount: number;
}

function purchases(count: number, seed: number): Purchase[] {
  const random = new SeededRandom(seed);
  return Array.from({ length: count }, () => ({ user: `u${random.int(0, 6)}`, amount: random.int(1, 100) }));
}

/**
 * The amounts of each user's records, sorted. A rolling sum emits one growing total per record
 * (amounts are positive); records of a key may arrive in any order when the source is parallel,
 * so the sorted totals' steps must be exactly that key's amounts.
 */
function amountsByUser(records: readonly Purchase[]): Map<string, number[]> {
  const byUser = new Map<string, number[]>();
  for (const p of records) {
    const list = byUser.get(p.user);
    if (list === undefined) byUser.set(p.user, [p.amount]);
    else list.push(p.amount);
  }
  for (const amounts of byUser.values()) amounts.sort((a, b) => a - b);
  return byUser;
}

/** The steps between each key's sorted totals, sorted: what {@link amountsByUser} gives for the input. */
function stepsByKey(results: readonly { key: string; total: number }[]): Map<string, number[]> {
  const totals = new Map<string, number[]>();
  for (const r of results) {
    const list = totals.get(r.key);
    if (list === undefined) totals.set(r.key, [r.total]);
    else list.push(r.total);
  }
  const steps = new Map<string, number[]>();
  for (const [key, list] of totals) {
    list.sort((a, b) => a - b);
    steps.set(key, list.map((t, i) => t - (i === 0 ? 0 : list[i - 1]!)).sort((a, b) => a - b));
  }
  return steps;
}

async function results(api: HttpApi, jobid: string): Promise<{ total: number; records: unknown[] }> {
  const answer = await api.call("GET", `/jobs/${jobid}/results?limit=100000`);
  check(answer.status === 200, `GET /jobs/${jobid}/results answered ${answer.status}: ${answer.text.slice(0, 300)}`);
  return answer.json;
}

async function submit(api: HttpApi, spec: unknown): Promise<string> {
  const answer = await api.call("POST", "/jobs", spec);
  check(answer.status === 202 && typeof answer.json?.jobid === "string", `POST /jobs answered ${answer.status}, expected 202 with a jobid: ${answer.text.slice(0, 500)}`);
  return answer.json.jobid;
}

const needsRunningJobs = (context: HttpContext): Promise<string | undefined> => context.jobsStall();

/** A job of one parallel source whose every record is `{ n, one: "all" }`, n = 0, 1, 2...: its rolling sum of n under the one key is n(n+1)/2. */
const sequenceJob = (name: string, count: number, ratePerSecond: number, savepoint?: string) => ({
  name,
  parallelism: 1,
  sources: [{ type: "generator", fields: { n: { kind: "sequence" }, one: { kind: "choice", values: ["all"] } }, count, ratePerSecond }],
  operators: [{ type: "keyBy", field: "one" }, { type: "aggregate", fn: "sum", field: "n", as: "total" }],
  sinks: [{ type: "collect", maxRecords: count }],
  checkpointing: { interval: 100 },
  ...(savepoint !== undefined ? { savepoint: { path: savepoint } } : {}),
});

const overview: HttpScenario = {
  name: "http-overview",
  description: "GET /overview, /jobs/overview and /openapi.json answer in Flink's shapes",
  async run({ api }) {
    const o = await api.call("GET", "/overview");
    check(o.status === 200, `GET /overview answered ${o.status}: ${o.text.slice(0, 300)}`);
    for (const field of ["taskmanagers", "slots-total", "slots-available", "jobs-running", "jobs-finished", "jobs-cancelled", "jobs-failed"]) {
      check(Number.isInteger(o.json?.[field]), `GET /overview: "${field}" is ${JSON.stringify(o.json?.[field])}, expected an integer`);
    }
    const jobs = await api.call("GET", "/jobs/overview");
    check(jobs.status === 200 && Array.isArray(jobs.json?.jobs), `GET /jobs/overview answered ${jobs.status}, expected { jobs: [...] }: ${jobs.text.slice(0, 300)}`);
    const doc = await api.call("GET", "/openapi.json");
    check(doc.status === 200 && typeof doc.json?.openapi === "string" && doc.json.paths?.["/jobs"] !== undefined, `GET /openapi.json answered ${doc.status} without an OpenAPI document describing /jobs`);
  },
};

const submitAndWatch: HttpScenario = {
  name: "http-submit-and-watch",
  description: "a submitted job spec runs to FINISHED, watched through /jobs/:id and /jobs/overview, and its results are the running sums per key",
  async run({ api }) {
    const records = purchases(300, 17);
    const jobid = await submit(api, {
      name: "conformance running sums",
      parallelism: 2,
      sources: [{ type: "collection", records }],
      operators: [{ type: "keyBy", field: "user" }, { type: "aggregate", fn: "sum", field: "amount", as: "total" }],
      sinks: [{ type: "collect" }],
    });
    const seen: string[] = [];
    await api.until(`job ${jobid} FINISHED`, async () => {
      const job = await api.call("GET", `/jobs/${jobid}`);
      check(job.status === 200, `GET /jobs/${jobid} answered ${job.status}: ${job.text.slice(0, 300)}`);
      if (seen.at(-1) !== job.json.state) seen.push(job.json.state);
      check(!["FAILED", "CANCELED"].includes(job.json.state), `job ${jobid} went ${seen.join(" -> ")}, expected to end FINISHED`);
      return job.json.state === "FINISHED" ? job.json : undefined;
    });
    const listed = (await api.call("GET", "/jobs/overview")).json?.jobs?.find((j: { jid: string }) => j.jid === jobid);
    check(listed?.state === "FINISHED", `GET /jobs/overview lists job ${jobid} as ${JSON.stringify(listed?.state)}, expected FINISHED`);
    const out = await results(api, jobid);
    const expected = [...amountsByUser(records)].sort(([a], [b]) => a.localeCompare(b));
    const actual = [...stepsByKey(out.records as { key: string; total: number }[])].sort(([a], [b]) => a.localeCompare(b));
    const difference = compareOutputs(actual, expected, "exact");
    check(difference === undefined, `the running totals per key, as [key, sorted steps between them]: ${difference}`);
  },
};

const savepointStopResume: HttpScenario = {
  name: "http-savepoint-stop-resume",
  description: "a savepoint of a running job, then stop-with-savepoint, then a job resubmitted from it: together they emit the uninterrupted output",
  skip: needsRunningJobs,
  async run({ api }) {
    const count = 3_000;
    const first = await submit(api, sequenceJob("conformance savepoints", count, 1_000));
    await api.state(first, "RUNNING");
    await api.until(`the first results of job ${first}`, async () => ((await results(api, first)).total > 0 ? true : undefined));
    const triggered = await api.call("POST", `/jobs/${first}/savepoints`, {});
    check(triggered.status === 202 && typeof triggered.json?.["request-id"] === "string", `POST /jobs/${first}/savepoints answered ${triggered.status}, expected 202 with a request-id: ${triggered.text.slice(0, 300)}`);
    await api.savepoint(first, triggered.json["request-id"]);
    const still = (await api.call("GET", `/jobs/${first}`)).json?.state;
    check(still === "RUNNING" || still === "FINISHED", `after a savepoint job ${first} is ${still}, expected it still running`);
    const stop = await api.call("POST", `/jobs/${first}/stop`, { drain: false });
    check(stop.status === 202 && typeof stop.json?.["request-id"] === "string", `POST /jobs/${first}/stop answered ${stop.status}, expected 202 with a request-id: ${stop.text.slice(0, 300)}`);
    const location = await api.savepoint(first, stop.json["request-id"]);
    await api.state(first, "FINISHED");
    const before = (await results(api, first)).records;
    check(before.length < count, `job ${first} emitted all ${count} records before it was stopped: nothing was left to resume`);

    const second = await submit(api, sequenceJob("conformance savepoints, resumed", count, 10_000, location));
    await api.state(second, "FINISHED");
    const after = (await results(api, second)).records;
    const expected = Array.from({ length: count }, (_, n) => ({ key: "all", total: (n * (n + 1)) / 2 }));
    const difference = compareOutputs([...before, ...after], expected, "exact");
    check(difference === undefined, `${before.length} results before the stop and ${after.length} after the resume: ${difference}`);
  },
};

const cancel: HttpScenario = {
  name: "http-cancel",
  description: "PATCH /jobs/:id cancels a running job; cancelling it again answers 409 naming its state",
  skip: needsRunningJobs,
  async run({ api }) {
    const jobid = await submit(api, { name: "conformance cancel", sources: [{ type: "generator", fields: { n: { kind: "sequence" } }, ratePerSecond: 100 }], sinks: [{ type: "collect", maxRecords: 1_000 }] });
    await api.state(jobid, "RUNNING");
    const first = await api.call("PATCH", `/jobs/${jobid}?mode=cancel`);
    check(first.status === 202, `PATCH /jobs/${jobid} answered ${first.status}, expected 202: ${first.text.slice(0, 300)}`);
    await api.state(jobid, "CANCELED");
    const again = await api.call("PATCH", `/jobs/${jobid}?mode=cancel`);
    check(again.status === 409 && /CANCELED/.test(again.json?.errors?.[0] ?? ""), `cancelling a CANCELED job answered ${again.status} ${again.text.slice(0, 300)}, expected 409 naming the state CANCELED`);
  },
};

const errors: HttpScenario = {
  name: "http-error-cases",
  description: "bad specs answer 400 naming each field, unknown jobs 404, requests without or with a wrong token 401 / 403, in Flink's { errors } shape",
  async run({ api }) {
    const bad = await api.call("POST", "/jobs", { name: "bad", parallelism: 0, sources: [{ type: "generatr" }], sinks: [{ type: "collect" }] });
    check(bad.status === 400, `an invalid spec answered ${bad.status}, expected 400: ${bad.text.slice(0, 300)}`);
    const paths: string[] = (bad.json?.fields ?? []).map((f: { path: string }) => f.path);
    for (const path of ["parallelism", "sources[0].type"]) check(paths.includes(path), `the 400 for an invalid spec names ${JSON.stringify(paths)}, expected it to name "${path}"`);
    check(Array.isArray(bad.json?.errors) && bad.json.errors.length > 0, `the 400 has no "errors" array: ${bad.text.slice(0, 300)}`);
    const notJson = await api.call("POST", "/jobs", "{not json");
    check(notJson.status === 400, `a body that is not JSON answered ${notJson.status}, expected 400`);
    const unknown = "0123456789abcdef0123456789abcdef";
    for (const [method, route] of [["GET", `/jobs/${unknown}`], ["PATCH", `/jobs/${unknown}`], ["POST", `/jobs/${unknown}/savepoints`]] as const) {
      const r = await api.call(method, route, method === "POST" ? {} : undefined);
      check(r.status === 404 && Array.isArray(r.json?.errors), `${method} ${route} answered ${r.status} ${r.text.slice(0, 200)}, expected 404 with { errors }`);
    }
    const noSavepoints = await submit(api, { name: "conformance no checkpoints", sources: [{ type: "collection", records: [{ a: 1 }] }], sinks: [{ type: "collect" }] });
    const refused = await api.call("POST", `/jobs/${noSavepoints}/savepoints`, {});
    check(refused.status === 409 || refused.status === 404, `a savepoint of a job without checkpointing answered ${refused.status}, expected 409 (or 404 once it ended)`);
    if (api.hasToken) {
      const none = await api.call("POST", "/jobs", { name: "x" }, {});
      check(none.status === 401, `POST /jobs without the token answered ${none.status}, expected 401`);
      const wrong = await api.call("GET", "/jobs/overview", undefined, { authorization: "Bearer not-the-token" });
      check(wrong.status === 403, `GET /jobs/overview with a wrong token answered ${wrong.status}, expected 403`);
    }
  },
};

/** Every HTTP-level scenario, in the order they run. */
export const HTTP_SCENARIOS: readonly HttpScenario[] = [overview, submitAndWatch, savepointStopResume, cancel, errors];

/** A job that runs until it is cancelled. */
export const PROBE_JOB = { name: "conformance probe", sources: [{ type: "generator", fields: { n: { kind: "sequence" } }, ratePerSecond: 1_000 }], sinks: [{ type: "collect", maxRecords: 1_000 }] };
