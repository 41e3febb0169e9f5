/**
 * Job specs on the edge: the builder every object of a spec's job runs (`specJob`, the module
 * `eddy:spec`), with what the edge provides: WebAssembly components compiled into the bundle
 * (found by sha256, as an uploaded artifact is), ingest sources, webhook sinks, and in the
 * JobManager object a collect sink that keeps its records in the object's storage.
 */
import { MemoryCheckpointStorage, MemoryFileSystem, type OperatorProvider, type StreamExecutionEnvironment } from "../../core/index.ts";
import type { CompiledComponent } from "../../operators-wasm/host/instance.ts";
import { WasmFunction } from "../../operators-wasm/host/wasm-function.ts";
import { type WasmKind, worldForKind } from "../../server/components.ts";
import { HttpError } from "../../server/errors.ts";
import { type SpecConnectors, buildGraph, configureJobManager } from "../../server/job-builder.ts";
import type { JobSpec } from "../../server/job-spec.ts";
import { type KafkaRuntime, unavailableKafkaRuntime } from "../../server/kafka.ts";
import type { ResultBuffer } from "../../server/result-buffer.ts";
import { IngestSource } from "./ingest-source.ts";
import { WebhookSink } from "./webhook-sink.ts";

/** Why a Worker has no Kafka: what it would take, as found in workerd. */
export const NO_KAFKA_IN_BUNDLE =
  "this Worker was bundled without Eddy's Kafka client: kafkajs connects through node:net, which workerd gives a Worker only with the nodejs_compat compatibility flag (on cloudflare:sockets), and its modules must be compiled into the Worker; eddy bundle does both";

/** What a spec job's builder is given (the job's params: plain data). */
export interface SpecJobParams {
  readonly spec: JobSpec;
  readonly jobKey: string;
  readonly submitted: number;
}

/** A component compiled into the bundle, and the names specs may give it (its sha256 among them). */
export interface BundledComponent {
  readonly names: readonly string[];
  readonly compiled: CompiledComponent;
}

/** What the object building a spec job provides. */
export interface SpecJobContext {
  readonly components: readonly BundledComponent[];
  /** The collect sink's buffer (the JobManager object's; TaskManagers forward their records to it). */
  readonly results?: (capacity: number) => ResultBuffer;
  readonly kafka?: KafkaRuntime;
}

/** The connectors of spec jobs on the edge. */
export const edgeSpecConnectors: SpecConnectors = {
  ingest: async (s) => new IngestSource({ name: s.name, ...(s.maxBacklog !== undefined ? { maxBacklog: s.maxBacklog } : {}) }),
  webhook: async (s, _path, jobKey) =>
    new WebhookSink({ ...(jobKey !== undefined ? { idempotencyKeyPrefix: jobKey } : {}), url: s.url, ...(s.headers !== undefined ? { headers: s.headers } : {}), ...(s.maxRecordsPerRequest !== undefined ? { maxRecordsPerRequest: s.maxRecordsPerRequest } : {}) }),
};

/** The bundled component a spec names, as a function of `kind`; a 400 naming `path` when there is none. */
export function bundledComponent(components: readonly BundledComponent[], id: string, kind: string, name: string, path: string): OperatorProvider {
  const found = components.find((c) => c.names.includes(id));
  if (found === undefined) {
    const known = components.map((c) => c.names[c.names.length - 1]).join(", ");
    throw new HttpError(400, "[eddy] invalid job spec", [{ path, message: `expected a component bundled into this Worker (eddy bundle --component): "${id}" is not one of them${known === "" ? " (it has none)" : ` (${known})`}` }]);
  }
  const world = worldForKind(kind as WasmKind);
  if (found.compiled.world !== world) throw new HttpError(400, "[eddy] invalid job spec", [{ path, message: `expected a component of world ${world} for kind ${kind}, got ${found.compiled.world}` }]);
  return new WasmFunction(found.compiled, { name, values: "json" });
}

/** The module `eddy:spec` for one object: `specJob(env, params)` builds the spec on `env`. */
export function specJobModule(context: SpecJobContext): Record<string, unknown> {
  return {
    specJob: async (env: StreamExecutionEnvironment, params: SpecJobParams): Promise<void> => {
      // The JobManager object replaces the storage with its own; TaskManagers store nothing.
      configureJobManager(env, params.spec, { checkpointStorage: new MemoryCheckpointStorage(), jobKey: params.jobKey });
      await buildGraph(env, params.spec, {
        outputFs: new MemoryFileSystem(),
        print: (line) => console.log(line),
        jobKey: params.jobKey,
        submitted: params.submitted,
        kafka: context.kafka ?? unavailableKafkaRuntime(NO_KAFKA_IN_BUNDLE),
        component: async (id, kind, name, path) => bundledComponent(context.components, id, kind, name, path),
        connectors: edgeSpecConnectors,
        ...(context.results !== undefined ? { resultBuffer: context.results } : {}),
      });
    },
  };
}
