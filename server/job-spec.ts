/**
 * The declarative job spec of `POST /jobs`, as zod schemas. The same schemas validate requests
 * and generate `/openapi.json`, so the documented shape is the enforced one.
 */
import { z } from "zod";

/** Keys that would reach an object's prototype if copied naively; refused anywhere in a body. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

const posInt = (what = "a positive integer") => z.number({ error: `expected ${what}` }).int({ error: `expected ${what}` }).positive({ error: `expected ${what}` });
const nonNegInt = (what = "an integer >= 0") => z.number({ error: `expected ${what}` }).int({ error: `expected ${what}` }).min(0, { error: `expected ${what}` });
const durationMs = (min = 0) => z.number({ error: `expected a duration in ms >= ${min}` }).int({ error: "expected a whole number of ms" }).min(min, { error: `expected a duration in ms >= ${min}` });

/** A record field name: letters, digits, `_`, `-`, `.`; never a prototype key. */
export const FieldName = z
  .string({ error: "expected a field name (string)" })
  .regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/, { error: "expected a field name of letters, digits, _ . - (at most 64, starting with a letter or _)" })
  .refine((s) => !FORBIDDEN_KEYS.has(s), { error: "field names __proto__, constructor and prototype are not allowed" });

/** A display name for jobs, sources, operators. */
const DisplayName = z.string({ error: "expected a name (string)" }).min(1, { error: "expected a non-empty name" }).max(200, { error: "expected at most 200 characters" });

/**
 * A path naming a directory of its own under a server directory: '/'-separated names, none of
 * them empty, `.` or `..` (so `.`, `x/.` or `a//b` cannot stand for the directory itself or a
 * parent), no leading `/`, no backslashes, `:` or NUL.
 */
export const RelativePath = z
  .string({ error: "expected a relative path (string)" })
  .min(1, { error: "expected a non-empty relative path", abort: true })
  .max(500, { error: "expected at most 500 characters" })
  .refine((p) => !p.includes("\\") && !p.includes("\0") && !p.includes(":") && p.split("/").every((s) => s !== "" && s !== "." && s !== ".."), {
    error: "expected a relative path of '/'-separated names (none empty, '.' or '..'), without ':' or a leading '/'",
  });

/** A checkpoint or savepoint location in a Durable Object deployment's storage. */
const DurableLocation = z.string().regex(/^durable-object:\/\/[^/\s]+\/[^/\s]+\/(chk|savepoint)-\d+$/);

/** A job id as `POST /jobs` returns it: 32 lowercase hex digits. */
export const JobId = z.string({ error: "expected a job id" }).regex(/^[0-9a-f]{32}$/, { error: "expected a job id: 32 lowercase hex digits, as returned by POST /jobs" });

/** A sha256 artifact id as returned by `POST /artifacts`. */
export const ArtifactId = z.string({ error: "expected an artifact id" }).regex(/^[0-9a-f]{64}$/, { error: "expected an artifact id: 64 lowercase hex digits (sha256), as returned by POST /artifacts" });

const Scalar = z.union([z.string(), z.number(), z.boolean(), z.null()], { error: "expected a string, number, boolean or null" });

const Watermark = z.strictObject({
  maxOutOfOrdernessMs: durationMs().optional().describe("Bounded out-of-orderness (default 0)."),
  idlenessMs: durationMs(1).optional().describe("Mark the source idle after this long without records."),
});

const FieldGenerator = z.discriminatedUnion(
  "kind",
  [
    z.strictObject({ kind: z.literal("sequence") }).describe("The record index."),
    z.strictObject({ kind: z.literal("int"), min: z.number().int(), max: z.number().int() }),
    z.strictObject({ kind: z.literal("float"), min: z.number(), max: z.number() }),
    z.strictObject({ kind: z.literal("choice"), values: z.array(Scalar).min(1, { error: "expected at least one value" }).max(1000) }),
    z.strictObject({ kind: z.literal("string"), prefix: z.string().max(100).optional(), cardinality: posInt() }),
  ],
  { error: "expected kind to be one of sequence, int, float, choice, string" },
);

