/**
 * `GET /openapi.json`: the API described from the same zod schemas that validate requests.
 */
import { z } from "zod";
import { JobSpec } from "./job-spec.ts";
import { CheckpointRequest, SavepointRequest, StopRequest } from "./request-bodies.ts";

const jsonSchema = (schema: z.ZodType): object => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  return rest;
};

const error = { $ref: "#/components/schemas/Error" };
const json = (schema: object) => ({ "application/json": { schema } });
const ok = (description: string, schema: object = { type: "object" }) => ({ description, content: json(schema) });
const jobId = { name: "jobid", in: "path", required: true, schema: { type: "string" } };
const vertexId = { name: "vertexid", in: "path", required: true, schema: { type: "string" } };
const taskManagerId = { name: "taskmanagerid", in: "path", required: true, schema: { type: "string" } };
const triggerId = { name: "triggerid", in: "path", required: true, schema: { type: "string" } };
const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [String(c), { description: ERROR_TEXT[c], content: json(error) }]));
const ERROR_TEXT: Record<number, string> = {
  400: "Invalid request: `fields` names each bad field and what was expected",
  401: "Missing bearer token (the server has a token)",
  403: "Wrong bearer token",
  404: "Unknown job, vertex, artifact, trigger or TaskManager",
  409: "The job's state does not allow it (e.g. it has already ended)",
  413: "Body too large",
  429: "The server runs as many jobs, or task slots, as it is allowed to (the message names the limit)",
  501: "Not available on this server or runtime",
};
// On a server with a token, reads need it too unless the server opens them (`publicReads`).
const get = (summary: string, params: object[] = [], schema?: object, more: Record<string, unknown> = {}) => ({
  get: { summary, parameters: params, security: [{ bearer: [] }], responses: { 200: ok(summary, schema), ...errors(...(params.length > 0 ? [401, 403, 404] : [401, 403])) }, ...more },
});
const mutating = (summary: string, params: object[], body: object | undefined, response: object, codes: number[]) => ({
  summary,
  parameters: params,
  security: [{ bearer: [] }],
  ...(body !== undefined ? { requestBody: { required: false, content: json(body) } } : {}),
  responses: { 200: ok(summary, response), ...errors(...codes) },
});
const requestId = { type: "object", properties: { "request-id": { type: "string" } }, required: ["request-id"] };
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const integer = { type: "integer" };
const integers = (...names: string[]) => Object.fromEntries(names.map((n) => [n, integer]));
const object = (properties: Record<string, object>) => ({ type: "object", properties, required: Object.keys(properties) });

