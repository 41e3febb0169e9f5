/**
 * A killed `eddy serve` (SIGKILL) started again on the same directories resumes its jobs under
 * their ids, on its worker TaskManagers: an exactly-once Kafka job (keyed event-time windows) and
 * a file-sink job, killed at seeded moments, end with the committed output of a run that never
 * failed, record for record.
 * The references are computed here from the input, not by Eddy.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NodeFileSystem } from "../adapters/node/fs.ts";
import { readTopic, testClient } from "../adapters/kafka/testing.ts";
import { startTestBroker, type TestBroker } from "../adapters/kafka/test-broker/broker.ts";
import { readCommittedLines } from "../core/index.ts";
import { callApi, eventually, spawnServe, stopServe, type ServeProcess } from "./testing/fixtures.ts";

const INPUT = "crash-clicks";
const PARTITIONS = 4;
const PER_PARTITION = 1_000;
/**
 * Records per produced batch. A fetch returns whole batches and the broker answers each request
 * BROKER_RTT_MS late, so the Kafka job reads for 1 000 / 5 fetches x 10 ms = 2 s at least.
 */
const BATCH = 5;
const BROKER_RTT_MS = 10;
const KEYS = 5;
const WINDOW_MS = 100;
/** File job: NUMBERS records at RATE per second (one event-time ms per 2 records), so it runs >= 2 s. */
const NUMBERS = 4_000;
const RATE = 2_000;

/** The input of the Kafka job: record i of each partition, keys in turn with event times 7 ms apart. */
function clicks(): { partition: number; i: number; value: string }[] {
  const out: { partition: number; i: number; value: string }[] = [];
  for (let p = 0; p < PARTITIONS; p++) {
    for (let i = 0; i < PER_PARTITION; i++) out.push({ partition: p, i, value: JSON.stringify({ k: `k${(i * 3 + p) % KEYS}`, ts: 1_000_000 + i * 7 }) });
  }
  return out;
}

/** Counts per key and tumbling window, from the input. */
function windowCounts(input: { value: string }[]): string[] {
  const counts = new Map<string, number>();
  for (const { value } of input) {
    const { k, ts } = JSON.parse(value) as { k: string; ts: number };
    const start = ts - (ts % WINDOW_MS);
    const id = `${k}|${start}`;
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return [...counts].map(([id, n]) => {
    const [key, start] = id.split("|");
    return canonical({ key, start: Number(start), end: Number(start) + WINDOW_MS, n });
  }).sort();
}

function canonical(r: Record<string, unknown>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : 1))));
}

/** A kill moment in the first 900 ms of the jobs, from a seed (one step of mulberry32). */
function killDelayMs(seed: number): number {
  let t = (Math.imul(seed, 7919) + 0x6d2b79f5) >>> 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 900);
}

let broker: TestBroker;
let expectedCounts: string[];
const temps: string[] = [];

beforeAll(async () => {
  const outputs = ["node-1", "node-2", "node-3", "deno", "bun"].map((s) => ({ name: `crash-counts-${s}`, partitions: 2 }));
  broker = await startTestBroker({ brokers: 1, topics: [{ name: INPUT, partitions: PARTITIONS }, ...outputs] });
  const input = clicks();
  const client = testClient(broker.bootstrap);
  const producer = client.createProducer();
  try {
    for (let i = 0; i < PER_PARTITION; i += BATCH) {
      await producer.send(input.filter((r) => r.i >= i && r.i < i + BATCH).map(({ partition, value }) => ({ topic: INPUT, partition, value })));
    }
  } finally {
    await producer.close();
    await client.close();
  }
  expectedCounts = windowCounts(input);
  await broker.command(`rtt 1 ${BROKER_RTT_MS}`);
}, 120_000);

afterAll(async () => {
  await broker?.close();
  for (const d of temps) await rm(d, { recursive: true, force: true });
});

async function tempDir(name: string): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), `eddy-crash-${name}-`));
  temps.push(d);
  return d;
}

const submit = async (server: ServeProcess, spec: unknown): Promise<string> => (await callApi(server, "POST", "/jobs", spec)).jobid;
const state = async (server: ServeProcess, id: string): Promise<string> => (await callApi(server, "GET", `/jobs/${id}`)).state;
const inState = (server: ServeProcess, id: string, wanted: string) =>
  eventually(`job ${id} ${wanted}`, async () => {
    const s = await state(server, id);
    if (s === "FAILED") throw new Error(`job ${id} FAILED: ${(await callApi(server, "GET", `/jobs/${id}/exceptions`))["root-exception"]}`);
    return s === wanted ? true : undefined;
  }, 30_000);

function kafkaJob(tag: string) {
  return {
    name: `window counts ${tag}`,
    parallelism: 2,
    sources: [
      {
        type: "kafka",
        bootstrapServers: broker.bootstrap,
        topics: [INPUT],
        groupId: `crash-${tag}`,
        bounded: true,
        timestampField: "ts",
        partitionDiscoveryIntervalMs: 0,
        // One batch per partition and fetch, so reading the input spans many checkpoints.
        properties: { "max.partition.fetch.bytes": 64 },
      },
    ],
    operators: [
      { type: "keyBy", field: "k" },
      { type: "window", kind: "tumbling", size: WINDOW_MS },
      { type: "aggregate", fn: "count", as: "n" },
    ],
    sinks: [{ type: "kafka", bootstrapServers: broker.bootstrap, topic: `crash-counts-${tag}`, keyField: "key", deliveryGuarantee: "EXACTLY_ONCE", transactionalIdPrefix: `crash-${tag}` }],
    checkpointing: { interval: 150 },
    restartStrategy: { type: "fixed-delay", attempts: 3, delay: 100 },
  };
}