/** Built-in record shapes of the generator source. */
export const GENERATOR_SHAPES = ["page-views", "sensor-readings", "orders"] as const;

const rate = (what: string) => z.number({ error: `expected ${what} in records/s > 0` }).positive({ error: `expected ${what} in records/s > 0` }).max(1e9, { error: `expected ${what} of at most 1e9 records/s` });
const gain = (what: string) => z.number({ error: `expected the ${what} gain, a number >= 0` }).min(0, { error: `expected the ${what} gain, a number >= 0` }).max(1000);

const RateController = z
  .strictObject({
    intervalMs: durationMs(10).optional().describe("How often the rate is estimated again (default 1000)."),
    initialRate: rate("an initial rate").optional().describe("The rate before the first estimate (default: unlimited)."),
    maxRate: rate("a maximum rate").optional().describe("The rate never goes above this (default: unlimited)."),
    minRate: rate("a minimum rate").optional().describe("The rate never goes below this (default 100, as Spark)."),
    proportional: gain("proportional").optional().describe("Default 1.0."),
    integral: gain("integral").optional().describe("Default 0.2."),
    derivative: gain("derivative").optional().describe("Default 0.0."),
  })
  .describe("Spark Streaming's PID rate controller on this source: its ingestion rate follows what the job processes (see DataStream.setRateController).");

const sourceCommon = {
  name: DisplayName.optional(),
  parallelism: posInt().max(256).optional(),
  timestampField: FieldName.optional().describe("Event time (ms) is read from this field; generator records carry `ts`."),
  watermark: Watermark.optional(),
  rateController: RateController.optional(),
};

const GeneratorSource = z
  .strictObject({
    type: z.literal("generator"),
    ...sourceCommon,
    shape: z.enum(GENERATOR_SHAPES, { error: `expected shape to be one of ${GENERATOR_SHAPES.join(", ")}` }).optional(),
    fields: z.record(FieldName, FieldGenerator).optional().describe("Record fields and how each is generated (instead of a shape)."),
    count: nonNegInt().optional().describe("Number of records; omitted = unbounded."),
    ratePerSecond: z.number({ error: "expected a rate > 0" }).positive({ error: "expected a rate > 0" }).max(10_000_000).optional(),
    seed: z.number().int().optional(),
    disorder: z.strictObject({ fraction: z.number().min(0).max(1), maxDelayMs: durationMs() }).optional(),
  })
  .describe("Seeded records: a built-in shape or per-field generators; every record has `ts` (event time).");

const CollectionSource = z
  .strictObject({
    type: z.literal("collection"),
    ...sourceCommon,
    parallelism: z.literal(1, { error: "expected 1: a collection source reads its records in order, at parallelism 1 (use a generator for a parallel source)" }).optional(),
    records: z.array(z.record(z.string(), z.unknown()), { error: "expected an array of JSON objects" }).max(100_000),
  })
  .describe("Inline records (bounded, parallelism 1).");

/** A Kafka topic name (Kafka's rule: at most 249 of letters, digits, `.`, `_`, `-`). */
const TopicName = z.string({ error: "expected a topic name" }).regex(/^[A-Za-z0-9._-]{1,249}$/, { error: "expected a topic name of letters, digits, . _ - (at most 249)" });

/** Kafka client properties (`isolation.level`, `retries`, `transaction.timeout.ms`...), as the builders' setProperty. */
const KafkaProperties = z
  .record(
    z
      .string()
      .regex(/^[a-z][a-z0-9._-]{0,99}$/, { error: "expected a property name of lowercase letters, digits, . _ -" })
      .refine((k) => !FORBIDDEN_KEYS.has(k), { error: "property names constructor and prototype are not allowed" }),
    z.union([z.string().max(1000), z.number(), z.boolean()], { error: "expected a string, number or boolean" }),
  )
  .describe("Kafka client properties, as KafkaSource/KafkaSink builders' setProperty.");

const BootstrapServers = z
  .array(z.string().regex(/^[A-Za-z0-9._\[\]:-]{1,255}:[0-9]{1,5}$/, { error: "expected host:port" }), { error: "expected an array of host:port" })
  .min(1, { error: "expected at least one broker" })
  .max(100);

