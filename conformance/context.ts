/**
 * The context a run scenario gets: where it runs and what it may use, and how it builds jobs so
 * that the same scenario runs on the local TaskManager and on worker TaskManagers.
 */
import { type Cluster, type DataStream, type EnvironmentOptions, StreamExecutionEnvironment } from "../core/index.ts";
import { loadScenarioModule } from "./catalog.ts";
import type { RuntimeName, ScenarioContext } from "./scenario.ts";

/** Temporary directories on disk, for runtimes that have a file system. */
export interface TempDirectories {
  create(): Promise<string>;
  remove(dir: string): Promise<void>;
}

/** What the runner knows when it starts a scenario. */
export interface ContextOptions {
  readonly scenario: string;
  readonly runtime: RuntimeName;
  readonly cluster: Cluster | undefined;
  readonly components: ReadonlyMap<string, Uint8Array> | undefined;
  readonly kafka: readonly string[] | undefined;
  readonly tempDirectories: TempDirectories | undefined;
  readonly runId: string;
  /** The module whose `scenarioJob` export TaskManagers call to build a scenario's job. */
  readonly jobModule: string;
}

/** The parameters TaskManagers get to build a scenario's job (see `scenarioJob`). */
export interface ScenarioJobParams {
  readonly name: string;
  /** The export of the scenario's module that builds the job; default: the scenario's own `build`. */
  readonly job?: string;
  readonly params?: unknown;
}

/** Builds the job `params` names on `env`, from the scenario module's export. */
export async function buildScenarioJob(env: StreamExecutionEnvironment, params: ScenarioJobParams): Promise<DataStream<unknown> | undefined> {
  const module = await loadScenarioModule(params.name);
  if (params.job === undefined) {
    const scenario = module.default;
    if (!("build" in scenario)) throw new Error(`[eddy] conformance scenario "${params.name}" builds no single job: name one of its exports`);
    return scenario.build(env);
  }
  const builder = module[params.job];
  if (typeof builder !== "function") throw new Error(`[eddy] conformance scenario "${params.name}" exports no job builder "${params.job}"`);
  return (await builder(env, params.params)) as DataStream<unknown> | undefined;
}

/** A context for one scenario; `close()` removes the directories it handed out. */
export function createScenarioContext(options: ContextOptions): ScenarioContext & { close(): Promise<void> } {
  const dirs: string[] = [];
  const temp = options.tempDirectories;
  return {
    runtime: options.runtime,
    cluster: options.cluster,
    components: options.components,
    kafka: options.kafka,
    runId: options.runId,
    tempDir:
      temp === undefined
        ? undefined
        : async () => {
            const dir = await temp.create();
            dirs.push(dir);
            return dir;
          },
    environment(environmentOptions: EnvironmentOptions = {}) {
      return StreamExecutionEnvironment.create({ ...environmentOptions, ...(options.cluster !== undefined ? { cluster: options.cluster } : {}) });
    },
    async build<T>(env: StreamExecutionEnvironment, job: string, params?: unknown): Promise<DataStream<T> | undefined> {
      const ref: ScenarioJobParams = { name: options.scenario, job, params };
      if (options.cluster === undefined) return (await buildScenarioJob(env, ref)) as DataStream<T> | undefined;
      return env.build<T>({ module: options.jobModule, export: "scenarioJob", params: ref });
    },
    async close() {
      for (const dir of dirs.splice(0)) await temp?.remove(dir).catch(() => undefined);
    },
  };
}
