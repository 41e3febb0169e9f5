/**
 * Job specs with Kafka sources and sinks over HTTP, served on Node, Deno and Bun against Eddy's
 * test broker (a real Kafka protocol server): the partitions endpoint shows each reader's
 * partitions and offsets and the discovery loop's state, and partitions or topics added while
 * the job runs appear there and in the output. Expectations are computed here from the records
 * produced.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countNotJson, produce, readTopic } from "../adapters/kafka/testing.ts";
import { startTestBroker, type TestBroker } from "../adapters/kafka/test-broker/broker.ts";
import { eventually, serveOn, serveOnNode, type ServerUnderTest, TEST_TOKEN } from "./testing/fixtures.ts";
/** How long to wait for a job to reach what the broker holds (it takes well under a second). */
const WAIT_MS = 20_000;
/** A port nothing listens on: a broker that is not there. */
const DEAD_BROKER = "127.0.0.1:1";

/** Flink's KafkaSourceEnumerator.getSplitOwner, from its definition (Java's String.hashCode). */
function flinkOwner(topic: string, partition: number, readers: number): number {
  let hash = 0;
  for (const ch of topic) hash = (hash * 31 + ch.charCodeAt(0)) | 0;
  const start = ((hash * 31) & 0x7fffffff) % readers;
  return (start + partition) % readers;
}

interface Assignment {
  splitId: string;
  subtask: number;
  state: { topic: string; partition: number; offset: number; fetched: number; finished: boolean };
}

let broker: TestBroker;

beforeAll(async () => {
  const topics = ["node", "deno", "bun"].flatMap((rt) => [
    { name: `clicks-${rt}`, partitions: 2 },
    { name: `orders-${rt}-eu`, partitions: 1 },
    { name: `big-orders-${rt}`, partitions: 2 },
    { name: `events-${rt}`, partitions: 1 },
    { name: `poison-${rt}`, partitions: 2 },
  ]);
  broker = await startTestBroker({ brokers: 2, topics });
}, 180_000);

afterAll(async () => {
  await broker?.close();
});