/** Flink's response shapes of the TaskManager and vertex endpoints. */
const flinkSchemas = {
  ResourceProfileInfo: object({ cpuCores: { type: "number" }, ...integers("taskHeapMemory", "taskOffHeapMemory", "managedMemory", "networkMemory"), extendedResources: { type: "object", additionalProperties: { type: "number" } } }),
  HardwareDescription: object(integers("cpuCores", "physicalMemory", "freeMemory", "managedMemory")),
  TaskExecutorMemoryConfiguration: object(integers("frameworkHeap", "taskHeap", "frameworkOffHeap", "taskOffHeap", "networkMemory", "managedMemory", "jvmMetaspace", "jvmOverhead", "totalFlinkMemory", "totalProcessMemory")),
  TaskManagerInfo: object({
    id: { type: "string" },
    path: { type: "string" },
    ...integers("dataPort", "jmxPort"),
    timeSinceLastHeartbeat: { type: "integer", description: "When the last heartbeat arrived, ms since epoch (Flink's name)" },
    ...integers("slotsNumber", "freeSlots", "assignedTasks"),
    totalResource: ref("ResourceProfileInfo"),
    freeResource: ref("ResourceProfileInfo"),
    hardware: ref("HardwareDescription"),
    memoryConfiguration: ref("TaskExecutorMemoryConfiguration"),
    blocked: { type: "boolean" },
  }),
  TaskManagersInfo: object({ taskmanagers: { type: "array", items: ref("TaskManagerInfo") } }),
  TaskManagerMetricsInfo: object({
    ...integers(
      "heapUsed", "heapCommitted", "heapMax", "nonHeapUsed", "nonHeapCommitted", "nonHeapMax", "directCount", "directUsed", "directMax", "mappedCount", "mappedUsed", "mappedMax",
      "memorySegmentsAvailable", "memorySegmentsTotal", "nettyShuffleMemorySegmentsAvailable", "nettyShuffleMemorySegmentsUsed", "nettyShuffleMemorySegmentsTotal",
      "nettyShuffleMemoryAvailable", "nettyShuffleMemoryUsed", "nettyShuffleMemoryTotal",
    ),
    garbageCollectors: { type: "array", items: object({ name: { type: "string" }, ...integers("count", "time") }) },
  }),
  SlotInfo: object({ jobId: { type: "string" }, resource: ref("ResourceProfileInfo") }),
  TaskManagerDetailsInfo: {
    allOf: [ref("TaskManagerInfo"), object({ metrics: ref("TaskManagerMetricsInfo"), allocatedSlots: { type: "array", items: ref("SlotInfo") } })],
  },
  IOMetricsInfo: object({
    "read-records": integer,
    "read-records-complete": { type: "boolean" },
    "write-records": integer,
    "write-records-complete": { type: "boolean" },
    ...integers("accumulated-backpressured-time", "accumulated-idle-time", "accumulated-busy-time"),
  }),
  SubtaskExecutionAttemptDetailsInfo: object({
    subtask: integer,
    status: { type: "string" },
    attempt: integer,
    host: { type: "string" },
    ...integers("start-time", "end-time", "duration"),
    metrics: ref("IOMetricsInfo"),
    "taskmanager-id": { type: "string", description: "The TaskManager the subtask runs on (or ran on last); (unassigned) before it is deployed" },
    start_time: integer,
  }),
  JobVertexDetailsInfo: object({ id: { type: "string" }, name: { type: "string" }, ...integers("parallelism", "maxParallelism", "now"), subtasks: { type: "array", items: ref("SubtaskExecutionAttemptDetailsInfo") } }),
};

