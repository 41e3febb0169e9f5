/**
 * Kafka-style properties (`setProperty('partition.discovery.interval.ms', '10000')`) read into
 * typed settings, with Kafka's and Flink's defaults.
 */
import { checkArgument } from "../../core/errors.ts";
import type { KafkaClient, KafkaClientConfig } from "./client.ts";
import { KafkajsClient } from "./kafkajs-client.ts";

/** Properties as given to a builder. */
export type KafkaProperties = Map<string, string>;

/** Reads an integer property. */
export function intProperty(props: KafkaProperties, name: string, fallback: number): number {
  const raw = props.get(name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  checkArgument(Number.isFinite(n) && Number.isInteger(n), `[eddy] Kafka property ${name} must be an integer, got "${raw}"`);
  return n;
}

/** Client settings from properties. */
export function clientConfig(bootstrap: readonly string[], props: KafkaProperties, clientId: string): KafkaClientConfig {
  const isolation = props.get("isolation.level") ?? "read_committed";
  checkArgument(isolation === "read_committed" || isolation === "read_uncommitted", `[eddy] Kafka property isolation.level must be read_committed or read_uncommitted, got "${isolation}"`);
  return {
    bootstrapServers: bootstrap,
    clientId: props.get("client.id") ?? clientId,
    isolationLevel: isolation,
    retries: intProperty(props, "retries", 5),
    retryBackoffMs: intProperty(props, "retry.backoff.ms", 100),
    requestTimeoutMs: intProperty(props, "request.timeout.ms", 30_000),
    connectionTimeoutMs: intProperty(props, "socket.connection.setup.timeout.ms", 3_000),
    logLevel: props.get("log.level") ?? "error",
  };
}

/** Builds a client: kafkajs unless the builder was given another factory. */
export type KafkaClientFactory = (config: KafkaClientConfig) => KafkaClient;

/** The default factory. */
export const kafkajsClientFactory: KafkaClientFactory = (config) => new KafkajsClient(config);

/** Parses "host:port,host:port" or a list. */
export function bootstrapList(servers: string | readonly string[]): string[] {
  const list = typeof servers === "string" ? servers.split(",") : [...servers];
  const out = list.map((s) => s.trim()).filter((s) => s !== "");
  checkArgument(out.length > 0, "[eddy] Kafka: setBootstrapServers needs at least one host:port");
  return out;
}
