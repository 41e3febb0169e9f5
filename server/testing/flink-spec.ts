/**
 * Flink's published REST response schemas (a trimmed copy of Flink's generated specification,
 * flink-rest-v1-dispatcher.yml beside this file) as validators of live responses, read the way
 * Flink's Jackson writes them: every documented field is sent, so every documented field is
 * required, except where Flink's generated specification differs from what Flink sends. Those
 * places are listed in {@link FLINK_SENDS}, each with the Flink class that shows it.
 */
import { readFileSync } from "node:fs";
import { Ajv, type ValidateFunction } from "ajv";
import { parse } from "yaml";

type Schema = Record<string, any>;

/**
 * Where Flink's generated specification and Flink's answers differ, and the answer is what
 * counts (a Flink client reads the answer).
 */
export const FLINK_SENDS: readonly { readonly where: string; readonly why: string; readonly fix: (schemas: Record<string, Schema>) => void }[] = [
  {
    where: "CheckpointStatistics, SubtaskCheckpointStatistics",
    why: 'the type property is "clazz" (@JsonTypeInfo(property = "clazz")); the generator names it className',
    fix: (s) => {
      for (const name of ["CheckpointStatistics", "SubtaskCheckpointStatistics"]) {
        delete s[name]!.properties.className;
        delete s[name]!.discriminator;
        s[name]!.properties.clazz = { type: "string" };
        s[name]!.required = ["clazz"];
      }
      s.CheckpointStatistics!.properties.clazz.enum = ["completed", "failed", "in_progress"];
      s.SubtaskCheckpointStatistics!.properties.clazz.enum = ["completed", "pending"];
    },
  },
  {
    where: "MetricCollectionResponseBody (/jobs/:jobid/metrics, /watermarks)",
    why: "MetricCollectionResponseBody.Serializer writes the metrics as a bare array",
    fix: (s) => {
      s.MetricCollectionResponseBody = { type: "array", items: { $ref: "#/components/schemas/Metric" } };
    },
  },
  {
    where: "JobConfigInfo (/jobs/:jobid/config)",
    why: 'JobConfigInfo.Serializer writes "jid", "name" and "execution-config"',
    fix: (s) => {
      s.JobConfigInfo = {
        type: "object",
        properties: { jid: { $ref: "#/components/schemas/JobID" }, name: { type: "string" }, "execution-config": { $ref: "#/components/schemas/ExecutionConfigInfo" } },
      };
    },
  },
  {
    where: "JobVertexBackPressureInfo, SubtaskBackPressureInfo",
    why: 'the level is written as "backpressure-level" (FIELD_NAME_BACKPRESSURE_LEVEL); the generator names it backpressureLevel',
    fix: (s) => {
      for (const name of ["JobVertexBackPressureInfo", "SubtaskBackPressureInfo"]) {
        s[name]!.properties["backpressure-level"] = s[name]!.properties.backpressureLevel;
        delete s[name]!.properties.backpressureLevel;
      }
    },
  },
  {
    where: "ResourceID (TaskManager ids)",
    why: "a TaskManager's ResourceID is a host:port-suffix string (or a name given to it), not 32 hex digits as the generator's pattern says",
    fix: (s) => {
      delete s.ResourceID!.pattern;
    },
  },
  {
    where: "AsynchronousOperationResult.operation",
    why: "the operation is one of three classes told apart by the endpoint, not by its fields; with their fields optional they overlap, so oneOf cannot tell them apart",
    fix: (s) => {
      const op = s.AsynchronousOperationResult!.properties.operation;
      op.anyOf = op.oneOf;
      delete op.oneOf;
    },
  },
  {
    where: "CheckpointConfigInfo.mode",
    why: "ProcessingModeSerializer writes the mode in lower case",
    fix: (s) => {
      s.ProcessingMode = { type: "string", enum: ["at_least_once", "exactly_once"] };
    },
  },
  {
    where: "fields Flink leaves out or sends as null",
    why:
      "savepointFormat only for savepoints; a metric's value only when asked for (?get=); other-concurrent-attempts only with speculative execution; the blocked counts of ClusterOverview only when not 0 " +
      "(@JsonInclude NON_DEFAULT); an asynchronous operation's result only once it is complete; the failure cause or location of a savepoint and checkpoint, one " +
      "of them; the root exception, its time, and an exception's location and TaskManager are null when unknown; a latest checkpoint is null when there is none",
    fix: (s) => {
      optional(s.CheckpointStatistics!, "savepointFormat");
      optional(s.SubtaskExecutionAttemptDetailsInfo!, "other-concurrent-attempts");
      optional(s.SubtaskBackPressureInfo!, "other-concurrent-attempts");
      optional(s.ClusterOverviewWithVersion!, "slots-free-and-blocked", "taskmanagers-blocked");
      optional(s.AsynchronousOperationResult!, "operation");
      optional(s.Metric!, "value");
      optional(s.SavepointInfo!, "failure-cause", "location");
      optional(s.CheckpointInfo!, "failureCause", "checkpointId");
      optional(s.AsynchronousOperationInfo!, "failure-cause");
      nullable(s.JobExceptionsInfoWithHistory!, "root-exception", "timestamp");
      nullable(s.RootExceptionInfo!, "location", "taskManagerId", "taskName");
      nullable(s.ExceptionInfo!, "location", "taskManagerId", "taskName");
      nullable(s.LatestCheckpoints!, "completed", "savepoint", "failed", "restored");
    },
  },
];

