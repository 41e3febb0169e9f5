/**
 * The response bodies of the REST API as zod schemas, named as Flink's response classes where the
 * endpoint is Flink's. The routes in app.ts name them per status, and `/openapi.json` is generated
 * from those route definitions.
 */
import { z } from "zod";

const int = () => z.number().int();
const long = int;
const str = () => z.string();
const bool = () => z.boolean();
const named = <T extends z.ZodType>(id: string, schema: T, description?: string): T => schema.meta({ id, ...(description !== undefined ? { description } : {}) });

/** Flink's error body, with `fields` naming each bad field of a request body. */
export const ErrorBody = named(
  "Error",
  z.object({
    errors: z.array(str()),
    fields: z.array(z.object({ path: str(), message: str() })).optional(),
  }),
);

const JobStatus = named("JobStatus", z.enum(["INITIALIZING", "CREATED", "RUNNING", "FAILING", "FAILED", "CANCELLING", "CANCELED", "FINISHED", "RESTARTING", "SUSPENDED", "RECONCILING"]));
const ExecutionState = named("ExecutionState", z.enum(["CREATED", "SCHEDULED", "DEPLOYING", "RUNNING", "FINISHED", "CANCELING", "CANCELED", "FAILED", "RECONCILING", "INITIALIZING"]));
const counts = z.record(str(), int());

export const DashboardConfiguration = named(
  "DashboardConfiguration",
  z.object({
    "refresh-interval": long(),
    "timezone-name": str(),
    "timezone-offset": int(),
    "flink-version": str(),
    "flink-revision": str(),
    features: z.object({ "web-submit": bool(), "web-cancel": bool(), "web-rescale": bool(), "web-history": bool() }),
  }),
);

export const ClusterOverview = named(
  "ClusterOverviewWithVersion",
  z.object({
    taskmanagers: int(),
    "slots-total": int(),
    "slots-available": int(),
    "jobs-running": int(),
    "jobs-finished": int(),
    "jobs-cancelled": int(),
    "jobs-failed": int(),
    "flink-version": str(),
    "flink-commit": str(),
  }),
);

export const ConfigurationInfo = named("ConfigurationInfo", z.array(named("ConfigurationInfoEntry", z.object({ key: str(), value: str() }))));

const ResourceProfileInfo = named(
  "ResourceProfileInfo",
  z.object({ cpuCores: z.number(), taskHeapMemory: int(), taskOffHeapMemory: int(), managedMemory: int(), networkMemory: int(), extendedResources: z.record(str(), z.number()) }),
);
const TaskManagerInfoShape = {
  id: str(),
  path: str(),
  dataPort: int(),
  jmxPort: int(),
  timeSinceLastHeartbeat: long().describe("When the last heartbeat arrived, ms since epoch (Flink's name)"),
  slotsNumber: int(),
  freeSlots: int(),
  assignedTasks: int(),
  totalResource: ResourceProfileInfo,
  freeResource: ResourceProfileInfo,
  hardware: named("HardwareDescription", z.object({ cpuCores: int(), physicalMemory: long(), freeMemory: long(), managedMemory: long() })),
  memoryConfiguration: named(
    "TaskExecutorMemoryConfiguration",
    z.object(Object.fromEntries(["frameworkHeap", "taskHeap", "frameworkOffHeap", "taskOffHeap", "networkMemory", "managedMemory", "jvmMetaspace", "jvmOverhead", "totalFlinkMemory", "totalProcessMemory"].map((k) => [k, long()]))),
  ),
  blocked: bool(),
};
export const TaskManagersInfo = named("TaskManagersInfo", z.object({ taskmanagers: z.array(named("TaskManagerInfo", z.object(TaskManagerInfoShape))) }));
export const TaskManagerDetailsInfo = named(
  "TaskManagerDetailsInfo",
  z.object({
    ...TaskManagerInfoShape,
    metrics: named(
      "TaskManagerMetricsInfo",
      z.object({
        ...Object.fromEntries(
          [
            "heapUsed", "heapCommitted", "heapMax", "nonHeapUsed", "nonHeapCommitted", "nonHeapMax", "directCount", "directUsed", "directMax", "mappedCount", "mappedUsed", "mappedMax",
            "memorySegmentsAvailable", "memorySegmentsTotal", "nettyShuffleMemorySegmentsAvailable", "nettyShuffleMemorySegmentsUsed", "nettyShuffleMemorySegmentsTotal",
            "nettyShuffleMemoryAvailable", "nettyShuffleMemoryUsed", "nettyShuffleMemoryTotal",
          ].map((k) => [k, long()]),
        ),
        garbageCollectors: z.array(z.object({ name: str(), count: long(), time: long() })),
      }),
    ),
    allocatedSlots: z.array(named("SlotInfo", z.object({ jobId: str(), resource: ResourceProfileInfo }))),
  }),
);