function fileJob(tag: string) {
  return {
    name: `numbers ${tag}`,
    parallelism: 2,
    sources: [{ type: "generator", fields: { n: { kind: "sequence" } }, count: NUMBERS, ratePerSecond: RATE }],
    operators: [{ type: "project", select: ["n", "ts"] }],
    sinks: [{ type: "file", path: "numbers" }],
    checkpointing: { interval: 150 },
  };
}

/** Committed lines of the file job: each n once, the event times of one uninterrupted generator, and no staged file left. */
async function expectNumbersExactlyOnce(dataDir: string): Promise<void> {
  const records = (await readCommittedLines(new NodeFileSystem(path.join(dataDir, "output")), "numbers")).map((l) => JSON.parse(l) as { n: number; ts: number });
  records.sort((a, b) => a.n - b.n);
  expect(records.map((r) => r.n)).toEqual(Array.from({ length: NUMBERS }, (_, i) => i));
  // Event time advances 1000 / RATE ms per record from the submission, resumed or not.
  const first = records[0]!.ts;
  expect(records.filter((r) => r.ts !== first + Math.floor((r.n * 1000) / RATE))).toEqual([]);
  expect(await new NodeFileSystem(path.join(dataDir, "output")).list("numbers/.pending")).toEqual([]);
}

async function expectCountsExactlyOnce(tag: string): Promise<void> {
  const committed = (await readTopic(broker.bootstrap, `crash-counts-${tag}`, { timeoutMs: 20_000 })).map((v) => canonical(JSON.parse(v))).sort();
  expect(committed.length).toBe(expectedCounts.length);
  expect(committed).toEqual(expectedCounts);
}

/** Every subtask of the jobs runs on one of the server's worker TaskManagers (once deployed). */
async function expectOnTaskManagers(server: ServeProcess, ids: string[]): Promise<void> {
  for (const id of ids) {
    const where = await eventually(`job ${id} deployed`, async () => {
      const vertices = (await callApi(server, "GET", `/jobs/${id}`)).vertices as { subtasks: { "taskmanager-id": string }[] }[];
      const all = vertices.flatMap((v) => v.subtasks.map((s) => s["taskmanager-id"]));
      return all.includes("(unassigned)") ? undefined : all;
    });
    for (const tm of where) expect(tm).toMatch(/^tm-\d+$/);
  }
}

/**
 * Submits both jobs to a fresh `eddy serve` on `runtime`, kills it with SIGKILL `delayMs` after
 * both run, starts it again on the same directories and waits for both jobs to finish.
 */
async function crashAndResume(runtime: "node" | "deno" | "bun", tag: string, delayMs: number): Promise<void> {
  const checkpointDir = await tempDir(`${tag}-checkpoints`);
  const dataDir = await tempDir(`${tag}-data`);
  const flags = ["--checkpoint-dir", checkpointDir, "--data-dir", dataDir, "--kafka-brokers", broker.bootstrap.join(","), "--task-managers", "2"];
  let server: ServeProcess | undefined = await spawnServe(runtime, flags);
  try {
    const kafkaId = await submit(server, kafkaJob(tag));
    const fileId = await submit(server, fileJob(tag));
    await inState(server, kafkaId, "RUNNING");
    await inState(server, fileId, "RUNNING");
    await expectOnTaskManagers(server, [kafkaId, fileId]);
    await new Promise((r) => setTimeout(r, delayMs));
    // Both jobs need 2 s at least: the kill lands while they run.
    expect([await state(server, kafkaId), await state(server, fileId)]).toEqual(["RUNNING", "RUNNING"]);
    const killed = new Promise((r) => server!.child.once("exit", (_code, signal) => r(signal)));
    server.child.kill("SIGKILL");
    expect(await killed).toBe("SIGKILL");
    expect((await readCommittedLines(new NodeFileSystem(path.join(dataDir, "output")), "numbers")).length).toBeLessThan(NUMBERS);

    server = await spawnServe(runtime, flags);
    const listed = (await callApi(server, "GET", "/jobs")).jobs as { id: string }[];
    expect(listed.map((j) => j.id).sort()).toEqual([kafkaId, fileId].sort());
    await expectOnTaskManagers(server, [kafkaId, fileId]);
    await inState(server, fileId, "FINISHED");
    await inState(server, kafkaId, "FINISHED");
    await expectNumbersExactlyOnce(dataDir);
    await expectCountsExactlyOnce(tag);
  } finally {
    if (server !== undefined) await stopServe(server.child);
  }
}

describe("regression #13.2: a killed eddy serve resumes its running jobs", () => {
  // Seeds whose kill moments fall before the first checkpoint, early, and halfway through.
  for (const [i, seed] of [4, 5, 1].entries()) {
    const delayMs = killDelayMs(seed);
    it(`seed ${seed}: killed ${delayMs} ms after the jobs started, the Kafka and file outputs are exactly once`, () => crashAndResume("node", `node-${i + 1}`, delayMs), 50_000);
  }

  it.each([
    ["deno", 10],
    ["bun", 6],
  ] as const)("on %s too (seed %i)", (runtime, seed) => crashAndResume(runtime, runtime, killDelayMs(seed)), 50_000);
});