function optional(schema: Schema, ...names: string[]): void {
  ((schema.xOptional ??= []) as string[]).push(...names);
}

function nullable(schema: Schema, ...names: string[]): void {
  for (const n of names) schema.properties[n] = { anyOf: [schema.properties[n], { type: "null" }] };
}

/** Every object schema's documented properties become required (but those marked optional). */
function requireAll(schema: unknown): void {
  if (Array.isArray(schema)) schema.forEach(requireAll);
  else if (schema !== null && typeof schema === "object") {
    const s = schema as Schema;
    if (s.properties !== undefined && typeof s.properties === "object" && !Array.isArray(s.properties)) {
      const skip = new Set<string>(s.xOptional ?? []);
      s.required = [...new Set([...(s.required ?? []), ...Object.keys(s.properties).filter((k) => !skip.has(k))])];
      delete s.xOptional;
    }
    for (const v of Object.values(s)) requireAll(v);
  }
}

/** Flink's response schema of each path and status, as validators. */
export interface FlinkSpec {
  /** The validator of `method path` answering `status`, or undefined when Flink has no such route. */
  validator(method: string, path: string, status: number): ValidateFunction | undefined;
  /** Every `METHOD /path` the fixture documents. */
  readonly routes: readonly string[];
}

/** Loads the fixture and builds validators with {@link FLINK_SENDS} applied. */
export function flinkSpec(): FlinkSpec {
  const doc = parse(readFileSync(new URL("./flink-rest-v1-dispatcher.yml", import.meta.url), "utf8")) as Schema;
  const schemas = doc.components.schemas as Record<string, Schema>;
  for (const d of FLINK_SENDS) d.fix(schemas);
  requireAll(schemas);
  const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
  ajv.addSchema({ $id: "flink", components: { schemas } });
  const routes: string[] = [];
  for (const [path, methods] of Object.entries(doc.paths as Record<string, Schema>)) for (const m of Object.keys(methods)) routes.push(`${m.toUpperCase()} ${path}`);
  return {
    routes,
    validator(method, path, status) {
      const response = doc.paths[path]?.[method.toLowerCase()]?.responses?.[String(status)];
      if (response === undefined) return undefined;
      const schema = structuredClone(response.content?.["application/json"]?.schema ?? {});
      requireAll(schema);
      const rebased = JSON.parse(JSON.stringify(schema).replaceAll('"#/components/schemas/', '"flink#/components/schemas/'));
      return ajv.compile(rebased);
    },
  };
}
