/**
 * `eddy serve`: the HTTP API with embedded defaults on Node, Deno or Bun (whichever runs this
 * file): checkpoints and savepoints under `--checkpoint-dir`, uploaded components, submitted jobs
 * and file-sink output under `--data-dir`, optional bearer token, optional demo job. Started again
 * with the same directories, it resumes the jobs that had not ended from their latest checkpoints.
 *
 *   eddy serve [--port 8081] [--host 127.0.0.1] [--token T [--public-reads]] [--checkpoint-dir DIR] [--data-dir DIR] [--demo [--rate N] [--events N]]
 *   deno run -A bin/serve.ts --port 0        bun run bin/serve.ts --port 0
 *
 * Submitted specs run on worker TaskManagers (worker threads on Node, Web Workers on Deno and
 * Bun): `--task-managers N` of them (default one per core; 0 runs jobs in the server's own
 * isolate), `--slots S` each (default 4), and `--user-code-budget-ms MS` of CPU per call into user
 * code (default 10000). The demo job runs in the server's isolate (it prints the console status).
 *
 * Prints `eddy: serving the API at <url>` once listening (with --quiet: `EDDY_LISTENING <url>` only).
 * `--max-artifact-bytes N` caps component uploads (default 16 MiB).
 * `--max-jobs N` and `--max-slots N` limit the jobs running at once (default 32) and the task slots
 * they take together (default: the TaskManagers' slots, or 256 in the server's isolate; a job takes
 * as many as its largest parallelism).
 * `--kafka-brokers host:port,...` lets job specs name only these Kafka brokers (default: any).
 */
import os from "node:os";
import path from "node:path";
import type { Cluster, FileSystem } from "../core/index.ts";
import { createApp, type EddyApp, FileSystemArtifactStore, JobRegistry, JobStore } from "../server/index.ts";

/** Options of {@link startServer}. */
export interface StartOptions {
  readonly port?: number;
  readonly host?: string;
  /** Requests need `Authorization: Bearer <token>` (all but the dashboard page and /openapi.json). */
  readonly token?: string;
  /** With a token: reads need none, only requests that change something do. */
  readonly publicReads?: boolean;
  readonly checkpointDir?: string;
  readonly dataDir?: string;
  /** Run the page-count demo job and print its windows and status line. */
  readonly demo?: boolean;
  readonly rate?: number;
  /** Demo: stop generating after this many events. */
  readonly events?: number;
  /** Largest component upload in bytes (default 16 MiB). */
  readonly maxArtifactBytes?: number;
  /** Jobs running at once (default 32). */
  readonly maxJobs?: number;
  /** Task slots the running jobs take together (default: the TaskManagers' slots; 256 with none). */
  readonly maxSlots?: number;
  /** Worker TaskManagers that run submitted specs (default one per core; 0: the server's isolate runs them). */
  readonly taskManagers?: number;
  /** Slots per TaskManager (default {@link DEFAULT_SLOTS}). */
  readonly slots?: number;
  /** CPU budget of one call into user code on a TaskManager, ms (default 10000; 0: none). */
  readonly userCodeBudgetMs?: number;
  /** The only Kafka brokers job specs may name (default: any). */
  readonly kafkaBrokers?: readonly string[];
  /** Suppress print sinks and the banner (tests). */
  readonly quiet?: boolean;
}

type Runtime = "node" | "deno" | "bun";

/**
 * Slots per TaskManager by default. A slot holds one parallel slice of a job (slot sharing), and
 * a TaskManager is one isolate on one core: a few slots per core let several small jobs share a
 * worker (most spec jobs leave a core mostly idle), while a job's parallel subtasks still go to
 * different workers first. Flink's 1 slot per TaskManager would allow only one job per core.
 */
export const DEFAULT_SLOTS = 4;

/** The cores of this machine, for one TaskManager each. */
function cores(): number {
  const n = (globalThis as { navigator?: { hardwareConcurrency?: unknown } }).navigator?.hardwareConcurrency;
  return typeof n === "number" && n >= 1 ? n : os.availableParallelism();
}

