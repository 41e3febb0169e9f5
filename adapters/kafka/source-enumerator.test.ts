import { describe, expect, it } from "vitest";
import type { SplitEnumeratorContext } from "../../core/index.ts";
import type { KafkaClient } from "./client.ts";
import { OffsetsInitializer } from "./offsets-initializer.ts";
import { type KafkaPartitionSplit, KafkaSourceEnumerator, splitOwner } from "./source-enumerator.ts";

/** A topic of four partitions of 100 records each; only what the enumerator asks is answered. */
const client = {
  describeTopics: async () => new Map([["clicks", 4]]),
  listOffsets: async (partitions: readonly { topic: string; partition: number }[], spec: unknown) => new Map(partitions.map((p) => [`${p.topic}:${p.partition}`, spec === "latest" ? 100 : 0])),
} as unknown as KafkaClient;

/** The enumerator's context as a coordinator gives it: readers register when they start, which may be after discovery. */
function coordinator() {
  const registered: number[] = [];
  const events: string[] = [];
  let discovery: (() => Promise<void>) | undefined;
  const context: SplitEnumeratorContext<KafkaPartitionSplit> = {
    parallelism: 2,
    registeredReaders: () => [...registered],
    assignSplits: (assignment) => {
      for (const [reader, splits] of assignment) if (splits.length > 0) events.push(`${reader}: ${splits.map((s) => `${s.splitId}..${s.stoppingOffset}`).join(" ")}`);
    },
    signalNoMoreSplits: (reader) => void events.push(`${reader}: no more splits`),
    callAsync: (task, handler) => {
      discovery = () => task().then((r) => handler(r, undefined), (e: unknown) => handler(undefined, e));
    },
    currentTime: () => 0,
  };
  return { context, registered, events, discover: () => discovery!() };
}

describe("regression #18: a bounded Kafka source whose readers register after discovery", () => {
  it("tells each reader that no more splits come only after its splits, however late it registers", async () => {
    const c = coordinator();
    const enumerator = new KafkaSourceEnumerator(
      c.context,
      client,
      { name: "clicks", topics: ["clicks"], pattern: undefined, startingOffsets: OffsetsInitializer.earliest(), bounded: OffsetsInitializer.latest(), groupId: undefined, discoveryIntervalMs: 0, bootstrap: ["localhost:9092"] },
      undefined,
      async () => {},
    );
    enumerator.start();
    c.registered.push(0);
    enumerator.addReader();
    await c.discover();
    // Reader 1 starts late (its TaskManager was still building the job).
    c.registered.push(1);
    enumerator.addReader();
    const owned = (reader: number) => [0, 1, 2, 3].filter((p) => splitOwner({ topic: "clicks", partition: p }, 2) === reader).map((p) => `clicks:${p}..100`).join(" ");
    expect(c.events).toEqual(["0: " + owned(0), "0: no more splits", "1: " + owned(1), "1: no more splits"]);
  });
});
