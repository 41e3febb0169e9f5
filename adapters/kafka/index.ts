/** @module Kafka for Eddy (`eddy/kafka`): KafkaSource with partition discovery and KafkaSink with exactly-once transactions, on kafkajs behind a small client interface. */
export { KafkaSource, KafkaSourceBuilder, type KafkaSourceMetrics } from "./kafka-source.ts";
export { KafkaSink, KafkaSinkBuilder, type DeliveryGuarantee, type KafkaTransaction, type KafkaSinkMetrics } from "./kafka-sink.ts";
export { OffsetsInitializer } from "./offsets-initializer.ts";
export {
  KafkaDeserializers,
  KafkaSerializers,
  DeadLetter,
  type KafkaRecordDeserializer,
  type KafkaRecordSerializer,
  type DeserializationFailurePolicy,
  type SerializerOptions,
} from "./deserializers.ts";
export type { KafkaPartitionSplit, KafkaEnumeratorState, DiscoveryState } from "./source-enumerator.ts";
export {
  tpKey,
  type KafkaClient,
  type KafkaClientConfig,
  type KafkaRecord,
  type ProducerRecord,
  type TopicPartition,
  type TransactionIdentity,
  type TransactionalProducer,
  type RecordProducer,
  type OffsetSpec,
  type FetchedPartition,
} from "./client.ts";
export { KafkajsClient } from "./kafkajs-client.ts";
export type { KafkaClientFactory } from "./properties.ts";