export const JobIdsWithStatusOverview = named("JobIdsWithStatusOverview", z.object({ jobs: z.array(z.object({ id: str(), status: JobStatus })) }));

const times = { "start-time": long(), "end-time": long(), duration: long() };
export const MultipleJobsDetails = named(
  "MultipleJobsDetails",
  z.object({ jobs: z.array(named("JobDetails", z.object({ jid: str(), name: str(), state: JobStatus, ...times, "last-modification": long(), tasks: counts }))) }),
);

const IOMetricsInfo = named(
  "IOMetricsInfo",
  z.object({
    "read-bytes": long(),
    "read-bytes-complete": bool(),
    "write-bytes": long(),
    "write-bytes-complete": bool(),
    "read-records": long(),
    "read-records-complete": bool(),
    "write-records": long(),
    "write-records-complete": bool(),
    "accumulated-backpressured-time": long(),
    "accumulated-idle-time": long(),
    "accumulated-busy-time": z.number(),
  }),
  "Eddy counts records, not bytes: the byte counts are 0 with their -complete flags false",
);

const PlanNode = z.object({
  id: str(),
  parallelism: int(),
  operator: str(),
  operator_strategy: str(),
  description: str(),
  inputs: z.array(z.object({ num: int(), id: str(), ship_strategy: str(), exchange: str() })).optional(),
  optimizer_properties: z.object({}),
});
const Plan = z.object({ jid: str(), name: str(), type: str(), nodes: z.array(PlanNode) });
export const JobPlanInfo = named("JobPlanInfo", z.object({ plan: Plan }));

export const JobDetailsInfo = named(
  "JobDetailsInfo",
  z.object({
    jid: str(),
    name: str(),
    isStoppable: bool(),
    state: JobStatus,
    "job-type": str(),
    ...times,
    maxParallelism: long(),
    now: long(),
    timestamps: z.record(str(), long()),
    vertices: z.array(
      named(
        "JobDetailsVertexInfo",
        z.object({
          id: str(),
          name: str(),
          maxParallelism: int(),
          parallelism: int(),
          status: ExecutionState,
          ...times,
          tasks: counts,
          metrics: IOMetricsInfo,
          subtasks: z.array(z.object({ subtask: int(), "taskmanager-id": str() })).describe("Eddy's addition: the TaskManager each subtask runs on"),
        }),
      ),
    ),
    "status-counts": counts,
    plan: Plan,
  }),
);

export const JobStatusInfo = named("JobStatusInfo", z.object({ status: JobStatus }));

export const JobConfigInfo = named(
  "JobConfigInfo",
  z.object({
    jid: str(),
    name: str(),
    "execution-config": z.object({ "execution-mode": str(), "restart-strategy": str(), "job-parallelism": int(), "object-reuse-mode": bool(), "user-config": z.record(str(), str()) }),
  }),
);

const ExceptionInfoShape = {
  exceptionName: str(),
  stacktrace: str(),
  timestamp: long(),
  taskName: str().nullable(),
  endpoint: str().nullable(),
  location: str().nullable(),
  taskManagerId: str().nullable(),
  failureLabels: z.record(str(), str()),
};
export const JobExceptionsInfoWithHistory = named(
  "JobExceptionsInfoWithHistory",
  z.object({
    "root-exception": str().nullable(),
    timestamp: long().nullable(),
    "all-exceptions": z.array(z.object({ exception: str(), task: str(), location: str(), timestamp: long(), taskManagerId: str() })),
    truncated: bool(),
    exceptionHistory: z.object({
      entries: z.array(named("RootExceptionInfo", z.object({ ...ExceptionInfoShape, attempt: int(), concurrentExceptions: z.array(z.object(ExceptionInfoShape)) }))),
      truncated: bool(),
    }),
  }),
);

