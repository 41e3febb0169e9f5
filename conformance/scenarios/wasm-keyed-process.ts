import type { DataStream, StreamExecutionEnvironment } from "../../core/index.ts";
import { perEventWatermarks } from "../watermarks.ts";
import { type ComponentRef, GUESTS, wasmFunction, wasmScenario } from "../wasm-guests.ts";

interface Amount {
  ts: number;
  v: number;
}

/** Amounts 137 ms apart in event time (in order), values -20..80. */
const AMOUNTS: Amount[] = Array.from({ length: 300 }, (_, i) => ({ ts: 1_000_000 + i * 137, v: ((i * 37) % 101) - 20 }));

/** The key of an amount (the component sees only its value, as text). */
const keyOf = (value: number): string => `k${Math.abs(value) % 4}`;

/** keyed-running-sum on the amounts' values, keyed by {@link keyOf}, with a watermark after every record. */
export async function wasmRunningSum(env: StreamExecutionEnvironment, params: { process: ComponentRef }): Promise<DataStream<string>> {
  const sum = await wasmFunction(params.process, { name: "running sum" });
  return env
    .fromCollection(AMOUNTS)
    // One subtask up to the keyBy: each key's records, and the watermark after each, arrive in order.
    .assignTimestampsAndWatermarks(perEventWatermarks<Amount>(0))
    .setParallelism(1)
    .map((a) => String(a.v))
    .setParallelism(1)
    .keyBy((value) => keyOf(Number(value)))
    .process<string>(sum);
}

/**
 * What keyed-running-sum does, written without Eddy: per key, the running sum after each record,
 * and an event-time timer at the end of the record's second that, once the watermark (the
 * latest timestamp - 1 after each record) passes it, emits `fired@<time>:<sum>`.
 */
function expected(): string[] {
  const out: string[] = [];
  const sums = new Map<string, number>();
  const timers = new Map<string, { key: string; at: number }>();
  const fire = (watermark: number): void => {
    for (const [id, t] of [...timers].sort((a, b) => a[1].at - b[1].at)) {
      if (t.at > watermark) continue;
      out.push(`fired@${t.at}:${sums.get(t.key) ?? 0}`);
      timers.delete(id);
    }
  };
  for (const a of AMOUNTS) {
    const key = keyOf(a.v);
    sums.set(key, (sums.get(key) ?? 0) + a.v);
    out.push(String(sums.get(key)));
    const at = Math.floor(a.ts / 1000) * 1000 + 999;
    timers.set(`${key}@${at}`, { key, at });
    fire(a.ts - 1);
  }
  fire(Number.POSITIVE_INFINITY);
  return out;
}

/** A keyed-process component keeps state and event-time timers through Eddy's state backend. */
export default wasmScenario({
  name: "wasm-keyed-process",
  description: "a component of the keyed-process world keeps a running sum per key in keyed state and fires event-time timers",
  job: "wasmRunningSum",
  guests: { process: GUESTS.keyedProcess },
  expected,
  compare: "unordered",
  what: "the running sums and fired timers",
});