const KafkaSource = z
  .strictObject({
    type: z.literal("kafka"),
    ...sourceCommon,
    bootstrapServers: BootstrapServers,
    topics: z.array(TopicName).min(1, { error: "expected at least one topic" }).max(1000).optional(),
    topicPattern: z
      .string()
      .min(1)
      .max(1000)
      .refine((p) => validRegExp(p), { error: "expected a regular expression (JavaScript syntax)" })
      .optional()
      .describe("Every topic whose whole name matches; topics created later are discovered."),
    groupId: z.string().min(1).max(249).optional(),
    startingOffsets: z
      .union([z.enum(["earliest", "latest", "committed"]), z.strictObject({ timestamp: z.number().int().min(0) })], { error: 'expected "earliest", "latest", "committed" or { "timestamp": ms }' })
      .optional()
      .describe("Where partitions found at start are read from (default earliest); partitions discovered later are read from earliest."),
    bounded: z.boolean().optional().describe("Stop at the end offsets seen at start (the job then finishes)."),
    partitionDiscoveryIntervalMs: durationMs(0).optional().describe("Default 30000; 0 turns discovery off."),
    format: z.enum(["json", "record"], { error: 'expected format "json" or "record"' }).optional().describe("json: the value parsed as JSON (default); record: { topic, partition, offset, timestamp, key, value } with key and value as text."),
    onDeserializationFailure: z.enum(["FAIL", "SKIP"], { error: "expected FAIL or SKIP" }).optional().describe("A record that cannot be read: fail the job (default) or skip it (counted)."),
    maxRatePerPartition: rate("a rate per partition").optional().describe("Records/s read from each partition at most, also under a rate controller (Spark's maxRatePerPartition)."),
    properties: KafkaProperties.optional(),
  })
  .describe("A Kafka source (FLIP-27) with partition discovery. Without timestampField, event time is the record's Kafka timestamp.");

/** A name that is part of a URL: letters, digits, `-` and `_`. */
const UrlName = z.string({ error: "expected a name" }).regex(/^[A-Za-z0-9_-]{1,64}$/, { error: "expected a name of 1-64 letters, digits, - or _ (it is part of a URL)" });

const IngestSource = z
  .strictObject({
    type: z.literal("ingest"),
    ...sourceCommon,
    name: UrlName.describe("Records go to POST /jobs/{jobid}/ingest/{name} (or a WebSocket there)."),
    maxBacklog: posInt().max(10_000_000).optional().describe("Records that may wait unread per partition before posts get 429 (default 100 000)."),
  })
  .describe("Records posted to the job over HTTP or WebSocket, answered once durable (Durable Object deployments: eddy bundle).");

const sourceSpec = z.discriminatedUnion("type", [GeneratorSource, CollectionSource, KafkaSource, IngestSource], {
  error: "expected type to be one of generator, collection, kafka, ingest",
});
/** Schema of {@link SourceSpec}. */
export const SourceSpec: z.ZodType<SourceSpec> = sourceSpec;

const opCommon = { name: DisplayName.optional(), parallelism: posInt().max(256).optional() };

export const FILTER_OPS = ["==", "!=", "<", "<=", ">", ">=", "contains", "exists"] as const;

