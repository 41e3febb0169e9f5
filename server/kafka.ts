/**
 * Kafka sources and sinks of job specs, through `eddy/kafka` imported on first use: kafkajs
 * never loads for jobs that do not name Kafka, and workerd (no TCP sockets for kafkajs) gets a
 * runtime that answers 501.
 */
import type { Sink, Source, SourceSplit } from "../core/index.ts";
import { HttpError } from "./errors.ts";
import type { SinkSpec, SourceSpec } from "./job-spec.ts";

type KafkaSourceSpec = Extract<SourceSpec, { type: "kafka" }>;
type KafkaSinkSpec = Extract<SinkSpec, { type: "kafka" }>;
type Rec = Record<string, unknown>;

/** Builds the Kafka connectors of a spec; `path` names the spec entry in errors. */
export interface KafkaRuntime {
  source(spec: KafkaSourceSpec, path: string): Promise<Source<unknown, SourceSplit, unknown>>;
  sink(spec: KafkaSinkSpec, path: string): Promise<Sink<unknown>>;
}

function specError(path: string, message: string): HttpError {
  return new HttpError(400, "[eddy] invalid job spec", [{ path, message }]);
}

/** The builders' argument errors (a bad property value...) as a 400 naming the spec entry. */
function asSpecError<T>(path: string, build: () => T): T {
  try {
    return build();
  } catch (error) {
    throw specError(path, (error instanceof Error ? error.message : String(error)).replace(/^\[eddy\] /, ""));
  }
}

/** eddy/kafka's exports. */
export type KafkaApi = typeof import("../adapters/kafka/index.ts");

/**
 * Kafka through eddy/kafka. With `allowedBrokers`, a spec may only name those `host:port`s (a
 * server that runs other people's specs should not connect wherever they ask). `load` imports
 * eddy/kafka (default: on first use, by a specifier bundlers leave out).
 */
export function defaultKafkaRuntime(options: { allowedBrokers?: readonly string[]; load?: () => Promise<KafkaApi> } = {}): KafkaRuntime {
  let loaded: Promise<KafkaApi> | undefined;
  // A computed specifier: bundlers leave it out (kafkajs needs node:net; a Worker gets it only
  // when bundled for it, see adapters/workerd/edge-kafka.ts). Its extension is this module's
  // own: .ts in the sources, .js in the npm package's build.
  const importKafka = (): Promise<KafkaApi> => {
    const specifier = ["..", "adapters", "kafka", `index${import.meta.url.slice(import.meta.url.lastIndexOf("."))}`].join("/");
    return import(/* @vite-ignore */ new URL(specifier, import.meta.url).href) as Promise<KafkaApi>;
  };
  const load = (): Promise<KafkaApi> => (loaded ??= (options.load ?? importKafka)());
  const allowed = options.allowedBrokers === undefined ? undefined : new Set(options.allowedBrokers);
  const checkBrokers = (servers: readonly string[], path: string): void => {
    if (allowed === undefined) return;
    servers.forEach((s, i) => {
      if (!allowed.has(s)) throw specError(`${path}.bootstrapServers[${i}]`, `broker ${s} is not allowed here; this server connects to ${[...allowed].join(", ") || "no Kafka brokers"}`);
    });
  };

  return {
    async source(s, path) {
      checkBrokers(s.bootstrapServers, path);
      const { KafkaSource, KafkaDeserializers, OffsetsInitializer } = await load();
      return asSpecError(path, () => {
        const builder = KafkaSource.builder<unknown>().setBootstrapServers(s.bootstrapServers).setName(s.name ?? `Kafka ${s.topics?.join(",") ?? s.topicPattern}`);
        if (s.topics !== undefined) builder.setTopics(s.topics);
        else builder.setTopicPattern(new RegExp(s.topicPattern!));
        if (s.groupId !== undefined) builder.setGroupId(s.groupId);
        const start = s.startingOffsets ?? "earliest";
        builder.setStartingOffsets(
          start === "earliest" ? OffsetsInitializer.earliest() : start === "latest" ? OffsetsInitializer.latest() : start === "committed" ? OffsetsInitializer.committedOffsets() : OffsetsInitializer.timestamp(start.timestamp),
        );
        if (s.bounded === true) builder.setBounded();
        if (s.maxRatePerPartition !== undefined) builder.setMaxRatePerPartition(s.maxRatePerPartition);
        for (const [k, v] of Object.entries(s.properties ?? {})) builder.setProperty(k, v);
        if (s.partitionDiscoveryIntervalMs !== undefined) builder.setProperty("partition.discovery.interval.ms", s.partitionDiscoveryIntervalMs);
        if ((s.format ?? "json") === "json") builder.setDeserializer(KafkaDeserializers.json<unknown>());
        else {
          const text = new TextDecoder("utf-8", { fatal: true });
          const str = (b: Uint8Array | null): string | null => (b === null ? null : text.decode(b));
          builder.setDeserializer<Rec>({
            deserialize: (r) => ({ topic: r.topic, partition: r.partition, offset: r.offset, timestamp: r.timestamp, key: str(r.key), value: str(r.value) }),
          });
        }
        builder.setDeserializationFailurePolicy(s.onDeserializationFailure ?? "FAIL");
        return builder.build();
      });
    },
    async sink(s, path) {
      checkBrokers(s.bootstrapServers, path);
      const { KafkaSink, KafkaSerializers } = await load();
      return asSpecError(path, () => {
        const field = s.keyField;
        const key = field === undefined ? undefined : (r: unknown): string | null => {
          const v = r !== null && typeof r === "object" && Object.hasOwn(r, field) ? (r as Rec)[field] : undefined;
          return v === undefined || v === null ? null : typeof v === "string" ? v : JSON.stringify(v);
        };
        const builder = KafkaSink.builder<unknown>()
          .setBootstrapServers(s.bootstrapServers)
          .setName(s.name ?? `Kafka ${s.topic}`)
          .setRecordSerializer(KafkaSerializers.json<unknown>({ topic: s.topic, ...(key !== undefined ? { key } : {}) }))
          .setDeliveryGuarantee(s.deliveryGuarantee ?? "AT_LEAST_ONCE");
        if (s.transactionalIdPrefix !== undefined) builder.setTransactionalIdPrefix(s.transactionalIdPrefix);
        for (const [k, v] of Object.entries(s.properties ?? {})) builder.setProperty(k, v);
        return builder.build() as Sink<unknown>;
      });
    },
  };
}

/** For runtimes where kafkajs cannot run (workerd). */
export function unavailableKafkaRuntime(reason: string): KafkaRuntime {
  const refuse = async (_s: unknown, path: string): Promise<never> => {
    throw new HttpError(501, `[eddy] ${path}: Kafka is not available here: ${reason}`);
  };
  return { source: refuse, sink: refuse };
}
