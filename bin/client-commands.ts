/**
 * The CLI's client commands: submit, list, cancel, savepoint (and stop) against a running
 * `eddy serve`, with readable progress and errors. `--url` (or EDDY_URL) and `--token` (or
 * EDDY_TOKEN) choose the server; the token goes with every request, reads included.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { CLIENT_OPTIONS, commandArgs } from "./args.ts";

/** A failed command: the message is printed as is, exit code 1. */
export class CliError extends Error {}

interface Client {
  readonly url: string;
  request(method: string, route: string, body?: BodyInit, contentType?: string): Promise<any>;
}

function client(values: { url?: string; token?: string }): Client {
  const url = (values.url ?? process.env.EDDY_URL ?? "http://127.0.0.1:8081").replace(/\/+$/, "");
  // An empty EDDY_TOKEN means none.
  const token = (values.token ?? process.env.EDDY_TOKEN) || undefined;
  return {
    url,
    async request(method, route, body, contentType = "application/json") {
      let response: Response;
      try {
        response = await fetch(`${url}${route}`, {
          method,
          headers: { ...(body !== undefined ? { "content-type": contentType } : {}), ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}) },
          body,
        });
      } catch (error) {
        throw new CliError(`[eddy] cannot reach ${url} (${error instanceof Error ? error.message : String(error)}): is \`eddy serve\` running? Use --url to point elsewhere.`);
      }
      const text = await response.text();
      let json: any;
      try {
        json = text === "" ? {} : JSON.parse(text);
      } catch {
        json = { errors: [text] };
      }
      if (!response.ok) {
        const errors: string[] = Array.isArray(json?.errors) ? json.errors : [`HTTP ${response.status}`];
        const hint = response.status === 401 ? "\n  (pass --token or set EDDY_TOKEN)" : response.status === 403 ? "\n  (the token is not this server's: check --token or EDDY_TOKEN)" : "";
        throw new CliError(`${method} ${route} failed with ${response.status}:\n  ${errors.join("\n  ")}${hint}`);
      }
      return json;
    },
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const TERMINAL = new Set(["FINISHED", "CANCELED", "FAILED"]);
const kb = (n: number): string => (n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${(n / 1024).toFixed(1)} KB`);

const SUBMIT_USAGE = "eddy submit spec.json [--artifact op.wasm] [--from-savepoint PATH | --from-job JOBID] [--allow-non-restored-state] [--watch]";

/** `eddy submit spec.json [--artifact op.wasm]... [--from-savepoint PATH | --from-job JOBID] [--allow-non-restored-state] [--watch]` */
async function submit(argv: readonly string[]): Promise<void> {
  const { values, positionals } = commandArgs(
    argv,
    {
      ...CLIENT_OPTIONS,
      artifact: { type: "string", multiple: true },
      "from-savepoint": { type: "string" },
      "from-job": { type: "string" },
      "allow-non-restored-state": { type: "boolean" },
      watch: { type: "boolean" },
    },
    SUBMIT_USAGE,
  );
  const artifactFlags = values.artifact ?? [];
  const file = positionals[0];
  if (file === undefined) throw new CliError(`[eddy] usage: ${SUBMIT_USAGE}`);
  const fromSavepoint = values["from-savepoint"];
  const fromJob = values["from-job"];
  if (fromSavepoint !== undefined && fromJob !== undefined) throw new CliError("[eddy] give either --from-savepoint or --from-job, not both");
  const api = client(values);
  let spec: any;
  try {
    spec = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new CliError(`[eddy] cannot read job spec ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const ids = new Map<string, string>();
  for (const a of artifactFlags) {
    const bytes = await readFile(a).catch((error: Error) => {
      throw new CliError(`[eddy] cannot read artifact ${a}: ${error.message}`);
    });
    console.log(`uploading ${a} (${kb(bytes.length)})`);
    const info = await api.request("POST", "/artifacts", new Uint8Array(bytes), "application/wasm");
    console.log(`  artifact ${info.id} (world ${info.world})`);
    ids.set(`@${path.basename(a)}`, info.id);
    ids.set(`@${a}`, info.id);
  }
  // "@op.wasm" in the spec (or no artifact at all, with one --artifact) names an uploaded file.
  for (const op of Array.isArray(spec?.operators) ? spec.operators : []) {
    if (op?.type !== "wasm") continue;
    if (op.artifact === undefined && artifactFlags.length === 1) op.artifact = [...ids.values()][0];
    else if (typeof op.artifact === "string" && ids.has(op.artifact)) op.artifact = ids.get(op.artifact);
  }
  // As Flink's `flink run -s`: the flags replace any savepoint the spec names.
  if (fromSavepoint !== undefined || fromJob !== undefined) spec.savepoint = fromJob !== undefined ? { fromJob } : { path: fromSavepoint };
  if (values["allow-non-restored-state"] === true) {
    if (spec.savepoint === undefined || spec.savepoint === null) throw new CliError("[eddy] --allow-non-restored-state needs a savepoint: add --from-savepoint PATH or --from-job JOBID");
    spec.savepoint.allowNonRestoredState = true;
  }
  const from = fromJob !== undefined ? ` from the latest checkpoint of job ${fromJob}` : fromSavepoint !== undefined ? ` from ${fromSavepoint}` : "";
  console.log(`submitting "${spec?.name ?? file}"${from}`);
  const { jobid } = await api.request("POST", "/jobs", JSON.stringify(spec));
  console.log(`  job ${jobid}`);
  let last = "";
  const watch = values.watch === true;
  for (let i = 0; i < (watch ? Number.POSITIVE_INFINITY : 10); i++) {
    const job = await api.request("GET", `/jobs/${jobid}`);
    if (job.state !== last) {
      console.log(`  ${job.state}${job.state === "RUNNING" ? ` (${job.vertices.length} vertices: ${job.vertices.map((v: any) => `${v.name} x${v.parallelism}`).join(", ")})` : ""}`);
      last = job.state;
    }
    if (TERMINAL.has(job.state)) {
      if (job.state === "FAILED") {
        const ex = await api.request("GET", `/jobs/${jobid}/exceptions`);
        throw new CliError(`[eddy] job ${jobid} failed: ${ex["root-exception"]}`);
      }
      break;
    }
    if (!watch && job.state === "RUNNING") break;
    await sleep(watch ? 1000 : 200);
  }
  console.log(`watch: ${api.url}/jobs/${jobid}   cancel: eddy cancel ${jobid}   savepoint: eddy savepoint ${jobid}`);
}