const Filter = z.strictObject({
  type: z.literal("filter"),
  ...opCommon,
  field: FieldName,
  op: z.enum(FILTER_OPS, { error: `expected op to be one of ${FILTER_OPS.join(" ")}` }),
  value: Scalar.optional(),
});
const mapShape = {
  ...opCommon,
  select: z.array(FieldName).min(1, { error: "expected at least one field" }).max(256),
  rename: z.record(FieldName, FieldName).optional().describe("Output name per selected field."),
};
const MapOp = z.strictObject({ type: z.literal("map"), ...mapShape }).describe("Keeps the selected fields (a projection).");
const Project = z.strictObject({ type: z.literal("project"), ...mapShape }).describe("Same as map.");
const KeyBy = z.strictObject({ type: z.literal("keyBy"), ...opCommon, field: FieldName });
const Window = z.strictObject({
  type: z.literal("window"),
  ...opCommon,
  kind: z.enum(["tumbling", "sliding", "session"], { error: "expected kind to be one of tumbling, sliding, session" }),
  time: z.enum(["event", "processing"], { error: "expected time to be event or processing" }).optional().describe("Default event."),
  size: posInt().optional().describe("Window size in ms (tumbling, sliding)."),
  slide: posInt().optional().describe("Slide in ms (sliding)."),
  gap: posInt().optional().describe("Session gap in ms (session)."),
  allowedLateness: durationMs().optional(),
});
export const AGGREGATIONS = ["count", "sum", "min", "max"] as const;
const Aggregate = z.strictObject({
  type: z.literal("aggregate"),
  ...opCommon,
  fn: z.enum(AGGREGATIONS, { error: `expected fn to be one of ${AGGREGATIONS.join(", ")}` }),
  field: FieldName.optional().describe("The numeric field (not for count)."),
  as: FieldName.optional().describe("Output field name (default: the function's name)."),
});
export const WASM_KINDS = ["map", "filter", "flatMap", "keyBy", "process", "aggregate"] as const;
const Wasm = z
  .strictObject({
    type: z.literal("wasm"),
    ...opCommon,
    artifact: ArtifactId,
    kind: z.enum(WASM_KINDS, { error: `expected kind to be one of ${WASM_KINDS.join(", ")}` }),
  })
  .describe("A WebAssembly component uploaded with POST /artifacts. Records cross as JSON text (UTF-8).");

const operatorSpec = z.discriminatedUnion("type", [Filter, MapOp, Project, KeyBy, Window, Aggregate, Wasm], {
  error: "expected type to be one of filter, map, project, keyBy, window, aggregate, wasm",
});
/** Schema of {@link OperatorSpec}. */
export const OperatorSpec: z.ZodType<OperatorSpec> = operatorSpec;

const sinkSpec = z.discriminatedUnion(
  "type",
  [
    z.strictObject({ type: z.literal("print"), name: DisplayName.optional(), prefix: z.string().max(100).optional() }),
    z.strictObject({ type: z.literal("collect"), name: DisplayName.optional(), maxRecords: posInt().max(1_000_000).optional().describe("Newest records kept (default 10 000).") })
      .describe("Keeps records in memory: GET /jobs/{jobid}/results."),
    z.strictObject({ type: z.literal("file"), name: DisplayName.optional(), path: RelativePath.describe("Directory under the server's output directory.") })
      .describe("Exactly-once part files (two-phase commit)."),
    z
      .strictObject({
        type: z.literal("kafka"),
        name: DisplayName.optional(),
        bootstrapServers: BootstrapServers,
        topic: TopicName,
        keyField: FieldName.optional().describe("Records with equal values of this field go to the same partition."),
        deliveryGuarantee: z.enum(["NONE", "AT_LEAST_ONCE", "EXACTLY_ONCE"], { error: "expected NONE, AT_LEAST_ONCE or EXACTLY_ONCE" }).optional().describe("Default AT_LEAST_ONCE."),
        transactionalIdPrefix: z.string().regex(/^[A-Za-z0-9._-]{1,200}$/, { error: "expected letters, digits, . _ - (at most 200)" }).optional().describe("EXACTLY_ONCE: unique per job writing to the cluster."),
        properties: KafkaProperties.optional(),
      })
      .describe("Records written as JSON values to a Kafka topic; EXACTLY_ONCE through Kafka transactions committed with checkpoints."),
    z
      .strictObject({
        type: z.literal("webhook"),
        name: DisplayName.optional(),
        url: z.string().regex(/^https?:\/\/[^\s]+$/, { error: "expected an http(s) URL" }).max(2000),
        headers: z.record(z.string().regex(/^[A-Za-z0-9-]{1,100}$/, { error: "expected a header name" }), z.string().max(4000)).optional(),
        maxRecordsPerRequest: posInt().max(100_000).optional().describe("Records per request (default 1000)."),
      })
      .describe("Records POSTed as JSON when checkpoints complete, each request with an Idempotency-Key (job, subtask, checkpoint, part): exactly once for a receiver that keeps the keys."),
  ],
  { error: "expected type to be one of print, collect, file, kafka, webhook" },
);
/** Schema of {@link SinkSpec}. */
export const SinkSpec: z.ZodType<SinkSpec> = sinkSpec;

