/**
 * The conformance matrix: the suite on every runtime asked for that is installed here (each on
 * the local TaskManager and, if asked, on worker TaskManagers), the HTTP-level scenarios against
 * each runtime's server (`eddy serve`, or the API's Worker on workerd), then the savepoint
 * portability matrix between them; or the HTTP-level scenarios against a deployment by its URL. Every cell
 * passed, failed with the difference, or skipped with a reason.
 */
import { scenarioNames } from "../catalog.ts";
import type { ScenarioResult } from "../index.ts";
import type { RuntimeName } from "../scenario.ts";
import { HTTP_SCENARIOS, runHttpConformance } from "../http/index.ts";
import { type ColumnResult, type ColumnSpec, type DeploymentSuite, runColumn } from "./columns.ts";
import { exampleComponents } from "./components.ts";
import { type Broker, kafkaBroker } from "./kafka.ts";
import { inPool } from "./pool.ts";
import { type PortabilityColumn, type PortabilityHost, type PortabilityResult, runPortability } from "./portability.ts";
import { type Found, type RuntimeCommand, findRuntime } from "./runtimes.ts";
import { type Served, startServe } from "./serve.ts";
import { type ConformanceWorker, startApiWorker, startConformanceWorker } from "./workerd.ts";

/** Every runtime Eddy runs on, in the matrix's order. */
export const RUNTIMES: readonly RuntimeName[] = ["node", "deno", "bun", "workerd"];

/** The name of the portability matrix, for `filter`. */
export const PORTABILITY = "savepoint-portability";

/** Options of {@link runMatrix}. */
export interface MatrixOptions {
  readonly runtimes: readonly RuntimeName[];
  /** Also run every scenario on this many worker TaskManagers per runtime (not workerd); 0: not. */
  readonly taskManagers?: number;
  /** A substring of scenario names (`savepoint-portability` names the portability matrix). */
  readonly filter?: string;
  /** A directory of `<guest>.wasm`; default: the package's own, or built from operators-wasm/guests. */
  readonly componentsDir?: string;
  /** A Kafka broker; default: the test broker when it is built. */
  readonly kafka?: readonly string[];
  /** Columns run at once. */
  readonly concurrency: number;
  /** The working directory of the child processes. */
  readonly cwd: string;
  /** A column still running after this long is stopped and its unreported scenarios fail. */
  readonly timeoutMs?: number;
  /** Progress for a person watching (components being built, columns starting and ending). */
  readonly progress?: (message: string) => void;
  /** With workerd: also run the suite on a Durable Object deployment (a column `workerd/do`, and a row and column of the portability matrix). */
  readonly durableObjects?: (componentsDir?: string) => Promise<Found<DeploymentSuite>>;
}

/** A row: one scenario's result in every column, in column order. */
export interface MatrixRow {
  readonly scenario: string;
  readonly cells: readonly ScenarioResult[];
}

/** The whole matrix, and the cells counted by outcome (portability pairs included). */
export interface ConformanceMatrix {
  readonly columns: readonly Omit<ColumnResult, "results">[];
  readonly rows: readonly MatrixRow[];
  readonly portability?: PortabilityResult;
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
}

