/**
 * The Kafka split enumerator against a fake client and context: the order in which readers hear
 * of their splits and of the end of a bounded source.
 */
import { describe, expect, test } from "vitest";
import type { SplitEnumeratorContext } from "../../core/index.ts";
import type { KafkaClient } from "./client.ts";
import { OffsetsInitializer } from "./offsets-initializer.ts";
import { type KafkaPartitionSplit, KafkaSourceEnumerator } from "./source-enumerator.ts";

/** What readers were told, in order: `splits <subtask> <ids>` or `end <subtask>`. */
function enumeratorWithLog(parallelism: number): { enumerator: KafkaSourceEnumerator; log: string[]; register(reader: number): void; discover(): Promise<void> } {
  const log: string[] = [];
  const registered = new Set<number>();
  let discovery: (() => Promise<void>) | undefined;
  const context: SplitEnumeratorContext<KafkaPartitionSplit> = {
    parallelism,
    registeredReaders: () => [...registered],
    assignSplits: (assignment) => {
      for (const [subtask, splits] of assignment) if (splits.length > 0) log.push(`splits ${subtask} ${splits.map((s) => s.splitId).join(",")}`);
    },
    signalNoMoreSplits: (subtask) => log.push(`end ${subtask}`),
    callAsync: (task, handler) => {
      discovery = () => task().then((r) => handler(r, undefined), (e: unknown) => handler(undefined, e));
    },
    currentTime: () => 0,
  };
  const client = {
    describeTopics: async () => new Map([["t", 4]]),
    listOffsets: async (partitions: readonly { topic: string; partition: number }[], spec: unknown) => new Map(partitions.map((p) => [`${p.topic}:${p.partition}`, spec === "earliest" ? 0 : 10])),
  } as unknown as KafkaClient;
  const settings = { name: "t", topics: ["t"], pattern: undefined, startingOffsets: OffsetsInitializer.earliest(), bounded: OffsetsInitializer.latest(), groupId: undefined, discoveryIntervalMs: 0, bootstrap: ["b:9092"] };
  const enumerator = new KafkaSourceEnumerator(context, client, settings, undefined, async () => {});
  enumerator.start();
  return {
    enumerator,
    log,
    register(reader) {
      registered.add(reader);
      enumerator.addReader();
    },
    discover: () => discovery!(),
  };
}

describe("a bounded Kafka source's enumerator", () => {
  test("tells a reader that registers after discovery (as readers on other TaskManagers do) of its splits before the end", async () => {
    const e = enumeratorWithLog(2);
    e.register(0);
    await e.discover();
    e.register(1);
    const reader1 = e.log.filter((l) => / 1( |$)/.test(l));
    expect(reader1).toHaveLength(2);
    expect(reader1[0]).toMatch(/^splits 1 /);
    expect(reader1[1]).toBe("end 1");
    // Every reader got its splits before its end, and every partition went to one reader.
    for (const reader of [0, 1]) expect(e.log.findIndex((l) => l.startsWith(`splits ${reader} `))).toBeLessThan(e.log.indexOf(`end ${reader}`));
    expect(e.log.filter((l) => l.startsWith("splits")).flatMap((l) => l.split(" ")[2]!.split(",")).sort()).toEqual(["t:0", "t:1", "t:2", "t:3"]);
  });
});
