/**
 * A job spec as a job builder module, for specs that run on worker TaskManagers: every
 * TaskManager imports this module and calls `specJob(env, params)`, which builds the graph the
 * JobManager built with the same `buildGraph`. The params carry all a TaskManager needs: the spec,
 * its submission time, the bytes of the components it names, the output directory of file sinks
 * and the Kafka brokers specs may name. On the JobManager the server's own context is used
 * instead (its result buffer, its compiled components), handed over by {@link buildSpecJob}.
 */
import { EddyError, type FileSystem, type StreamExecutionEnvironment } from "../core/index.ts";
import { defaultComponentRuntime } from "./components.ts";
import { type GraphContext, buildGraph } from "./job-builder.ts";
import type { JobSpec } from "./job-spec.ts";
import { defaultKafkaRuntime } from "./kafka.ts";
import type { ResultBuffer } from "./result-buffer.ts";

/** What a TaskManager builds a spec's job from (structured-cloneable). */
export interface SpecJobParams {
  readonly spec: JobSpec;
  /** Submission time, ms since epoch: generators count event time from it. */
  readonly submitted: number;
  /** Names the job, the same across its restarts. */
  readonly jobKey?: string;
  /** The bytes of each artifact the spec names, by id. */
  readonly artifacts: Readonly<Record<string, Uint8Array>>;
  /** The directory file sinks write under (the server's output directory), when there is one. */
  readonly outputDir?: string;
  /** The only Kafka brokers the spec may name (default: any). */
  readonly kafkaBrokers?: readonly string[];
}

/** The JobManager's side of a build in progress, by environment. */
const onJobManager = new WeakMap<StreamExecutionEnvironment, { readonly context: GraphContext; results: ResultBuffer | undefined }>();

/** The builder every TaskManager runs (and the JobManager, through {@link buildSpecJob}). */
export async function specJob(env: StreamExecutionEnvironment, params: SpecJobParams): Promise<void> {
  const jobManager = onJobManager.get(env);
  const built = await buildGraph(env, params.spec, jobManager?.context ?? (await taskManagerContext(params)));
  if (jobManager !== undefined) jobManager.results = built.results;
}

/**
 * Builds a spec's job on `env`, an environment on a cluster, as a job every TaskManager builds
 * itself from `params`; here the graph uses `context`. Returns the collect sink's buffer.
 */
export async function buildSpecJob(env: StreamExecutionEnvironment, params: SpecJobParams, context: GraphContext): Promise<ResultBuffer | undefined> {
  const side = { context, results: undefined as ResultBuffer | undefined };
  onJobManager.set(env, side);
  try {
    await env.build({ module: import.meta.url, export: "specJob", params });
  } finally {
    onJobManager.delete(env);
  }
  return side.results;
}

/** Compiled components of this TaskManager, by artifact id: each is compiled once per isolate. */
const compiled = new Map<string, Promise<unknown>>();
let components: ReturnType<typeof defaultComponentRuntime> | undefined;

/** The context of a TaskManager, made from the params (the JobManager checked the spec already). */
async function taskManagerContext(params: SpecJobParams): Promise<GraphContext> {
  const runtime = (components ??= defaultComponentRuntime());
  return {
    outputFs: params.outputDir !== undefined ? await runtimeFileSystem(params.outputDir) : undefined,
    component: async (id, _kind, name) => {
      let c = compiled.get(id);
      if (c === undefined) {
        const bytes = params.artifacts[id];
        if (bytes === undefined) throw new EddyError(`[eddy] the job names artifact ${id}, but its bytes did not reach this TaskManager`, { code: "INVALID_JOB", domain: "internal", retryable: false });
        c = runtime.compile(bytes, `artifact ${id.slice(0, 12)}`);
        compiled.set(id, c);
        c.catch(() => compiled.delete(id));
      }
      return runtime.provider(await c, name);
    },
    // A TaskManager's print sinks send their lines to the JobManager, which prints them.
    print: () => {},
    kafka: defaultKafkaRuntime(params.kafkaBrokers !== undefined ? { allowedBrokers: params.kafkaBrokers } : {}),
    submitted: params.submitted,
    ...(params.jobKey !== undefined ? { jobKey: params.jobKey } : {}),
  };
}

/** The file system of the runtime this TaskManager runs on, rooted at `root`. */
async function runtimeFileSystem(root: string): Promise<FileSystem> {
  const g = globalThis as { Deno?: unknown; Bun?: unknown };
  const runtime = g.Deno !== undefined ? "deno" : g.Bun !== undefined ? "bun" : "node";
  // A computed specifier, with this module's own extension (.ts in the sources, .js in the npm
  // package's build): bundlers for workerd, which has no file system, leave it out.
  const specifier = ["..", "adapters", runtime, `fs${import.meta.url.slice(import.meta.url.lastIndexOf("."))}`].join("/");
  const m = (await import(/* @vite-ignore */ new URL(specifier, import.meta.url).href)) as Record<string, new (root: string) => FileSystem>;
  const FileSystemClass = m[{ deno: "DenoFileSystem", bun: "BunFileSystem", node: "NodeFileSystem" }[runtime]]!;
  return new FileSystemClass(root);
}
