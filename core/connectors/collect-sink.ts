/**
 * Sinks that stay in memory or print: collect (used by `executeAndCollect`) and print.
 */
import { type ResultSink, type Sink, type SinkInitContext, type SinkWriter, forwardingWriter } from "./sink.ts";

/** Appends every record to `target`, in the JobManager's isolate wherever its writers run. */
export class CollectSink<T> implements ResultSink<T> {
  readonly name = "Collect Sink";
  readonly collectsResults = true as const;
  constructor(readonly target: { push(value: T): unknown }) {}
  createWriter(context?: SinkInitContext): SinkWriter<T> {
    if (context?.results !== undefined) return forwardingWriter(context.results);
    const target = this.target;
    return {
      write: (value) => {
        target.push(value);
      },
      flush: () => {},
    };
  }
  accept(values: readonly T[]): void {
    for (const v of values) this.target.push(v);
  }
}

/** Prints records as Flink's print sink does: `prefix:subtask> value` when parallel. */
export class PrintSink<T> implements Sink<T> {
  readonly name = "Print to Std. Out";
  constructor(
    private readonly prefix?: string,
    private readonly write: (line: string) => void = (line) => console.log(line),
  ) {}
  createWriter(context: { subtaskIndex: number; parallelism: number }): SinkWriter<T> {
    const parts: string[] = [];
    if (this.prefix !== undefined && this.prefix !== "") parts.push(this.prefix);
    if (context.parallelism > 1) parts.push(String(context.subtaskIndex + 1));
    const lead = parts.length === 0 ? "" : `${parts.join(":")}> `;
    return {
      write: (value) => this.write(lead + formatValue(value)),
      flush: () => {},
    };
  }
}

function formatValue(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "bigint") return `${value}n`;
  try {
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v)) ?? String(value);
  } catch {
    return String(value);
  }
}
