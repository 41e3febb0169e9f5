/**
 * What KafkaSource and KafkaSink builders share: bootstrap servers, Kafka properties, a display
 * name and the client factory.
 */
import { bootstrapList, type KafkaClientFactory, kafkajsClientFactory, type KafkaProperties } from "./properties.ts";

/** Base of the source and sink builders. */
export abstract class KafkaClientBuilder {
  protected bootstrap: string[] | undefined;
  protected readonly props: KafkaProperties = new Map();
  protected clientFactory: KafkaClientFactory = kafkajsClientFactory;

  protected constructor(protected name: string) {}

  /** "host:port,host:port" or a list. */
  setBootstrapServers(servers: string | readonly string[]): this {
    this.bootstrap = bootstrapList(servers);
    return this;
  }

  /** A Kafka or Eddy property (see the builder's own documentation for the ones it reads). */
  setProperty(name: string, value: string | number | boolean): this {
    this.props.set(name, String(value));
    return this;
  }

  /** Display name in plans, metrics and errors. */
  setName(name: string): this {
    this.name = name;
    return this;
  }

  /** Another Kafka client than kafkajs (see client.ts). */
  setClientFactory(factory: KafkaClientFactory): this {
    this.clientFactory = factory;
    return this;
  }
}