/** The OpenAPI 3.1 document of the server. */
export function openApiDocument(version: string): object {
  return {
    openapi: "3.1.0",
    info: {
      title: "Eddy REST API",
      version,
      description: "Flink's REST API v1 paths and shapes where the concept is the same, plus Eddy's job specs and WebAssembly artifacts.",
    },
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
      schemas: {
        JobSpec: jsonSchema(JobSpec),
        SavepointRequest: jsonSchema(SavepointRequest),
        StopRequest: jsonSchema(StopRequest),
        CheckpointRequest: jsonSchema(CheckpointRequest),
        ...flinkSchemas,
        Error: {
          type: "object",
          properties: {
            errors: { type: "array", items: { type: "string" } },
            fields: { type: "array", items: { type: "object", properties: { path: { type: "string" }, message: { type: "string" } } } },
          },
          required: ["errors"],
        },
      },
    },
    paths: {
      "/overview": get("Cluster overview: TaskManagers, slots and jobs by state"),
      "/taskmanagers": get("The TaskManagers, with slots and heartbeats", [], ref("TaskManagersInfo")),
      "/taskmanagers/{taskmanagerid}": get("A TaskManager, with heap metrics and its allocated slots", [taskManagerId], ref("TaskManagerDetailsInfo")),
      "/config": get("Web UI configuration"),
      "/jobs": {
        ...get("Job ids and states"),
        post: mutating("Submit a job spec", [], { $ref: "#/components/schemas/JobSpec" }, { type: "object", properties: { jobid: { type: "string" } } }, [400, 401, 403, 404, 413, 429, 501]),
      },
      "/jobs/overview": get("Every job with state, times and task counts"),
      "/jobs/{jobid}": {
        ...get("Job details: state, vertices with parallelism, status counts, timestamps, and the TaskManager of each subtask (`vertices[].subtasks`)", [jobId]),
        patch: { ...mutating("Cancel the job", [jobId, { name: "mode", in: "query", required: false, schema: { type: "string", enum: ["cancel"] } }], undefined, { type: "object" }, [400, 401, 403, 404, 409]), responses: { 202: { description: "Cancellation requested" }, ...errors(400, 401, 403, 404, 409) } },
      },
      "/jobs/{jobid}/plan": get("The job's dataflow plan", [jobId]),
      "/jobs/{jobid}/exceptions": get("Root exception and exception history", [jobId]),
      "/jobs/{jobid}/checkpoints": {
        ...get("Checkpoint counts, summary, latest and history", [jobId]),
        post: mutating("Trigger a checkpoint", [jobId], { $ref: "#/components/schemas/CheckpointRequest" }, requestId, [400, 401, 403, 404, 409]),
      },
      "/jobs/{jobid}/checkpoints/{triggerid}": get("Status of a checkpoint trigger", [jobId, triggerId]),
      "/jobs/{jobid}/savepoints": { post: mutating("Trigger a savepoint", [jobId], { $ref: "#/components/schemas/SavepointRequest" }, requestId, [400, 401, 403, 404, 409]) },
      "/jobs/{jobid}/savepoints/{triggerid}": get("Status of a savepoint or stop trigger", [jobId, triggerId]),
      "/jobs/{jobid}/stop": { post: mutating("Stop with a savepoint", [jobId], { $ref: "#/components/schemas/StopRequest" }, requestId, [400, 401, 403, 404, 409]) },
      "/jobs/{jobid}/vertices/{vertexid}": get("A vertex with each subtask's state, records and TaskManager", [jobId, vertexId], ref("JobVertexDetailsInfo")),
      "/jobs/{jobid}/vertices/{vertexid}/backpressure": get("Backpressure level and per-subtask ratios", [jobId, vertexId]),
      "/jobs/{jobid}/vertices/{vertexid}/watermarks": get("Per-subtask watermarks", [jobId, vertexId]),
      "/jobs/{jobid}/metrics": get("Job metrics (`?get=a,b` for values)", [jobId]),
      "/jobs/{jobid}/sources/{vertexid}/partitions": get("Split (partition) assignment and discovery state of a source", [jobId, vertexId]),
      "/jobs/{jobid}/results": get("Records kept by the job's collect sink", [jobId]),
      "/artifacts": {
        ...get("Uploaded components"),
        post: {
          ...mutating("Upload a WebAssembly component (raw body or multipart field)", [], undefined, { type: "object", properties: { id: { type: "string" }, world: { type: "string" } } }, [400, 401, 403, 413, 501]),
          requestBody: { required: true, content: { "application/wasm": { schema: { type: "string", format: "binary" } }, "multipart/form-data": { schema: { type: "object", properties: { file: { type: "string", format: "binary" } } } } } },
        },
      },
      "/artifacts/{id}": get("An uploaded component: size, world, imports and exports", [{ name: "id", in: "path", required: true, schema: { type: "string", pattern: "^[0-9a-f]{64}$" } }]),
      "/": { get: { summary: "The dashboard (needs no token: the page asks for it)", responses: { 200: { description: "An HTML page", content: { "text/html": { schema: { type: "string" } } } } } } },
      "/metrics": { get: { summary: "Prometheus metrics", security: [{ bearer: [] }], responses: { 200: { description: "text/plain; version=0.0.4", content: { "text/plain": { schema: { type: "string" } } } }, ...errors(401, 403) } } },
      "/openapi.json": { get: { summary: "This document (needs no token)", responses: { 200: ok("This document") } } },
    },
  };
}