const checkpointingSpec = z.strictObject({
  interval: durationMs(10),
  mode: z.enum(["EXACTLY_ONCE", "AT_LEAST_ONCE"], { error: "expected mode EXACTLY_ONCE or AT_LEAST_ONCE" }).optional(),
  unaligned: z.boolean().optional(),
  alignedCheckpointTimeout: durationMs().optional(),
  timeout: durationMs(1).optional(),
  minPauseBetweenCheckpoints: durationMs().optional(),
  retainedCheckpoints: posInt().max(100).optional(),
  tolerableFailedCheckpoints: nonNegInt().optional(),
});
/** Schema of {@link CheckpointingSpec}. */
export const CheckpointingSpec: z.ZodType<CheckpointingSpec> = checkpointingSpec;

const restartStrategySpec = z.discriminatedUnion(
  "type",
  [
    z.strictObject({ type: z.literal("none") }),
    z.strictObject({ type: z.literal("fixed-delay"), attempts: nonNegInt(), delay: durationMs() }),
    z.strictObject({ type: z.literal("exponential-delay"), initialBackoff: durationMs(1), maxBackoff: durationMs(1), multiplier: z.number().min(1).optional() }),
    z.strictObject({ type: z.literal("failure-rate"), maxFailures: posInt(), interval: durationMs(1), delay: durationMs() }),
  ],
  { error: "expected type to be one of none, fixed-delay, exponential-delay, failure-rate" },
);
/** Schema of {@link RestartStrategySpec}. */
export const RestartStrategySpec: z.ZodType<RestartStrategySpec> = restartStrategySpec;

const jobSpec = z
  .strictObject({
    name: DisplayName,
    parallelism: posInt().max(256).optional(),
    maxParallelism: posInt().max(32768).optional(),
    sources: z.array(SourceSpec).min(1, { error: "expected at least one source" }).max(16),
    operators: z.array(OperatorSpec).max(64).optional(),
    sinks: z.array(SinkSpec).min(1, { error: "expected at least one sink" }).max(16),
    checkpointing: CheckpointingSpec.optional().describe("Without it the job takes no checkpoints or savepoints, and restarts only if restartStrategy names a strategy."),
    restartStrategy: RestartStrategySpec.optional().describe("Default: none without checkpointing, exponential-delay (1 s to 1 min) with it."),
    savepoint: z
      .strictObject({
        path: z
          .union([RelativePath, DurableLocation], { error: "expected a relative path of '/'-separated names (none empty, '.' or '..'), or a durable-object:// location on the edge" })
          .optional()
          .describe("A location returned by a savepoint trigger, or a checkpoint's external_path (durable-object://... on a Durable Object deployment)."),
        fromJob: JobId.optional().describe("Start from the latest retained checkpoint of this job (an id from GET /jobs)."),
        allowNonRestoredState: z.boolean().optional(),
      })
      .optional()
      .describe("Start from a savepoint or checkpoint: give path or fromJob."),
  })
  .superRefine(checkJobShape)
  .describe("A declarative job: sources -> operators -> sinks.");
/** Schema of {@link JobSpec}: validates `POST /jobs` and generates its part of `/openapi.json`. */
export const JobSpec: z.ZodType<JobSpec> = jobSpec;

// The spec's types, written out: a published package's public types must be explicit (JSR
// checks this), and a reader sees the shape without zod's inference. `_SchemasMatchTypes`
// below fails the type check when a schema above and its type here disagree in any field.

/** A record value of the collection source or a `choice` generator. */
type Scalar = string | number | boolean | null;

/** When a source's event time may run behind, and when it counts as idle. */
interface WatermarkSpec {
  maxOutOfOrdernessMs?: number | undefined;
  idlenessMs?: number | undefined;
}

/** Fields every source has. */
interface SourceCommonSpec {
  name?: string | undefined;
  parallelism?: number | undefined;
  timestampField?: string | undefined;
  watermark?: WatermarkSpec | undefined;
  rateController?: RateControllerSpec | undefined;
}

