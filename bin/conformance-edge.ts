/**
 * The conformance suite through a Durable Object deployment, as a column of `eddy conformance`:
 * the suite's job modules bundled into a Worker by `eddy bundle`, served by workerd from npm with
 * storage on disk, each scenario's job submitted with `POST /jobs` and run on a JobManager object
 * and TaskManager objects (one per slot, so every exchange crosses objects by RPC), its collected
 * output compared with the scenario's independently computed expectation. Scenarios that drive
 * their jobs themselves (failures, savepoints, restores) do it over the deployment's HTTP API,
 * with a webhook receiver here for their exactly-once output, or say why they cannot.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { WebhookReceiver } from "../adapters/workerd/testing/webhook-receiver.ts";
import { DEPLOYMENT_MODULE, jobFinished, jobResults, submitModuleJob } from "../conformance/deployment.ts";
import { httpApi } from "../conformance/http/api.ts";
import { type RunScenario, type ScenarioResult, compareOutputs, loadScenario, scenarioNames } from "../conformance/index.ts";
import type { DeploymentSuite } from "../conformance/runner/columns.ts";
import type { Found } from "../conformance/runner/runtimes.ts";
import { freePort } from "../conformance/runner/workerd.ts";
import { GUESTS } from "../conformance/wasm-guests.ts";
import { bundleEdge } from "./bundle.ts";
import { startWorkerd, workerdBinary } from "./dev.ts";

const SCENARIO_TIMEOUT_MS = 60_000;

/** Runs one scenario's job on the deployment at `url`, whose bundle holds the example `components`. */
async function runScenario(url: string, name: string, components: readonly string[]): Promise<ScenarioResult> {
  const started = performance.now();
  const scenario = await loadScenario(name);
  if ("run" in scenario) return driven(url, scenario, components);
  const api = httpApi({ url });
  const id = await submitModuleJob(api, name, "scenarioJob", { name }, { parallelism: scenario.parallelism });
  await jobFinished(api, id, SCENARIO_TIMEOUT_MS);
  const difference = compareOutputs(await jobResults(api, id), scenario.expected(), scenario.compare);
  return difference === undefined ? { name, status: "passed", durationMs: performance.now() - started } : { name, status: "failed", durationMs: performance.now() - started, error: difference };
}

/** Runs a scenario that drives its jobs itself through the deployment's HTTP API, or says why it cannot. */
async function driven(url: string, scenario: RunScenario, components: readonly string[]): Promise<ScenarioResult> {
  const { name, durableObjects } = scenario;
  if (typeof durableObjects === "string") return { name, status: "skipped", durationMs: 0, reason: durableObjects };
  const started = performance.now();
  const receivers: WebhookReceiver[] = [];
  try {
    const skipped = await durableObjects({
      api: httpApi({ url, pollMs: 20 }),
      runId: crypto.randomUUID().slice(0, 8),
      components,
      receiver: async (options) => {
        const receiver = await WebhookReceiver.start(options);
        receivers.push(receiver);
        return receiver;
      },
    });
    if (typeof skipped === "string") return { name, status: "skipped", durationMs: 0, reason: skipped };
    return { name, status: "passed", durationMs: performance.now() - started };
  } catch (error) {
    return { name, status: "failed", durationMs: performance.now() - started, error: error instanceof Error ? error.message : String(error) };
  } finally {
    for (const receiver of receivers) await receiver.close();
  }
}

/**
 * Bundles the suite into a Durable Object deployment, with the example components of
 * `componentsDir` (`<guest>.wasm`) compiled in, and serves it; or says what is missing.
 */
export async function durableObjectSuite(componentsDir?: string): Promise<Found<DeploymentSuite>> {
  const here = import.meta.url;
  const conformance = fileURLToPath(new URL(`../conformance/index.${here.endsWith(".ts") ? "ts" : "js"}`, here));
  const dir = await mkdtemp(path.join(tmpdir(), "eddy-conformance-do-"));
  let child: Awaited<ReturnType<typeof startWorkerd>> | undefined;
  const close = async (): Promise<void> => {
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child!.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const components = componentsDir === undefined ? [] : Object.values(GUESTS).filter((guest) => existsSync(path.join(componentsDir, `${guest}.wasm`)));
    await bundleEdge({ modules: { [DEPLOYMENT_MODULE]: conformance }, components: components.map((guest) => path.join(componentsDir!, `${guest}.wasm`)), outDir: path.join(dir, "worker") });
    const port = await freePort();
    child = await startWorkerd({ dir: path.join(dir, "worker"), storage: path.join(dir, "storage"), port, stdio: "pipe" });
    let output = "";
    child.stdout!.on("data", (d: Uint8Array) => (output += String(d)));
    child.stderr!.on("data", (d: Uint8Array) => (output += String(d)));
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`workerd exited with ${child.exitCode}: ${output.slice(-2_000)}`);
      try {
        await (await fetch(`${url}/overview`, { signal: AbortSignal.timeout(1_000) })).arrayBuffer();
        break;
      } catch {
        if (Date.now() > deadline) throw new Error(`workerd did not serve within 30 s: ${output.slice(-2_000)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const suite = async (filter: string | undefined, onLine?: (line: string) => void): Promise<ScenarioResult[]> => {
      const results: ScenarioResult[] = [];
      for (const name of scenarioNames.filter((n) => n.includes(filter ?? ""))) {
        const r = await runScenario(url, name, components).catch((error: unknown): ScenarioResult => ({ name, status: "failed", durationMs: 0, error: error instanceof Error ? error.message : String(error) }));
        onLine?.(r.status === "passed" ? `  ok    ${name}` : r.status === "skipped" ? `  skip  ${name}: ${r.reason}` : `  FAIL  ${name}\n        ${r.error}`);
        results.push(r);
      }
      return results;
    };
    const version = spawnSync(await workerdBinary(), ["--version"], { encoding: "utf8" }).stdout?.trim() || "workerd";
    return { found: { version: `Durable Objects on ${version}`, api: url, suite, close } };
  } catch (error) {
    await close();
    const message = error instanceof Error ? error.message : String(error);
    return { missing: /esbuild|workerd from npm/.test(message) ? `a Durable Object deployment needs esbuild and workerd from npm (npm install -D esbuild workerd): ${message}` : `the Durable Object deployment did not start: ${message}` };
  }
}