const StatsSummaryDto = named("StatsSummaryDto", z.object({ min: long(), max: long(), avg: long(), p50: z.number(), p90: z.number(), p95: z.number(), p99: z.number(), p999: z.number() }));
const CheckpointStatsStatus = z.enum(["IN_PROGRESS", "COMPLETED", "FAILED"]);
const TaskCheckpointStatisticsShape = {
  id: long(),
  status: CheckpointStatsStatus,
  latest_ack_timestamp: long(),
  checkpointed_size: long(),
  state_size: long(),
  end_to_end_duration: long(),
  alignment_buffered: long(),
  processed_data: long(),
  persisted_data: long(),
  num_subtasks: int(),
  num_acknowledged_subtasks: int(),
};
const TaskCheckpointStatistics = named("TaskCheckpointStatistics", z.object(TaskCheckpointStatisticsShape));
const CheckpointStatisticsShape = {
  id: long(),
  status: CheckpointStatsStatus,
  is_savepoint: bool(),
  savepointFormat: str().optional(),
  trigger_timestamp: long(),
  latest_ack_timestamp: long(),
  checkpointed_size: long(),
  state_size: long(),
  end_to_end_duration: long(),
  alignment_buffered: long(),
  processed_data: long(),
  persisted_data: long(),
  num_subtasks: int(),
  num_acknowledged_subtasks: int(),
  checkpoint_type: z.enum(["CHECKPOINT", "UNALIGNED_CHECKPOINT", "SAVEPOINT", "SYNC_SAVEPOINT"]),
  alignment_duration: long().describe("Eddy's addition: the longest barrier alignment of any subtask, ms"),
  tasks: z.record(str(), TaskCheckpointStatistics),
};
const CompletedCheckpointStatistics = named("CompletedCheckpointStatistics", z.object({ clazz: z.literal("completed"), ...CheckpointStatisticsShape, external_path: str(), discarded: bool() }));
const FailedCheckpointStatistics = named("FailedCheckpointStatistics", z.object({ clazz: z.literal("failed"), ...CheckpointStatisticsShape, failure_timestamp: long(), failure_message: str() }));
const PendingCheckpointStatistics = named("PendingCheckpointStatistics", z.object({ clazz: z.literal("in_progress"), ...CheckpointStatisticsShape }));
export const CheckpointStatistics = named("CheckpointStatistics", z.discriminatedUnion("clazz", [CompletedCheckpointStatistics, FailedCheckpointStatistics, PendingCheckpointStatistics]));

export const CheckpointingStatistics = named(
  "CheckpointingStatistics",
  z.object({
    counts: z.object({ restored: long(), total: long(), in_progress: int(), completed: long(), failed: long() }),
    summary: z.object(Object.fromEntries(["checkpointed_size", "state_size", "end_to_end_duration", "alignment_buffered", "processed_data", "persisted_data"].map((k) => [k, StatsSummaryDto]))),
    latest: z.object({
      completed: CompletedCheckpointStatistics.nullable(),
      savepoint: CompletedCheckpointStatistics.nullable(),
      failed: FailedCheckpointStatistics.nullable(),
      restored: z.object({ id: long(), restore_timestamp: long(), is_savepoint: bool(), external_path: str() }).nullable(),
    }),
    history: z.array(CheckpointStatistics),
  }),
);

export const CheckpointConfigInfo = named(
  "CheckpointConfigInfo",
  z.object({
    mode: z.enum(["exactly_once", "at_least_once"]),
    interval: long(),
    timeout: long(),
    min_pause: long(),
    max_concurrent: long(),
    externalization: z.object({ enabled: bool(), delete_on_cancellation: bool() }),
    state_backend: str(),
    checkpoint_storage: str(),
    unaligned_checkpoints: bool(),
    tolerable_failed_checkpoints: int(),
    aligned_checkpoint_timeout: long(),
    checkpoints_after_tasks_finish: bool(),
    state_changelog_enabled: bool(),
    changelog_periodic_materialization_interval: long(),
    changelog_storage: str(),
  }),
);

const zeroSummary = StatsSummaryDto;
export const TaskCheckpointStatisticsWithSubtaskDetails = named(
  "TaskCheckpointStatisticsWithSubtaskDetails",
  z.object({
    ...TaskCheckpointStatisticsShape,
    summary: z.object({
      checkpointed_size: zeroSummary,
      state_size: zeroSummary,
      end_to_end_duration: StatsSummaryDto,
      checkpoint_duration: z.object({ sync: StatsSummaryDto, async: StatsSummaryDto }),
      alignment: z.object({ buffered: StatsSummaryDto, processed: StatsSummaryDto, persisted: StatsSummaryDto, duration: StatsSummaryDto }),
      start_delay: StatsSummaryDto,
    }),
    subtasks: z.array(
      named(
        "SubtaskCheckpointStatistics",
        z.discriminatedUnion("clazz", [
          z.object({
            clazz: z.literal("completed"),
            index: int(),
            status: z.literal("completed"),
            ack_timestamp: long(),
            end_to_end_duration: long(),
            checkpointed_size: long(),
            state_size: long(),
            checkpoint: z.object({ sync: long(), async: long() }),
            alignment: z.object({ buffered: long(), processed: long(), persisted: long(), duration: long() }),
            start_delay: long(),
            unaligned_checkpoint: bool(),
            aborted: bool(),
          }),
          z.object({ clazz: z.literal("pending"), index: int(), status: z.literal("pending_or_failed") }),
        ]),
      ),
    ),
  }),
);