/** A source's PID rate controller (all optional; see DataStream.setRateController). */
export interface RateControllerSpec {
  intervalMs?: number | undefined;
  initialRate?: number | undefined;
  maxRate?: number | undefined;
  minRate?: number | undefined;
  proportional?: number | undefined;
  integral?: number | undefined;
  derivative?: number | undefined;
}

/** How a generator source makes one field. */
type FieldGeneratorSpec =
  | { kind: "sequence" }
  | { kind: "int"; min: number; max: number }
  | { kind: "float"; min: number; max: number }
  | { kind: "choice"; values: Scalar[] }
  | { kind: "string"; prefix?: string | undefined; cardinality: number };

/** Seeded records: a built-in shape or per-field generators. */
interface GeneratorSourceSpec extends SourceCommonSpec {
  type: "generator";
  shape?: (typeof GENERATOR_SHAPES)[number] | undefined;
  fields?: Record<string, FieldGeneratorSpec> | undefined;
  count?: number | undefined;
  ratePerSecond?: number | undefined;
  seed?: number | undefined;
  disorder?: { fraction: number; maxDelayMs: number } | undefined;
}

/** Inline records, read in order at parallelism 1. */
interface CollectionSourceSpec extends Omit<SourceCommonSpec, "parallelism"> {
  type: "collection";
  parallelism?: 1 | undefined;
  records: Record<string, unknown>[];
}

/** A Kafka source with partition discovery. */
interface KafkaSourceSpec extends SourceCommonSpec {
  type: "kafka";
  bootstrapServers: string[];
  topics?: string[] | undefined;
  topicPattern?: string | undefined;
  groupId?: string | undefined;
  startingOffsets?: "earliest" | "latest" | "committed" | { timestamp: number } | undefined;
  bounded?: boolean | undefined;
  partitionDiscoveryIntervalMs?: number | undefined;
  format?: "json" | "record" | undefined;
  onDeserializationFailure?: "FAIL" | "SKIP" | undefined;
  maxRatePerPartition?: number | undefined;
  properties?: Record<string, string | number | boolean> | undefined;
}

/** Records posted to the job (Durable Object deployments). */
interface IngestSourceSpec extends SourceCommonSpec {
  type: "ingest";
  name: string;
  maxBacklog?: number | undefined;
}

/** A source of a job spec. */
export type SourceSpec = GeneratorSourceSpec | CollectionSourceSpec | KafkaSourceSpec | IngestSourceSpec;

/** Fields every operator has. */
interface OperatorCommonSpec {
  name?: string | undefined;
  parallelism?: number | undefined;
}

/** Keeps records whose field compares true with the value. */
interface FilterOperatorSpec extends OperatorCommonSpec {
  type: "filter";
  field: string;
  op: (typeof FILTER_OPS)[number];
  value?: Scalar | undefined;
}

/** Keeps the selected fields, optionally renamed. */
interface ProjectionSpec extends OperatorCommonSpec {
  select: string[];
  rename?: Record<string, string> | undefined;
}

/** A projection. */
interface MapOperatorSpec extends ProjectionSpec {
  type: "map";
}

/** The same as map. */
interface ProjectOperatorSpec extends ProjectionSpec {
  type: "project";
}

/** Partitions records by a field. */
interface KeyByOperatorSpec extends OperatorCommonSpec {
  type: "keyBy";
  field: string;
}

/** Windows of event or processing time; an aggregate follows. */
interface WindowOperatorSpec extends OperatorCommonSpec {
  type: "window";
  kind: "tumbling" | "sliding" | "session";
  time?: "event" | "processing" | undefined;
  size?: number | undefined;
  slide?: number | undefined;
  gap?: number | undefined;
  allowedLateness?: number | undefined;
}

/** count, sum, min or max per window or per key. */
interface AggregateOperatorSpec extends OperatorCommonSpec {
  type: "aggregate";
  fn: (typeof AGGREGATIONS)[number];
  field?: string | undefined;
  as?: string | undefined;
}

/** An uploaded WebAssembly component as an operator. */
interface WasmOperatorSpec extends OperatorCommonSpec {
  type: "wasm";
  artifact: string;
  kind: (typeof WASM_KINDS)[number];
}