async function workerHost(): Promise<Found<ConformanceWorker>> {
  try {
    return await startConformanceWorker();
  } catch (error) {
    return { missing: `workerd could not serve the conformance Worker: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** Starts the runtime's server: `eddy serve`, or the API's Worker on workerd. */
async function serverOn(host: RuntimeCommand | ConformanceWorker): Promise<Found<Served>> {
  if (!("url" in host)) return startServe(host);
  const token = crypto.randomUUID();
  try {
    const worker = await startApiWorker(token);
    return "found" in worker ? { found: { url: worker.found.url, token, close: () => worker.found.close() } } : worker;
  } catch (error) {
    return { missing: `workerd could not serve the API's Worker: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** The HTTP-level scenarios matching `filter` against the server of `spec`'s runtime; on worker-TaskManager columns, why not. */
async function httpResults(spec: ColumnSpec, names: readonly string[], filter: string): Promise<ScenarioResult[]> {
  if (names.length === 0 || "missing" in spec.host) return [];
  if (spec.taskManagers > 0) return names.map((name) => ({ name, status: "skipped", durationMs: 0, reason: "the HTTP-level scenarios run once per runtime, in its own column: eddy serve there already places jobs on worker TaskManagers" }));
  const host = spec.host.found;
  if ("suite" in host) return (await runHttpConformance({ url: host.api, filter })).results;
  const server = await serverOn(host);
  if ("missing" in server) return names.map((name) => ({ name, status: "failed", durationMs: 0, error: server.missing }));
  try {
    return (await runHttpConformance({ url: server.found.url, token: server.found.token, filter })).results;
  } finally {
    await server.found.close();
  }
}

/** The result of `scenario` in `column`: its own, or what kept the column from reporting it. */
function cellOf(column: ColumnResult, scenario: string): ScenarioResult {
  const own = column.results.find((r) => r.name === scenario);
  if (own !== undefined) return own;
  if (column.missing !== undefined) return { name: scenario, status: "skipped", durationMs: 0, reason: column.missing };
  return { name: scenario, status: "failed", durationMs: 0, error: column.crashed ?? `${column.label} did not report this scenario` };
}

/** Runs the matrix. */
export async function runMatrix(options: MatrixOptions): Promise<ConformanceMatrix> {
  const progress = options.progress ?? (() => {});
  const filter = options.filter ?? "";
  const httpNames = HTTP_SCENARIOS.map((s) => s.name).filter((n) => n.includes(filter));
  const scenarios = [...scenarioNames.filter((n) => n.includes(filter)), ...httpNames];
  const withPortability = PORTABILITY.includes(filter);
  const hosts = new Map<RuntimeName, Found<RuntimeCommand | ConformanceWorker>>();
  for (const runtime of RUNTIMES.filter((r) => options.runtimes.includes(r))) hosts.set(runtime, runtime === "workerd" ? await workerHost() : findRuntime(runtime));
  const inChildren = [...hosts.values()].some((h) => "found" in h && !("url" in h.found));
  const usesComponents = scenarios.some((n) => n.startsWith("wasm-"));
  const usesKafka = scenarios.some((n) => n.startsWith("kafka-"));
  let componentsDir = options.componentsDir;
  const onDurableObjects = options.durableObjects !== undefined && hosts.has("workerd");
  if (componentsDir === undefined && (inChildren || onDurableObjects) && usesComponents) {
    const found = await exampleComponents(progress);
    if ("found" in found) componentsDir = found.found;
    else progress(found.missing);
  }
  let broker: Broker | undefined;
  if (inChildren && usesKafka) {
    const found = await kafkaBroker(options.kafka);
    if ("found" in found) broker = found.found;
    else progress(found.missing);
  }
  let deployment: DeploymentSuite | undefined;
  try {
    const specs: ColumnSpec[] = [...hosts].map(([runtime, host]) => ({ label: runtime, runtime, taskManagers: 0, host }));
    const tms = options.taskManagers ?? 0;
    if (tms > 0) {
      for (const [runtime, host] of hosts) {
        if (runtime !== "workerd") specs.push({ label: `${runtime}/${tms}tm`, runtime, taskManagers: tms, host });
      }
    }
    let durableObjects: Found<DeploymentSuite> | undefined;
    if (onDurableObjects && (httpNames.length < scenarios.length || withPortability)) {
      durableObjects = await options.durableObjects!(componentsDir);
      if ("found" in durableObjects) deployment = durableObjects.found;
      if (scenarios.length > 0) specs.push({ label: "workerd/do", runtime: "workerd", taskManagers: 0, host: durableObjects });
    }
    const columns =
      scenarios.length === 0
        ? []
        : await inPool(
            specs.map((spec) => async () => {
              if ("found" in spec.host) progress(`${spec.label}: running ${scenarios.length} scenario${scenarios.length === 1 ? "" : "s"}`);
              const suite = await runColumn(spec, {
                cwd: options.cwd,
                timeoutMs: options.timeoutMs ?? 10 * 60_000,
                ...(filter !== "" ? { filter } : {}),
                ...(componentsDir !== undefined ? { componentsDir } : {}),
                ...(broker !== undefined ? { kafka: broker.bootstrap } : {}),
                ...(httpNames.length === scenarios.length ? { skipSuite: true } : {}),
              });
              const column = { ...suite, results: [...suite.results, ...(await httpResults(spec, httpNames, filter))] };
              const cells = scenarios.map((s) => cellOf(column, s));
              progress(`${spec.label}: ${column.missing ?? `${cells.filter((c) => c.status === "passed").length} passed, ${cells.filter((c) => c.status === "failed").length} failed, ${cells.filter((c) => c.status === "skipped").length} skipped`}`);
              return column;
            }),
            options.concurrency,
          );
    let portability: PortabilityResult | undefined;
    if (withPortability && hosts.size > 0) {
      const portable: Map<PortabilityColumn, Found<PortabilityHost>> = new Map(hosts);
      if (durableObjects !== undefined) portable.set("workerd/do", durableObjects);
      progress(`${PORTABILITY}: a savepoint taken on each of ${[...portable.keys()].join(", ")} resumed on each`);
      portability = await runPortability(portable, { cwd: options.cwd, concurrency: options.concurrency });
    }
    const rows = scenarios.map((scenario) => ({ scenario, cells: columns.map((c) => cellOf(c, scenario)) }));
    const statuses = [...rows.flatMap((r) => r.cells.map((c) => c.status)), ...(portability?.cells.map((c) => c.status) ?? [])];
    return {
      columns: columns.map(({ results: _results, ...column }) => column),
      rows,
      ...(portability !== undefined ? { portability } : {}),
      passed: statuses.filter((s) => s === "passed").length,
      failed: statuses.filter((s) => s === "failed").length,
      skipped: statuses.filter((s) => s === "skipped").length,
    };
  } finally {
    await deployment?.close();
    await broker?.close();
    for (const host of hosts.values()) if ("found" in host && "url" in host.found) await host.found.close();
  }
}

/** Options of {@link runHttpMatrix}. */
export interface HttpMatrixOptions {
  readonly url: string;
  readonly token?: string;
  readonly filter?: string;
  readonly progress?: (message: string) => void;
}

/** The HTTP-level scenarios against the deployment at `options.url`: a matrix of one column. */
export async function runHttpMatrix(options: HttpMatrixOptions): Promise<ConformanceMatrix> {
  const progress = options.progress ?? (() => {});
  progress(`${options.url}: running the HTTP-level scenarios`);
  const summary = await runHttpConformance({
    url: options.url,
    ...(options.token !== undefined ? { token: options.token } : {}),
    ...(options.filter !== undefined ? { filter: options.filter } : {}),
    reporter: (r) => progress(`${r.name}: ${r.status}`),
  });
  return {
    columns: [{ label: options.url, taskManagers: 0 }],
    rows: summary.results.map((r) => ({ scenario: r.name, cells: [r] })),
    passed: summary.passed,
    failed: summary.failed,
    skipped: summary.skipped,
  };
}
