import { type KeyedProcessFunction, ManualClock, StateTtlConfig, ValueStateDescriptor, WatermarkStrategy } from "../../core/index.ts";
import { expectOutput } from "../checks.ts";
import { QueueSource, SteppedJob, arraySink } from "../manual-time.ts";
import { SeededRandom } from "../random.ts";
import type { RunScenario } from "../scenario.ts";

/** What a record saw of its key's two counters: null when expired (or never set). */
interface Seen {
  i: number;
  key: string;
  written: number | null;
  touched: number | null;
}

const TTL = 100;

/** When a value's access time is refreshed (StateTtlConfig's update types). */
type TtlUpdateType = "OnCreateAndWrite" | "OnReadAndWrite";
const keyOf = (i: number): string => `k${i % 2}`;

/** Whether record `i` writes a counter it found: every third does (one it found absent, it starts). */
const writes = (i: number, found: number | null): boolean => found === null || i % 3 === 0;

/** Arrival times: seeded steps of 0 to 50 ms, so a key's next access comes before or after its state expired. */
function arrivals(): number[] {
  const random = new SeededRandom(2_020);
  let t = 1_000;
  return Array.from({ length: 200 }, () => (t += random.int(0, 50)));
}

/**
 * Flink's state TTL, computed without Eddy: a value expires once its last access + TTL <= now;
 * "OnCreateAndWrite" refreshes that access time only on writes, "OnReadAndWrite" on reads too;
 * with NeverReturnExpired an expired value reads as absent.
 */
function expected(): Seen[] {
  type Entry = { value: number; access: number };
  const stores: Record<TtlUpdateType, Map<string, Entry>> = { OnCreateAndWrite: new Map(), OnReadAndWrite: new Map() };
  const read = (update: TtlUpdateType, key: string, now: number): number | null => {
    const entry = stores[update].get(key);
    if (entry === undefined || entry.access + TTL <= now) return null;
    if (update === "OnReadAndWrite") entry.access = now;
    return entry.value;
  };
  return arrivals().map((now, i) => {
    const key = keyOf(i);
    const written = read("OnCreateAndWrite", key, now);
    const touched = read("OnReadAndWrite", key, now);
    if (writes(i, written)) stores.OnCreateAndWrite.set(key, { value: (written ?? 0) + 1, access: now });
    if (writes(i, touched)) stores.OnReadAndWrite.set(key, { value: (touched ?? 0) + 1, access: now });
    return { i, key, written, touched };
  });
}

/**
 * Keyed ValueState with a time-to-live: two counters per key, read by every record and written
 * by every third, one refreshed on writes only and one on reads too, each starting over once it
 * expired. The TTL is measured on the processing
 * time of a ManualClock the scenario moves, so which reads find the value expired is exact.
 */
const scenario: RunScenario = {
  name: "state-ttl",
  description: "keyed state with a TTL reads as absent once its last write (or read, with OnReadAndWrite) is TTL ms old",
  skip: (context) =>
    context.cluster === undefined
      ? undefined
      : "TTL is measured in processing time, and worker TaskManagers keep the system clock: whether a value expired would depend on scheduling, so this runs on the local TaskManager with a ManualClock",
  durableObjects:
    "TTL is measured in processing time, and a Durable Object's clock is workerd's real clock: whether a value expired would depend on scheduling, so this runs on the local TaskManager with a ManualClock",
  async run(context) {
    const clock = new ManualClock(0);
    const env = context.environment({ parallelism: 2, clock });
    const ttl = (update: TtlUpdateType) => StateTtlConfig.newBuilder(TTL).setUpdateType(update).setStateVisibility("NeverReturnExpired").build();
    const written = new ValueStateDescriptor<number>("written").enableTimeToLive(ttl("OnCreateAndWrite"));
    const touched = new ValueStateDescriptor<number>("touched").enableTimeToLive(ttl("OnReadAndWrite"));
    const counters: KeyedProcessFunction<string, { i: number }, Seen> = {
      processElement(record, ctx, out) {
        const w = ctx.getState(written);
        const t = ctx.getState(touched);
        const seen = { i: record.i, key: ctx.getCurrentKey(), written: w.value() ?? null, touched: t.value() ?? null };
        if (writes(record.i, seen.written)) w.update((seen.written ?? 0) + 1);
        if (writes(record.i, seen.touched)) t.update((seen.touched ?? 0) + 1);
        out.collect(seen);
      },
    };
    const source = new QueueSource<{ i: number }>();
    const out: Seen[] = [];
    env.fromSource(source, WatermarkStrategy.noWatermarks(), "queue").setParallelism(1).keyBy((r) => keyOf(r.i)).process(counters).sinkTo(arraySink(out));
    const job = await SteppedJob.open(env, clock, "state ttl");
    const times = arrivals();
    for (let i = 0; i < times.length; i++) {
      await job.advanceTo(times[i]!);
      source.push({ i });
      await job.settle();
    }
    job.cancel();
    expectOutput(out, expected(), { perKey: (s) => s.key }, "what each record saw of its key's counters");
  },
};
export default scenario;