/** An operator of a job spec, applied in order. */
export type OperatorSpec = FilterOperatorSpec | MapOperatorSpec | ProjectOperatorSpec | KeyByOperatorSpec | WindowOperatorSpec | AggregateOperatorSpec | WasmOperatorSpec;

/** A sink of a job spec; every sink gets the job's result. */
export type SinkSpec =
  | { type: "print"; name?: string | undefined; prefix?: string | undefined }
  | { type: "collect"; name?: string | undefined; maxRecords?: number | undefined }
  | { type: "file"; name?: string | undefined; path: string }
  | {
      type: "kafka";
      name?: string | undefined;
      bootstrapServers: string[];
      topic: string;
      keyField?: string | undefined;
      deliveryGuarantee?: "NONE" | "AT_LEAST_ONCE" | "EXACTLY_ONCE" | undefined;
      transactionalIdPrefix?: string | undefined;
      properties?: Record<string, string | number | boolean> | undefined;
    }
  | { type: "webhook"; name?: string | undefined; url: string; headers?: Record<string, string> | undefined; maxRecordsPerRequest?: number | undefined };

/** Checkpointing of a job spec's job. */
export interface CheckpointingSpec {
  interval: number;
  mode?: "EXACTLY_ONCE" | "AT_LEAST_ONCE" | undefined;
  unaligned?: boolean | undefined;
  alignedCheckpointTimeout?: number | undefined;
  timeout?: number | undefined;
  minPauseBetweenCheckpoints?: number | undefined;
  retainedCheckpoints?: number | undefined;
  tolerableFailedCheckpoints?: number | undefined;
}

/** The restart strategy of a job spec's job. */
export type RestartStrategySpec =
  | { type: "none" }
  | { type: "fixed-delay"; attempts: number; delay: number }
  | { type: "exponential-delay"; initialBackoff: number; maxBackoff: number; multiplier?: number | undefined }
  | { type: "failure-rate"; maxFailures: number; interval: number; delay: number };

/** The whole job. Sources are unioned, operators applied in order, every sink gets the result. */
export interface JobSpec {
  name: string;
  parallelism?: number | undefined;
  maxParallelism?: number | undefined;
  sources: SourceSpec[];
  operators?: OperatorSpec[] | undefined;
  sinks: SinkSpec[];
  checkpointing?: CheckpointingSpec | undefined;
  restartStrategy?: RestartStrategySpec | undefined;
  savepoint?: { path?: string | undefined; fromJob?: string | undefined; allowNonRestoredState?: boolean | undefined } | undefined;
}

/** True when A and B are the same type (not merely assignable: optional fields count). */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** Compiles only when every entry is true. */
type AllTrue<Checks extends readonly true[]> = Checks;
// Each schema's output type is its written-out type: a field added, dropped or retyped on one
// side only fails the type check here.
type _SchemasMatchTypes = AllTrue<[
  Same<z.output<typeof sourceSpec>, SourceSpec>,
  Same<z.output<typeof operatorSpec>, OperatorSpec>,
  Same<z.output<typeof sinkSpec>, SinkSpec>,
  Same<z.output<typeof checkpointingSpec>, CheckpointingSpec>,
  Same<z.output<typeof restartStrategySpec>, RestartStrategySpec>,
  Same<z.output<typeof jobSpec>, JobSpec>,
]>;