function runtime(): Runtime {
  const g = globalThis as { Deno?: unknown; Bun?: unknown };
  return g.Deno !== undefined ? "deno" : g.Bun !== undefined ? "bun" : "node";
}

/** The running runtime's adapter: its file system, serve and worker TaskManagers. */
async function adapter(rt: Runtime): Promise<{ fs: (root: string) => FileSystem; serve: typeof import("../adapters/node/serve.ts").serve; workerCluster: typeof import("../adapters/node/worker-cluster.ts").workerCluster }> {
  if (rt === "deno") {
    const m = await import("../adapters/deno/index.ts");
    return { fs: (root) => new m.DenoFileSystem(root), serve: m.serve, workerCluster: m.workerCluster };
  }
  if (rt === "bun") {
    const m = await import("../adapters/bun/index.ts");
    return { fs: (root) => new m.BunFileSystem(root), serve: m.serve, workerCluster: m.workerCluster };
  }
  const m = await import("../adapters/node/index.ts");
  return { fs: (root) => new m.NodeFileSystem(root), serve: m.serve, workerCluster: m.workerCluster };
}

/** Starts the server; resolves once it listens. */
export async function startServer(options: StartOptions = {}) {
  const rt = runtime();
  const { fs, serve, workerCluster } = await adapter(rt);
  const dataDir = path.resolve(options.dataDir ?? ".eddy");
  const checkpointDir = path.resolve(options.checkpointDir ?? path.join(dataDir, "checkpoints"));
  const outputDir = path.join(dataDir, "output");
  const taskManagers = options.taskManagers ?? cores();
  const cluster: Cluster | undefined = taskManagers === 0 ? undefined : await workerCluster({ taskManagers, slotsPerTaskManager: options.slots ?? DEFAULT_SLOTS });
  let app: EddyApp | undefined;
  let closeDemo: (() => void) | undefined;
  try {
    const registry = new JobRegistry();
    let printLine = options.quiet === true ? (_line: string) => {} : (line: string) => console.log(line);
    if (options.demo === true) {
      const { startDemo } = await import("../examples/demo-console.ts");
      const demo = startDemo({ rate: options.rate, events: options.events });
      registry.add(demo.job);
      printLine = demo.printLine;
      closeDemo = demo.close;
    }
    app = createApp({
      token: options.token,
      publicReads: options.publicReads,
      registry,
      checkpointFs: fs(checkpointDir),
      outputFs: fs(outputDir),
      outputDir,
      ...(cluster !== undefined ? { cluster, hardware: { cpuCores: cores(), physicalMemory: os.totalmem() } } : {}),
      ...(options.userCodeBudgetMs !== undefined ? { userCodeBudgetMs: options.userCodeBudgetMs } : {}),
      artifacts: new FileSystemArtifactStore(fs(path.join(dataDir, "artifacts"))),
      jobStore: new JobStore(fs(dataDir), "jobs"),
      print: (line) => printLine(line),
      ...(options.maxArtifactBytes !== undefined ? { maxArtifactBytes: options.maxArtifactBytes } : {}),
      maxJobs: options.maxJobs,
      maxSlots: options.maxSlots,
      ...(options.kafkaBrokers !== undefined ? { kafkaBrokers: options.kafkaBrokers } : {}),
    });
    const running = app;
    const recovered = await running.ready;
    for (const r of recovered.unreadable) console.error(`[eddy] job record ${path.join(dataDir, r.path)} was skipped: ${r.reason}`);
    const server = await serve(running, { port: options.port ?? 8081, hostname: options.host ?? "127.0.0.1" });
    if (options.quiet !== true) {
      printLine(`eddy: serving the API at ${server.url} on ${rt} (dashboard ${server.url}/, spec ${server.url}/openapi.json)${options.token === undefined ? "" : options.publicReads === true ? "; requests that change something need the bearer token" : "; requests need the bearer token"}`);
      printLine(cluster === undefined ? "eddy: jobs run in the server's isolate" : `eddy: jobs run on ${taskManagers} TaskManagers × ${options.slots ?? DEFAULT_SLOTS} slots (${rt === "node" ? "worker threads" : "Web Workers"})`);
      const { resumed, ended, failed } = recovered;
      if (resumed.length + ended.length + failed.length > 0) printLine(`eddy: from ${path.join(dataDir, "jobs")}: ${resumed.length} jobs resumed, ${failed.length} could not be resumed (FAILED), ${ended.length} ended before`);
      if (options.demo === true) printLine(`eddy demo: ${options.rate ?? 50_000} page views/s, 5 s event-time windows, up to 2 s disorder (Ctrl-C to stop)`);
    }
    return {
      url: server.url,
      port: server.port,
      app: running,
      runtime: rt,
      async close(): Promise<void> {
        closeDemo?.();
        await running.shutdown();
        await cluster?.close();
        await server.close();
      },
    };
  } catch (error) {
    // A server that cannot start (its port taken) suspends the jobs it resumed and leaves no workers behind.
    closeDemo?.();
    await app?.shutdown();
    await cluster?.close();
    throw error;
  }
}