const aggregate = z.object({ min: z.number(), max: z.number(), avg: z.number(), sum: z.number(), median: z.number(), p25: z.number(), p75: z.number(), p95: z.number() });
export const JobVertexDetailsInfo = named(
  "JobVertexDetailsInfo",
  z.object({
    id: str(),
    name: str(),
    parallelism: int(),
    maxParallelism: int(),
    now: long(),
    subtasks: z.array(
      named(
        "SubtaskExecutionAttemptDetailsInfo",
        z.object({
          subtask: int(),
          status: ExecutionState,
          attempt: int(),
          host: str(),
          ...times,
          metrics: IOMetricsInfo,
          "taskmanager-id": str().describe("The TaskManager the subtask runs on (or ran on last); (unassigned) before it is deployed"),
          "status-duration": z.record(str(), long()),
          start_time: long(),
        }),
      ),
    ),
    aggregated: z.object({ metrics: z.record(str(), aggregate), "status-duration": z.record(str(), aggregate) }),
  }),
);

export const SubtasksTimesInfo = named(
  "SubtasksTimesInfo",
  z.object({ id: str(), name: str(), now: long(), subtasks: z.array(z.object({ subtask: int(), host: str(), duration: long(), timestamps: z.record(str(), long()) })) }),
);

const level = z.enum(["ok", "low", "high"]);
export const JobVertexBackPressureInfo = named(
  "JobVertexBackPressureInfo",
  z.object({
    status: z.enum(["ok", "deprecated"]),
    "backpressure-level": level,
    "end-timestamp": long(),
    subtasks: z.array(z.object({ subtask: int(), "attempt-number": int(), "backpressure-level": level, ratio: z.number(), busyRatio: z.number(), idleRatio: z.number() })),
  }),
);

export const MetricCollection = named(
  "MetricCollectionResponseBody",
  z.array(named("Metric", z.object({ id: str(), value: str().optional() }))),
  "As Flink sends it: a bare array; `value` only for metrics asked for with ?get=",
);

export const TriggerResponse = named("TriggerResponse", z.object({ "request-id": str() }));

const SerializedThrowable = z.object({ class: str(), "stack-trace": str(), "serialized-throwable": z.null() });
export const AsynchronousOperationResult = named(
  "AsynchronousOperationResult",
  z.object({
    status: z.object({ id: z.enum(["IN_PROGRESS", "COMPLETED"]) }),
    operation: z.union([z.object({ location: str() }), z.object({ checkpointId: long() }), z.object({ "failure-cause": SerializedThrowable })]).optional(),
  }),
);

export const JobSubmitResponse = named("JobSubmitResponseBody", z.object({ jobid: str(), jobUrl: str() }));

export const PartitionsInfo = named(
  "PartitionsInfo",
  z.object({
    vertexId: str(),
    source: str(),
    discovery: z.object({
      enabled: bool(),
      intervalMs: long().optional(),
      lastDiscoveryTime: long().optional(),
      topics: z.array(str()).optional(),
      topicPattern: str().optional(),
      runs: int().optional(),
      pending: z.array(str()).optional(),
    }),
    assignments: z.array(z.object({ splitId: str(), subtask: int(), state: z.unknown().optional() })),
  }),
);

export const CollectedResults = named("CollectedResults", z.object({ total: int(), kept: int(), records: z.array(z.unknown()) }));

export const ArtifactInfo = named(
  "ArtifactInfo",
  z.object({ id: str().regex(/^[0-9a-f]{64}$/), size: int(), world: str().optional(), imports: z.array(str()), exports: z.array(str()), created: long() }),
);
export const ArtifactList = named("ArtifactList", z.object({ artifacts: z.array(ArtifactInfo) }));

/** An empty JSON object (PATCH /jobs/:jobid's 202). */
export const Empty = named("Empty", z.object({}));