/** `eddy list` */
async function list(argv: readonly string[]): Promise<void> {
  const { values } = commandArgs(argv, CLIENT_OPTIONS, "eddy list [--url URL] [--token T]");
  const { jobs } = await client(values).request("GET", "/jobs/overview");
  if (jobs.length === 0) {
    console.log("no jobs");
    return;
  }
  const rows = jobs.map((j: any) => [j.jid, j.name, j.state, j.duration < 0 ? "-" : `${Math.round(j.duration / 1000)} s`, String(j.tasks.total)]);
  const header = ["JOB ID", "NAME", "STATE", "DURATION", "TASKS"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r: string[]) => r[i]!.length)));
  for (const r of [header, ...rows]) console.log(r.map((c: string, i: number) => c.padEnd(widths[i]!)).join("  "));
}

async function waitFor(api: Client, jobid: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { state } = await api.request("GET", `/jobs/${jobid}`);
    if (TERMINAL.has(state) || Date.now() > deadline) return state;
    await sleep(100);
  }
}

/** `eddy cancel <jobid>` */
async function cancel(argv: readonly string[]): Promise<void> {
  const usage = "eddy cancel <jobid> [--url URL] [--token T]";
  const { values, positionals } = commandArgs(argv, CLIENT_OPTIONS, usage);
  const jobid = positionals[0];
  if (jobid === undefined) throw new CliError(`[eddy] usage: ${usage}`);
  const api = client(values);
  await api.request("PATCH", `/jobs/${encodeURIComponent(jobid)}?mode=cancel`);
  console.log(`cancelling ${jobid}`);
  console.log(`  ${await waitFor(api, jobid, 10_000)}`);
}

/** `eddy savepoint <jobid> [--stop] [--drain] [--trigger-id ID]` */
async function savepoint(argv: readonly string[]): Promise<void> {
  const usage = "eddy savepoint <jobid> [--stop] [--drain] [--trigger-id ID] [--url URL] [--token T]";
  const { values, positionals } = commandArgs(argv, { ...CLIENT_OPTIONS, stop: { type: "boolean" }, drain: { type: "boolean" }, "trigger-id": { type: "string" } }, usage);
  const jobid = positionals[0];
  if (jobid === undefined) throw new CliError(`[eddy] usage: ${usage}`);
  const api = client(values);
  const drain = values.drain === true;
  const stop = values.stop === true || drain;
  const triggerId = values["trigger-id"];
  const body = stop ? { drain, ...(triggerId ? { triggerId } : {}) } : triggerId ? { triggerId } : {};
  const { "request-id": id } = await api.request("POST", `/jobs/${encodeURIComponent(jobid)}/${stop ? "stop" : "savepoints"}`, JSON.stringify(body));
  console.log(`${stop ? "stopping with a savepoint" : "taking a savepoint"} (trigger ${id})`);
  for (;;) {
    const status = await api.request("GET", `/jobs/${encodeURIComponent(jobid)}/savepoints/${id}`);
    if (status.status.id === "COMPLETED") {
      const failure = status.operation?.["failure-cause"];
      if (failure !== undefined) throw new CliError(`[eddy] the savepoint failed: ${failure["stack-trace"]}`);
      console.log(`  savepoint: ${status.operation.location}\n  resume with: eddy submit spec.json --from-savepoint ${status.operation.location}`);
      return;
    }
    await sleep(100);
  }
}

/** The client commands by name, with their one-line help. */
export const clientCommands: Record<string, { describe: string; run: (argv: string[]) => Promise<void> }> = {
  submit: {
    describe: "submit a JSON job spec (--artifact op.wasm uploads a component first; --from-savepoint PATH or --from-job JOBID starts it from a savepoint or a job's latest checkpoint; --watch follows it)",
    run: submit,
  },
  run: { describe: "the same as submit (Flink's name)", run: submit },
  list: { describe: "list jobs with state and duration", run: list },
  cancel: { describe: "cancel a job: eddy cancel <jobid>", run: cancel },
  savepoint: { describe: "take a savepoint: eddy savepoint <jobid> [--stop] [--drain]", run: savepoint },
};