for (const rt of ["node", "deno", "bun"] as const) {
  describe(`Kafka job specs over HTTP on ${rt}`, () => {
    let server: ServerUnderTest | undefined;
    let url = "";
    const clicks = `clicks-${rt}`;
    const orders = `orders-${rt}`;
    const bigOrders = `big-orders-${rt}`;

    const call = async (method: string, route: string, body?: unknown): Promise<{ status: number; json: any }> => {
      const res = await fetch(`${url}${route}`, {
        method,
        headers: { authorization: `Bearer ${TEST_TOKEN}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      return { status: res.status, json: text === "" ? undefined : JSON.parse(text) };
    };
    const submit = async (spec: unknown): Promise<string> => {
      const r = await call("POST", "/jobs", spec);
      expect(r.status, JSON.stringify(r.json)).toBe(202);
      return r.json.jobid as string;
    };
    const sourceVertex = async (jobid: string): Promise<string> => (await call("GET", `/jobs/${jobid}`)).json.vertices[0].id as string;
    const partitions = async (jobid: string, vertex: string) => {
      const r = await call("GET", `/jobs/${jobid}/sources/${vertex}/partitions`);
      expect(r.status).toBe(200);
      const info = r.json as { source: string; discovery: Record<string, any>; assignments: Assignment[] };
      // Listed by subtask; here by topic and partition.
      info.assignments.sort((a, b) => (a.state.topic < b.state.topic ? -1 : a.state.topic > b.state.topic ? 1 : a.state.partition - b.state.partition));
      return info;
    };
    const results = async (jobid: string): Promise<any[]> => (await call("GET", `/jobs/${jobid}/results`)).json.records;

    beforeAll(async () => {
      const allowed = [...broker.bootstrap, DEAD_BROKER];
      server = rt === "node" ? await serveOnNode({ kafkaBrokers: allowed }) : await serveOn(rt, { kafkaBrokers: allowed });
      url = server.url;
    }, 60_000);

    afterAll(async () => {
      await server?.close();
    });

    it("shows each reader's partitions and offsets, and partitions added while the job runs", async () => {
      const click = (partition: number, i: number) => ({ partition, value: JSON.stringify({ page: `/p${i % 7}`, partition, i }) });
      await produce(broker.bootstrap, clicks, [...Array.from({ length: 50 }, (_, i) => click(0, i)), ...Array.from({ length: 40 }, (_, i) => click(1, i))]);
      const interval = 300;
      const jobid = await submit({
        name: `clicks from kafka on ${rt}`,
        parallelism: 2,
        sources: [{ type: "kafka", name: "clicks", bootstrapServers: broker.bootstrap, topics: [clicks], groupId: `http-${clicks}`, partitionDiscoveryIntervalMs: interval }],
        operators: [{ type: "project", select: ["partition", "i"] }],
        sinks: [{ type: "collect" }],
      });
      const vertex = await sourceVertex(jobid);
      await eventually("the 90 records already in clicks", async () => ((await results(jobid)).length === 90 ? true : undefined), WAIT_MS);

      // Readers on TaskManagers report their positions with their metrics, once a second.
      const before = await eventually("both readers' positions", async () => {
        const p = await partitions(jobid, vertex);
        return p.assignments.length === 2 && p.assignments.every((a) => a.state.offset > 0) ? p : undefined;
      }, WAIT_MS);
      expect(before.discovery).toMatchObject({ enabled: true, intervalMs: interval, topics: [clicks], pending: [] });
      expect(before.discovery.runs).toBeGreaterThanOrEqual(1);
      expect(before.assignments.map((a) => ({ splitId: a.splitId, subtask: a.subtask, offset: a.state.offset }))).toEqual([
        { splitId: `${clicks}:0`, subtask: flinkOwner(clicks, 0, 2), offset: 50 },
        { splitId: `${clicks}:1`, subtask: flinkOwner(clicks, 1, 2), offset: 40 },
      ]);

      // Grow the topic under the running job: the new partitions are found and read from the start.
      const grownAt = Date.now();
      await broker.command(`add-partitions ${clicks} 4`);
      await produce(broker.bootstrap, clicks, [...Array.from({ length: 30 }, (_, i) => click(2, i)), ...Array.from({ length: 20 }, (_, i) => click(3, i))]);
      const after = await eventually("partitions 2 and 3 read to their end", async () => {
        const p = await partitions(jobid, vertex);
        const offsets = Object.fromEntries(p.assignments.map((a) => [a.splitId, a.state.offset]));
        return offsets[`${clicks}:2`] === 30 && offsets[`${clicks}:3`] === 20 ? p : undefined;
      }, WAIT_MS);
      expect(after.assignments.map((a) => [a.splitId, a.subtask, a.state.offset])).toEqual([
        [`${clicks}:0`, flinkOwner(clicks, 0, 2), 50],
        [`${clicks}:1`, flinkOwner(clicks, 1, 2), 40],
        [`${clicks}:2`, flinkOwner(clicks, 2, 2), 30],
        [`${clicks}:3`, flinkOwner(clicks, 3, 2), 20],
      ]);
      expect(after.discovery).toMatchObject({ enabled: true, topics: [clicks], pending: [] });
      expect(after.discovery.runs).toBeGreaterThan(before.discovery.runs);
      expect(after.discovery.lastDiscoveryTime).toBeGreaterThanOrEqual(grownAt);

      const expected = [[0, 50], [1, 40], [2, 30], [3, 20]].flatMap(([p, n]) => Array.from({ length: n! }, (_, i) => `${p}/${i}`));
      await eventually("every record of the four partitions", async () => ((await results(jobid)).length === expected.length ? true : undefined), WAIT_MS);
      const seen = (await results(jobid)).map((r) => `${r.partition}/${r.i}`).sort();
      expect(seen).toEqual(expected.sort());
      expect((await call("PATCH", `/jobs/${jobid}`)).status).toBe(202);
    }, 120_000);

    it("follows a topic pattern into new topics and writes exactly once to a Kafka sink", async () => {
      const order = (region: string, i: number) => ({ value: JSON.stringify({ id: `${region}-${i}`, region, qty: (i * 7) % 13 }) });
      const eu = Array.from({ length: 60 }, (_, i) => order("eu", i));
      await produce(broker.bootstrap, `${orders}-eu`, eu);
      const jobid = await submit({
        name: "big orders",
        parallelism: 2,
        checkpointing: { interval: 200 },
        sources: [{ type: "kafka", bootstrapServers: broker.bootstrap, topicPattern: `${orders}-.*`, groupId: `http-${orders}`, partitionDiscoveryIntervalMs: 300 }],
        operators: [{ type: "filter", field: "qty", op: ">=", value: 8 }],
        sinks: [{ type: "kafka", bootstrapServers: broker.bootstrap, topic: bigOrders, keyField: "id", deliveryGuarantee: "EXACTLY_ONCE", transactionalIdPrefix: `http-${bigOrders}` }],
      });
      const vertex = await sourceVertex(jobid);
      await eventually("orders-eu read", async () => ((await partitions(jobid, vertex)).assignments.find((a) => a.splitId === `${orders}-eu:0`)?.state.offset === 60 ? true : undefined), WAIT_MS);

      await broker.command(`create-topic ${orders}-us 2 1`);
      const us = Array.from({ length: 45 }, (_, i) => order("us", i));
      await produce(broker.bootstrap, `${orders}-us`, [...us.slice(0, 25).map((r) => ({ ...r, partition: 0 })), ...us.slice(25).map((r) => ({ ...r, partition: 1 }))]);
      const p = await eventually("orders-us discovered and read", async () => {
        const info = await partitions(jobid, vertex);
        const offsets = Object.fromEntries(info.assignments.map((a) => [a.splitId, a.state.offset]));
        return offsets[`${orders}-us:0`] === 25 && offsets[`${orders}-us:1`] === 20 ? info : undefined;
      }, WAIT_MS);
      expect(p.discovery).toMatchObject({ enabled: true, topicPattern: `${orders}-.*`, topics: [`${orders}-eu`, `${orders}-us`], pending: [] });
      // big-orders-* is written by the job, not read: the pattern matches whole names only.
      expect(p.assignments.map((a) => a.splitId)).toEqual([`${orders}-eu:0`, `${orders}-us:0`, `${orders}-us:1`]);

      const expected = [...eu, ...us].map((r) => JSON.parse(r.value)).filter((o) => o.qty >= 8).map((o) => o.id).sort();
      // Committed output (read_committed) only appears with the checkpoint that commits it.
      const written = await eventually("the committed big orders", async () => {
        const values = await readTopic(broker.bootstrap, bigOrders, { timeoutMs: 5_000 });
        return values.length >= expected.length ? values : undefined;
      }, WAIT_MS);
      expect(written.map((v) => JSON.parse(v).id).sort()).toEqual(expected);
      expect((await call("PATCH", `/jobs/${jobid}`)).status).toBe(202);
    }, 120_000);

    it("reads bounded ranges with Kafka timestamps as event time, skips poison records, and gives whole records", async () => {
      const topic = `events-${rt}`;
      const sent = [
        { key: "a", value: JSON.stringify({ k: "a" }), timestamp: 1_000 },
        { key: "b", value: JSON.stringify({ k: "b" }), timestamp: 1_500 },
        { key: "x", value: "not json", timestamp: 1_700 },
        { key: "a", value: JSON.stringify({ k: "a" }), timestamp: 2_200 },
        { key: "a", value: JSON.stringify({ k: "a" }), timestamp: 2_500 },
        { key: "c", value: JSON.stringify({ k: "c" }), timestamp: 3_100 },
      ];
      await produce(broker.bootstrap, topic, sent);
      const windows = await submit({
        name: `event-time counts on ${rt}`,
        sources: [{ type: "kafka", bootstrapServers: broker.bootstrap, topics: [topic], bounded: true, onDeserializationFailure: "SKIP" }],
        operators: [{ type: "keyBy", field: "k" }, { type: "window", kind: "tumbling", size: 1_000 }, { type: "aggregate", fn: "count", as: "n" }],
        sinks: [{ type: "collect" }],
      });
      // Expected: count per (key, 1 s window of the record timestamp) of the records that parse.
      const expected = new Map<string, number>();
      for (const r of sent) {
        let k: string;
        try {
          k = JSON.parse(r.value).k;
        } catch {
          continue;
        }
        const start = r.timestamp - (r.timestamp % 1_000);
        const id = `${k}@${start}`;
        expected.set(id, (expected.get(id) ?? 0) + 1);
      }
      await eventually("the bounded job to finish", async () => ((await call("GET", `/jobs/${windows}`)).json.state === "FINISHED" ? true : undefined), WAIT_MS);
      const counted = (await results(windows)).map((r): [string, number] => [`${r.key}@${r.start}`, r.n]);
      expect(new Map(counted)).toEqual(expected);
      expect(counted).toHaveLength(expected.size);

      const whole = await submit({
        name: `records since 2 s on ${rt}`,
        sources: [{ type: "kafka", bootstrapServers: broker.bootstrap, topics: [topic], bounded: true, format: "record", startingOffsets: { timestamp: 2_000 } }],
        sinks: [{ type: "collect" }],
      });
      await eventually("the record job to finish", async () => ((await call("GET", `/jobs/${whole}`)).json.state === "FINISHED" ? true : undefined), WAIT_MS);
      const since = sent.map((r, offset) => ({ topic, partition: 0, offset, timestamp: r.timestamp, key: r.key, value: r.value })).filter((r) => r.timestamp >= 2_000);
      expect(await results(whole)).toEqual(since);
    }, 60_000);

    it("regression #13.16: records skipped under SKIP show in /jobs/:id/metrics and Prometheus /metrics", async () => {
      const topic = `poison-${rt}`;
      const sent = Array.from({ length: 30 }, (_, i) => ({ partition: i % 2, value: i % 4 === 1 ? `{"n":${i},` : JSON.stringify({ n: i }) }));
      await produce(broker.bootstrap, topic, sent);
      const bad = countNotJson(sent);
      const jobid = await submit({
        name: `skipping on ${rt}`,
        parallelism: 2,
        sources: [{ type: "kafka", bootstrapServers: broker.bootstrap, topics: [topic], bounded: true, onDeserializationFailure: "SKIP" }],
        sinks: [{ type: "collect" }],
      });
      await eventually("the bounded job to finish", async () => ((await call("GET", `/jobs/${jobid}`)).json.state === "FINISHED" ? true : undefined), WAIT_MS);
      expect(await results(jobid)).toHaveLength(sent.length - bad);

      const id = `${await sourceVertex(jobid)}.numRecordsInErrors`;
      expect((await call("GET", `/jobs/${jobid}/metrics`)).json).toContainEqual({ id });
      expect((await call("GET", `/jobs/${jobid}/metrics?get=${id}`)).json).toEqual([{ id, value: String(bad) }]);

      const prometheus = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } })).text();
      expect(prometheus).toContain("# TYPE eddy_source_num_records_in_errors_total counter");
      const samples = prometheus.split("\n").filter((l) => l.startsWith("eddy_source_num_records_in_errors_total{") && l.includes(`job_id="${jobid}"`));
      // One sample per source subtask; together they count every skipped record.
      expect(samples.map((l) => /subtask="(\d+)"/.exec(l)?.[1]).sort()).toEqual(["0", "1"]);
      expect(samples.reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(" ") + 1)), 0)).toBe(bad);
    }, 60_000);

    it("refuses brokers the server does not allow, and fails a job whose broker is not there", async () => {
      const refused = await call("POST", "/jobs", {
        name: "elsewhere",
        sources: [{ type: "kafka", bootstrapServers: [broker.bootstrap[0], "kafka.example.com:9092"], topics: [clicks] }],
        sinks: [{ type: "collect" }],
      });
      expect(refused.status).toBe(400);
      expect(refused.json.fields).toEqual([{ path: "sources[0].bootstrapServers[1]", message: expect.stringMatching(/broker kafka\.example\.com:9092 is not allowed here/) }]);

      const jobid = await submit({
        name: "no broker",
        sources: [{ type: "kafka", bootstrapServers: [DEAD_BROKER], topics: [clicks], properties: { retries: 1, "retry.backoff.ms": 20, "log.level": "nothing" } }],
        sinks: [{ type: "collect" }],
      });
      await eventually("the job to fail", async () => ((await call("GET", `/jobs/${jobid}`)).json.state === "FAILED" ? true : undefined), 60_000);
      const exceptions = (await call("GET", `/jobs/${jobid}/exceptions`)).json;
      expect(exceptions["root-exception"]).toMatch(/could not list the partitions of topics \[clicks-\w+\] from 127\.0\.0\.1:1/);
    }, 90_000);
  });
}
