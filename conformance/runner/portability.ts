/**
 * The savepoint portability matrix: the exactly-once job stopped with a savepoint on each
 * runtime and resumed from it on each runtime (Node, Deno and Bun in child processes, workerd
 * through the conformance Worker with the files carried as JSON); every pair must commit the
 * output of a run that never stopped. With a Durable Object deployment (`workerd/do`) its row and
 * column come too: savepoints go in and out of it over its HTTP API (`POST /savepoints`, `GET
 * /savepoints?location=`), and since it has no file system, both runs of a pair with it on one
 * side write to an exactly-once webhook sink whose receiver is served here.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { WebhookReceiver } from "../../adapters/workerd/testing/webhook-receiver.ts";
import { compareOutputs } from "../compare.ts";
import { jobFinished, stopWithSavepoint, submitModuleJob, takenByBoth } from "../deployment.ts";
import { type WebhookTarget, committedLines, copyFiles, openFiles } from "../exactly-once-job.ts";
import { httpApi } from "../http/api.ts";
import { type FileTree, type PortableJobParams, packFiles, portableOutput, unpackFiles } from "../portability.ts";
import type { RuntimeName } from "../scenario.ts";
import { lastTagged, runChild, tail } from "./child.ts";
import type { DeploymentSuite } from "./columns.ts";
import { inPool } from "./pool.ts";
import { type Found, type RuntimeCommand, suiteScript } from "./runtimes.ts";
import type { ConformanceWorker } from "./workerd.ts";

/** A row and column of the matrix: a runtime, or the Durable Object deployment. */
export type PortabilityColumn = RuntimeName | "workerd/do";

/** One pair: a savepoint taken on `from` and resumed on `to`. */
export interface PortabilityCell {
  readonly from: PortabilityColumn;
  readonly to: PortabilityColumn;
  readonly status: "passed" | "failed" | "skipped";
  readonly durationMs: number;
  readonly error?: string;
  readonly reason?: string;
}

/** The matrix, rows and columns in order. */
export interface PortabilityResult {
  readonly runtimes: readonly PortabilityColumn[];
  readonly cells: readonly PortabilityCell[];
}

/** Where a savepoint is taken and resumed: a child process, the served conformance Worker, or the Durable Object deployment. */
export type PortabilityHost = RuntimeCommand | ConformanceWorker | DeploymentSuite;

/** Where each row and column runs. */
export type PortabilityHosts = ReadonlyMap<PortabilityColumn, Found<PortabilityHost>>;

const TIMEOUT_MS = 120_000;
const DURABLE_OBJECTS: PortabilityColumn = "workerd/do";

async function postJson(url: string, body: unknown): Promise<any> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal: AbortSignal.timeout(TIMEOUT_MS) });
  const text = await response.text();
  if (!response.ok) throw new Error(`workerd answered ${response.status}: ${text.slice(0, 1_000)}`);
  return JSON.parse(text);
}

/** A savepoint taken: the file tree holding it at `location` (with the part files of a run writing files). */
interface Taken {
  readonly dir: string;
  readonly location: string;
  /** Where the Durable Object deployment keeps it, when it was taken there. */
  readonly durable?: string;
  /** The webhook the run wrote to, and what its receiver took. */
  readonly webhook?: { readonly target: WebhookTarget; readonly receiver: WebhookReceiver };
}

/**
 * Runs one side (`take`, or `resume` from the savepoint taken `from`) in `dir` on `host`, writing
 * to files or to `webhook`; resolves with the savepoint's location in `dir` for `take` (and in
 * the deployment, if there).
 */