/** Parses `--name value` and `--flag` arguments. */
export function parseArgs(argv: readonly string[], flags: readonly string[]): { values: Map<string, string>; positional: string[] } {
  const values = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith("--")) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const name = a.slice(2, eq < 0 ? undefined : eq);
    if (eq >= 0) values.set(name, a.slice(eq + 1));
    else if (flags.includes(name)) values.set(name, "true");
    else values.set(name, argv[++i] ?? "");
  }
  return { values, positional };
}

/** `eddy serve ...`: starts, prints, and stops cleanly on Ctrl-C / SIGTERM. */
export async function serveCommand(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs(argv, ["demo", "quiet", "public-reads"]);
  const port = Number(values.get("port") ?? process.env.PORT ?? 8081);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`[eddy] --port must be an integer in 0..65535, got "${values.get("port")}"`);
  const rate = values.has("rate") ? Number(values.get("rate")) : undefined;
  const count = (flag: string, min = 1): number | undefined => {
    if (!values.has(flag)) return undefined;
    const n = Number(values.get(flag));
    if (!Number.isInteger(n) || n < min) throw new Error(`[eddy] --${flag} must be an integer >= ${min}, got "${values.get(flag)}"`);
    return n;
  };
  const server = await startServer({
    port,
    host: values.get("host"),
    token: values.get("token") ?? process.env.EDDY_TOKEN,
    publicReads: values.has("public-reads"),
    checkpointDir: values.get("checkpoint-dir"),
    dataDir: values.get("data-dir"),
    demo: values.has("demo"),
    rate,
    ...(values.has("events") ? { events: Number(values.get("events")) } : {}),
    quiet: values.has("quiet"),
    ...(values.has("max-artifact-bytes") ? { maxArtifactBytes: Number(values.get("max-artifact-bytes")) } : {}),
    maxJobs: count("max-jobs"),
    maxSlots: count("max-slots"),
    taskManagers: count("task-managers", 0),
    slots: count("slots"),
    userCodeBudgetMs: count("user-code-budget-ms", 0),
    ...(values.has("kafka-brokers") ? { kafkaBrokers: values.get("kafka-brokers")!.split(",").map((b) => b.trim()).filter((b) => b !== "") } : {}),
  });
  // Machine-readable for scripts that start a server on port 0.
  if (values.has("quiet")) console.log(`EDDY_LISTENING ${server.url}`);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void server.close().then(() => process.exit(0));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

// Run directly (deno run bin/serve.ts / bun run bin/serve.ts / tsx bin/serve.ts).
const self = (import.meta as { main?: boolean }).main ?? (process.argv[1] !== undefined && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname));
if (self) await serveCommand(process.argv.slice(2));
