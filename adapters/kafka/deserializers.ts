/**
 * Turning Kafka records into stream elements (source side) and stream elements into Kafka
 * records (sink side), with the common formats built in: strings, JSON and raw bytes.
 */
import type { KafkaRecord, ProducerRecord } from "./client.ts";

/** Turns one Kafka record into one stream element; throwing means the record is poison. */
export interface KafkaRecordDeserializer<T> {
  deserialize(record: KafkaRecord): T;
}

/** What happens to a record the deserializer rejects. */
export type DeserializationFailurePolicy = "FAIL" | "SKIP" | "DEAD_LETTER";

/**
 * A record that could not be deserialized. Under the `DEAD_LETTER` policy it goes to the side
 * output given to `setDeserializationFailurePolicy("DEAD_LETTER", tag)` (read it with
 * `stream.getSideOutput(tag)`), never into the main stream.
 */
export class DeadLetter {
  constructor(
    readonly record: KafkaRecord,
    /** Why deserialization failed. */
    readonly error: string,
  ) {}
}

function valueOf(record: KafkaRecord): Uint8Array {
  if (record.value === null) throw new Error(`record ${record.topic}:${record.partition}@${record.offset} has a null value`);
  return record.value;
}

/** Built-in deserializers (Flink's SimpleStringSchema, JsonDeserializationSchema, raw bytes). */
export const KafkaDeserializers = {
  /** The value as UTF-8 text; invalid UTF-8 or a null value is a failure. */
  string: (): KafkaRecordDeserializer<string> => {
    const decoder = new TextDecoder("utf-8", { fatal: true });
    return { deserialize: (r) => decoder.decode(valueOf(r)) };
  },
  /** The value parsed as JSON (UTF-8). */
  json: <T = unknown>(): KafkaRecordDeserializer<T> => {
    const decoder = new TextDecoder("utf-8", { fatal: true });
    return { deserialize: (r) => JSON.parse(decoder.decode(valueOf(r))) as T };
  },
  /** The value's bytes, copied into a plain Uint8Array. */
  bytes: (): KafkaRecordDeserializer<Uint8Array> => {
    return { deserialize: (r) => new Uint8Array(valueOf(r)) };
  },
  /** The whole record: key, value, headers, topic, partition, offset, timestamp. */
  record: (): KafkaRecordDeserializer<KafkaRecord> => {
    return { deserialize: (r) => r };
  },
  /** Any function of the value bytes. */
  valueOnly: <T>(parse: (value: Uint8Array) => T): KafkaRecordDeserializer<T> => {
    return { deserialize: (r) => parse(valueOf(r)) };
  },
};

/** Turns one stream element into the record to write. */
export interface KafkaRecordSerializer<T> {
  serialize(element: T, timestamp: number): ProducerRecord;
}

/** Options of the built-in serializers. */
export interface SerializerOptions<T> {
  readonly topic: string;
  /** Key of each record (records with equal keys go to the same partition). */
  readonly key?: (element: T) => string | Uint8Array | null;
  /** Write the element's timestamp as the record timestamp (default true when it has one). */
  readonly withTimestamp?: boolean;
}

function serializer<T>(options: SerializerOptions<T>, value: (e: T) => string | Uint8Array): KafkaRecordSerializer<T> {
  const { topic, key } = options;
  const withTs = options.withTimestamp ?? true;
  return {
    serialize: (e, ts) => ({
      topic,
      value: value(e),
      ...(key !== undefined ? { key: key(e) } : {}),
      ...(withTs && Number.isFinite(ts) ? { timestamp: ts } : {}),
    }),
  };
}

/** Built-in serializers. */
export const KafkaSerializers = {
  /** Elements written as UTF-8 text. */
  string: (options: SerializerOptions<string>): KafkaRecordSerializer<string> => {
    return serializer(options, (e) => e);
  },
  /** Elements written as JSON. */
  json: <T>(options: SerializerOptions<T>): KafkaRecordSerializer<T> => {
    return serializer(options, (e) => JSON.stringify(e));
  },
  /** Elements that are already bytes. */
  bytes: (options: SerializerOptions<Uint8Array>): KafkaRecordSerializer<Uint8Array> => {
    return serializer(options, (e) => e);
  },
};
