/**
 * `GET /metrics`: every job's figures in the Prometheus text exposition format (0.0.4).
 */
import type { JobEntry } from "./job-registry.ts";
import { JOB_STATES, jobCheckpoints } from "./flink-json.ts";

/** Escapes a label value (backslash, quote, newline). */
function label(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function labels(l: Record<string, string | number>): string {
  return `{${Object.entries(l).map(([k, v]) => `${k}="${label(String(v))}"`).join(",")}}`;
}

function num(x: number): string {
  return Number.isNaN(x) ? "NaN" : x === Number.POSITIVE_INFINITY ? "+Inf" : x === Number.NEGATIVE_INFINITY ? "-Inf" : String(x);
}

/**
 * A source reader's counter as a metric name: `eddy_source_` + the name in snake case +
 * `_total` (`numRecordsInErrors` -> `eddy_source_num_records_in_errors_total`,
 * `KafkaSourceReader.commitsFailed` -> `eddy_source_kafka_source_reader_commits_failed_total`).
 */
function sourceCounterName(counter: string): string {
  const snake = counter
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2")
    .replace(/[^A-Za-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .toLowerCase();
  return `eddy_source_${snake}_total`;
}

/** The metrics text for `jobs`. */
export function prometheusText(jobs: readonly JobEntry[]): string {
  const families = new Map<string, { help: string; type: "gauge" | "counter"; lines: string[] }>();
  const put = (name: string, help: string, type: "gauge" | "counter", l: Record<string, string | number>, value: number): void => {
    let f = families.get(name);
    if (f === undefined) families.set(name, (f = { help, type, lines: [] }));
    f.lines.push(`${name}${labels(l)} ${num(value)}`);
  };
  for (const state of JOB_STATES) put("eddy_jobs", "Jobs by state.", "gauge", { state }, jobs.filter((j) => j.client.getJobStatus() === state).length);
  for (const job of jobs) {
    const jl = { job_id: job.id, job_name: job.name };
    const status = job.client.getJobStatus();
    for (const state of JOB_STATES) put("eddy_job_state", "1 for the job's current state.", "gauge", { ...jl, state }, status === state ? 1 : 0);
    const m = job.client.metrics();
    put("eddy_job_source_records_per_second", "Records per second leaving all sources.", "gauge", jl, m.sourceRecordsPerSecond);
    put("eddy_job_current_watermark_ms", "Lowest watermark at the sinks (ms).", "gauge", jl, m.currentWatermark);
    const cp = jobCheckpoints(job) as { counts: { completed: number; failed: number } };
    put("eddy_job_checkpoints_completed_total", "Completed checkpoints.", "counter", jl, cp.counts.completed);
    put("eddy_job_checkpoints_failed_total", "Failed checkpoints.", "counter", jl, cp.counts.failed);
    put("eddy_job_restarts_total", "Failures followed by a restart.", "counter", jl, job.client.getExceptionHistory().length - (status === "FAILED" ? 1 : 0));
    for (const v of m.vertices) {
      const r = v.rateController;
      if (r !== undefined) {
        const vl = { ...jl, vertex_id: v.id, vertex_name: v.name };
        put("eddy_source_rate_limit_records_per_second", "The ingestion rate the source's rate controller sets (-1: not limited yet).", "gauge", vl, r.rate ?? -1);
        put("eddy_source_rate_controller_elements", "Records processed in the controller's last interval.", "gauge", vl, r.elements);
        put("eddy_source_rate_controller_processing_delay_ms", "Processing delay the controller last observed (ms).", "gauge", vl, r.processingDelayMs);
        put("eddy_source_rate_controller_scheduling_delay_ms", "Scheduling (queueing) delay the controller last observed (ms).", "gauge", vl, r.schedulingDelayMs);
        put("eddy_source_rate_controller_processing_rate", "Records per second the job processed in the controller's last interval.", "gauge", vl, r.processingRate);
      }
      for (const s of v.subtasks) {
        const sl = { ...jl, vertex_id: v.id, vertex_name: v.name, subtask: s.subtask };
        put("eddy_task_busy_ms_per_second", "Busy time per second.", "gauge", sl, s.busyMsPerSecond);
        put("eddy_task_backpressured_ms_per_second", "Backpressured time per second.", "gauge", sl, s.backPressuredMsPerSecond);
        put("eddy_task_idle_ms_per_second", "Idle time per second.", "gauge", sl, s.idleMsPerSecond);
        put("eddy_task_records_in_total", "Records received.", "counter", sl, s.recordsIn);
        put("eddy_task_records_out_total", "Records emitted.", "counter", sl, s.recordsOut);
        put("eddy_task_current_input_watermark_ms", "Input watermark (ms).", "gauge", sl, s.currentInputWatermark);
        for (const [counter, value] of Object.entries(s.counters ?? {})) put(sourceCounterName(counter), `Source reader counter ${counter}.`, "counter", sl, value);
      }
    }
  }
  let out = "";
  for (const [name, f] of families) out += `# HELP ${name} ${f.help}\n# TYPE ${name} ${f.type}\n${f.lines.join("\n")}\n`;
  return out;
}