async function side(host: PortabilityHost, mode: "take" | "resume", dir: string, cwd: string, webhook: WebhookTarget | undefined, from?: Taken): Promise<{ location: string; durable?: string }> {
  if ("suite" in host) return onDeployment(host, mode, dir, webhook!, from);
  const hook = webhook !== undefined ? { webhook } : {};
  if ("url" in host) {
    const fs = await openFiles({ dir });
    const answer = (await postJson(`${host.url}/portability/${mode}`, mode === "take" ? hook : { location: from!.location, files: await packFiles(fs), ...hook })) as { location?: string; files: FileTree };
    await fs.remove("out");
    await fs.remove("checkpoints");
    await unpackFiles(answer.files, fs);
    return { location: answer.location ?? "" };
  }
  const args = [mode, dir, ...(from !== undefined ? [from.location] : []), ...(webhook !== undefined ? ["--webhook", webhook.url, webhook.keyPrefix] : [])];
  const run = await runChild(host, suiteScript("portability-run"), args, { cwd, timeoutMs: TIMEOUT_MS });
  if (run.code !== 0) throw new Error(`${run.timedOut ? `still running after ${TIMEOUT_MS} ms` : `exited with ${run.signal ?? run.code}`}:\n${tail(run.output)}`);
  if (mode === "resume") return { location: "" };
  const taken = lastTagged(run.stdout, "SAVEPOINT");
  if (taken === undefined) throw new Error(`printed no savepoint:\n${tail(run.output)}`);
  return { location: taken };
}

/**
 * One side on the Durable Object deployment, over its HTTP API. A savepoint taken there is also
 * downloaded into `dir`, where the other runtimes find it; one taken elsewhere is uploaded first.
 */
