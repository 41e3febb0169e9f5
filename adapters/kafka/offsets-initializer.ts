/**
 * Where a KafkaSource starts (and, bounded, stops) reading a partition (Flink's
 * OffsetsInitializer): earliest, latest, the group's committed offsets with a fallback, the
 * first record at or after a timestamp, or explicit offsets.
 */
import type { KafkaClient, OffsetSpec, TopicPartition } from "./client.ts";
import { tpKey } from "./client.ts";

/** Resolves concrete offsets for partitions, keyed `topic:partition`. */
export interface OffsetsInitializer {
  readonly description: string;
  resolve(client: KafkaClient, partitions: readonly TopicPartition[], groupId: string | undefined): Promise<Map<string, number>>;
}

function bySpec(spec: OffsetSpec, description: string): OffsetsInitializer {
  return { description, resolve: (client, partitions) => client.listOffsets(partitions, spec) };
}

/** Factories of {@link OffsetsInitializer}s. */
export const OffsetsInitializer = {
  /** The first offset still in the log. */
  earliest: (): OffsetsInitializer => {
    return bySpec("earliest", "earliest");
  },
  /** The end of the log when the partition is discovered (read_committed: the last stable offset). */
  latest: (): OffsetsInitializer => {
    return bySpec("latest", "latest");
  },
  /** The first record whose timestamp is at or after `timestamp` (ms); the end when none is. */
  timestamp: (timestamp: number): OffsetsInitializer => {
    return bySpec({ timestamp }, `timestamp(${timestamp})`);
  },
  /** The group's committed offsets (needs setGroupId); partitions without one use `fallback` (default earliest). */
  committedOffsets: (fallback: "earliest" | "latest" = "earliest"): OffsetsInitializer => {
    return {
      description: `committed(${fallback})`,
      async resolve(client, partitions, groupId) {
        if (groupId === undefined) throw new Error("[eddy] KafkaSource: OffsetsInitializer.committedOffsets() needs setGroupId(...)");
        const committed = await client.committedOffsets(groupId, partitions);
        const missing = partitions.filter((p) => !committed.has(tpKey(p.topic, p.partition)));
        if (missing.length > 0) for (const [k, v] of await client.listOffsets(missing, fallback)) committed.set(k, v);
        return committed;
      },
    };
  },
  /** Given offsets (`topic:partition` -> offset); others use `fallback` (default earliest). */
  offsets: (offsets: ReadonlyMap<string, number> | Record<string, number>, fallback: "earliest" | "latest" = "earliest"): OffsetsInitializer => {
    const given = offsets instanceof Map ? new Map(offsets) : new Map(Object.entries(offsets));
    return {
      description: "specific offsets",
      async resolve(client, partitions) {
        const out = new Map<string, number>();
        const missing = partitions.filter((p) => {
          const v = given.get(tpKey(p.topic, p.partition));
          if (v !== undefined) out.set(tpKey(p.topic, p.partition), v);
          return v === undefined;
        });
        if (missing.length > 0) for (const [k, v] of await client.listOffsets(missing, fallback)) out.set(k, v);
        return out;
      },
    };
  },
};