/** Rules that span fields: window parameters, operator order, event time needing timestamps. */
function checkJobShape(job: JobSpec, ctx: z.RefinementCtx): void {
  const issue = (path: (string | number)[], message: string): void => ctx.addIssue({ code: "custom", path, message });
  if (job.savepoint !== undefined && (job.savepoint.path === undefined) === (job.savepoint.fromJob === undefined)) issue(["savepoint", "path"], "expected exactly one of path or fromJob");
  job.sources.forEach((s, i) => {
    if (s.type === "generator" && s.shape !== undefined && s.fields !== undefined) issue(["sources", i, "fields"], "expected either shape or fields, not both");
    if (s.type === "kafka" && (s.topics === undefined) === (s.topicPattern === undefined)) issue(["sources", i, "topics"], "expected exactly one of topics or topicPattern");
    if (s.type === "kafka" && s.startingOffsets === "committed" && s.groupId === undefined) issue(["sources", i, "groupId"], "expected a group id: committed starting offsets are read from the group");
  });
  job.sinks.forEach((s, i) => {
    if (s.type === "file" && job.checkpointing === undefined) {
      issue(["sinks", i], "a file sink commits its part files when a checkpoint completes: expected checkpointing");
    }
    if (s.type === "webhook" && job.checkpointing === undefined) {
      issue(["sinks", i], "a webhook sink sends its records when a checkpoint completes: expected checkpointing");
    }
    if (s.type !== "kafka") return;
    if (s.deliveryGuarantee === "EXACTLY_ONCE") {
      if (s.transactionalIdPrefix === undefined) issue(["sinks", i, "transactionalIdPrefix"], "expected a transactional id prefix: EXACTLY_ONCE writes in Kafka transactions");
      const interval = job.checkpointing?.interval;
      if (interval === undefined) issue(["sinks", i, "deliveryGuarantee"], "EXACTLY_ONCE commits a transaction per checkpoint: expected checkpointing");
      const timeout = Number(s.properties?.["transaction.timeout.ms"] ?? 60_000);
      if (interval !== undefined && !(timeout >= 3 * interval)) {
        issue(["sinks", i, "properties", "transaction.timeout.ms"], `expected at least 3x the checkpoint interval (${3 * interval} ms), got ${timeout}: the broker would abort transactions still waiting for their checkpoint`);
      }
    } else if (s.transactionalIdPrefix !== undefined) issue(["sinks", i, "transactionalIdPrefix"], "only EXACTLY_ONCE takes a transactional id prefix");
  });
  const ops = job.operators ?? [];
  ops.forEach((op, i) => {
    const at = (field: string): (string | number)[] => ["operators", i, field];
    const prev = ops[i - 1];
    if (op.type === "window") {
      if (op.kind === "session") {
        if (op.gap === undefined) issue(at("gap"), "expected a positive integer (session windows need a gap)");
        if (op.size !== undefined || op.slide !== undefined) issue(at("size"), "session windows take gap, not size or slide");
      } else {
        if (op.size === undefined) issue(at("size"), `expected a positive integer (${op.kind} windows need a size)`);
        if (op.kind === "sliding" && op.slide === undefined) issue(at("slide"), "expected a positive integer (sliding windows need a slide)");
        if (op.kind === "tumbling" && op.slide !== undefined) issue(at("slide"), "tumbling windows take no slide");
        if (op.gap !== undefined) issue(at("gap"), "only session windows take a gap");
      }
      const next = ops[i + 1];
      if (next === undefined || !(next.type === "aggregate" || (next.type === "wasm" && next.kind === "aggregate"))) {
        issue(["operators", i + 1], "expected an aggregate operator right after a window");
      }
      if ((op.time ?? "event") === "event") {
        job.sources.forEach((s, j) => {
          if (s.type === "collection" && s.timestampField === undefined) issue(["sources", j, "timestampField"], `expected a field name: event-time windows (operators[${i}]) need timestamps from every source`);
        });
      }
    }
    if (op.type === "aggregate") {
      if (op.fn !== "count" && op.field === undefined) issue(at("field"), `expected a field name (${op.fn} needs a numeric field)`);
      if (op.fn === "count" && op.field !== undefined) issue(at("field"), "count takes no field");
      if (prev === undefined || (prev.type !== "window" && prev.type !== "keyBy")) issue(["operators", i], "expected aggregate to follow a window or a keyBy operator");
    }
    if (op.type === "wasm" && op.kind === "process" && prev?.type !== "keyBy" && !(prev?.type === "wasm" && prev.kind === "keyBy")) {
      issue(at("kind"), "expected a keyBy operator right before a wasm process operator");
    }
    if (op.type === "wasm" && op.kind === "aggregate" && prev?.type !== "window") issue(at("kind"), "expected a window operator right before a wasm aggregate operator");
  });
}

function validRegExp(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}