async function onDeployment(host: DeploymentSuite, mode: "take" | "resume", dir: string, webhook: WebhookTarget, from?: Taken): Promise<{ location: string; durable?: string }> {
  const api = httpApi({ url: host.api, pollMs: 20 });
  if (mode === "take") {
    const params: PortableJobParams = { webhook, paced: true };
    const id = await submitModuleJob(api, "conformance portability", "portableJob", params, { parallelism: 2, collect: false });
    await api.until("committed output", async () => ((await (await fetch(webhook.url)).json()) as { records: number }).records > 0 || undefined, 20_000);
    const durable = await stopWithSavepoint(api, id);
    const download = await fetch(`${host.api}/savepoints?location=${encodeURIComponent(durable)}`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    if (!download.ok) throw new Error(`GET /savepoints answered ${download.status}: ${(await download.text()).slice(0, 500)}`);
    const location = `checkpoints/durable-objects/${durable.slice(durable.lastIndexOf("/") + 1)}`;
    await mkdir(path.join(dir, location), { recursive: true });
    await writeFile(path.join(dir, location, "_metadata"), new Uint8Array(await download.arrayBuffer()));
    return { location, durable };
  }
  let savepoint = from!.durable;
  if (savepoint === undefined) {
    const upload = await fetch(`${host.api}/savepoints`, { method: "POST", body: await readFile(path.join(dir, from!.location, "_metadata")), signal: AbortSignal.timeout(TIMEOUT_MS) });
    const text = await upload.text();
    if (upload.status !== 201) throw new Error(`POST /savepoints answered ${upload.status}: ${text.slice(0, 500)}`);
    savepoint = (JSON.parse(text) as { location: string }).location;
  }
  const id = await submitModuleJob(api, "conformance portability, resumed", "portableJob", { webhook } satisfies PortableJobParams, { parallelism: 2, collect: false, savepoint });
  await jobFinished(api, id, TIMEOUT_MS);
  return { location: "" };
}

/** Takes a savepoint on every row and resumes each on every column; `concurrency` runs at once. */
export async function runPortability(hosts: PortabilityHosts, options: { cwd: string; concurrency: number; onCell?: (cell: PortabilityCell) => void }): Promise<PortabilityResult> {
  const columns = [...hosts.keys()];
  const expected = portableOutput();
  const dirs: string[] = [];
  const receivers: WebhookReceiver[] = [];
  const runId = crypto.randomUUID().slice(0, 8);
  const tempDir = async (): Promise<string> => {
    const d = await mkdtemp(path.join(tmpdir(), "eddy-portability-"));
    dirs.push(d);
    return d;
  };
  const receiver = async (): Promise<WebhookReceiver> => {
    const r = await WebhookReceiver.start();
    receivers.push(r);
    return r;
  };
  // A pair with the deployment on either side writes to a webhook; the others to files.
  const viaWebhook = (from: PortabilityColumn, to: PortabilityColumn): boolean => from === DURABLE_OBJECTS || to === DURABLE_OBJECTS;
  try {
    // Every savepoint first (one writing files and one writing to a webhook, as the row's pairs
    // need): a runtime that cannot take one fails those cells of its row.
    const takes = columns.flatMap((from) => [false, true].filter((hook) => columns.some((to) => viaWebhook(from, to) === hook)).map((hook) => ({ from, hook })));
    const taken = await inPool(
      takes.map(({ from, hook }) => async (): Promise<Found<Taken>> => {
        const host = hosts.get(from)!;
        if ("missing" in host) return host;
        const dir = await tempDir();
        try {
          const taking = hook ? await receiver() : undefined;
          const webhook = taking === undefined ? undefined : { target: { url: taking.url, keyPrefix: `portability-${from.replace("/", "-")}-${runId}` }, receiver: taking };
          const { location, durable } = await side(host.found, "take", dir, options.cwd, webhook?.target);
          // A savepoint taken after everything was committed would leave the resume nothing to do.
          const before = webhook !== undefined ? webhook.receiver.records.length : (await committedLines(await openFiles({ dir }))).length;
          if (before >= expected.length) return { missing: `the savepoint on ${from} was taken after the job had committed all its output, so resuming it proves nothing` };
          return { found: { dir, location, ...(durable !== undefined ? { durable } : {}), ...(webhook !== undefined ? { webhook } : {}) } };
        } catch (error) {
          return { missing: `taking the savepoint on ${from} failed: ${error instanceof Error ? error.message : String(error)}` };
        }
      }),
      options.concurrency,
    );
    const savepointOf = (from: PortabilityColumn, hook: boolean): Found<Taken> => taken[takes.findIndex((t) => t.from === from && t.hook === hook)]!;
    const pairs = columns.flatMap((from) => columns.map((to) => ({ from, to, savepoint: savepointOf(from, viaWebhook(from, to)) })));
    const cells = await inPool(
      pairs.map(({ from, to, savepoint }) => async (): Promise<PortabilityCell> => {
        const started = Date.now();
        const host = hosts.get(to)!;
        const hostFrom = hosts.get(from)!;
        let cell: PortabilityCell;
        if ("missing" in hostFrom) cell = { from, to, status: "skipped", durationMs: 0, reason: hostFrom.missing };
        else if ("missing" in host) cell = { from, to, status: "skipped", durationMs: 0, reason: host.missing };
        else if ("missing" in savepoint) cell = { from, to, status: "failed", durationMs: 0, error: savepoint.missing };
        else {
          try {
            const first = savepoint.found;
            const dir = await tempDir();
            await copyFiles(await openFiles({ dir: first.dir }), await openFiles({ dir }));
            const resumed = first.webhook !== undefined ? await receiver() : undefined;
            await side(host.found, "resume", dir, options.cwd, resumed === undefined ? undefined : { ...first.webhook!.target, url: resumed.url }, first);
            const difference =
              resumed === undefined
                ? compareOutputs(await committedLines(await openFiles({ dir })), expected, "unordered")
                : webhookDifference(first.webhook!.receiver, resumed, expected);
            cell = difference === undefined ? { from, to, status: "passed", durationMs: Date.now() - started } : { from, to, status: "failed", durationMs: Date.now() - started, error: `the output committed by both runs: ${difference}` };
          } catch (error) {
            cell = { from, to, status: "failed", durationMs: Date.now() - started, error: `resuming on ${to} failed: ${error instanceof Error ? error.message : String(error)}` };
          }
        }
        options.onCell?.(cell);
        return cell;
      }),
      options.concurrency,
    );
    return { runtimes: columns, cells };
  } finally {
    for (const r of receivers) await r.close();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  }
}

/** How what the stopped run and the resumed run posted, each to a receiver of its own, differs from `expected`. */
function webhookDifference(first: WebhookReceiver, resumed: WebhookReceiver, expected: readonly string[]): string | undefined {
  const { records, changed } = takenByBoth(first, resumed);
  if (changed.length > 0 || resumed.conflicting > 0 || resumed.withoutKey > 0) return `requests were sent again under a key with other records, or without a key (${changed.slice(0, 3).join(", ")})`;
  return compareOutputs(records, expected, "unordered");
}
