/**
 * Kafka on Durable Objects: a windowed job written by `eddy bundle`, served by workerd, reads a
 * topic of Eddy's test broker (a real Kafka protocol server on this machine) and writes its sums
 * to another topic exactly once, the Kafka client's connections going through workerd's
 * node:net (on cloudflare:sockets). Its results and the output topic are the reference output,
 * computed here without Eddy. An unbounded source keeps reading what is produced while it runs,
 * and finds a partition added meanwhile.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { produce, readTopic } from "../kafka/testing.ts";
import { type TestBroker, startTestBroker } from "../kafka/test-broker/broker.ts";
import { awaitJob, getJson, submitJob } from "./testing/edge-client.ts";
import { EdgeDeployment } from "./testing/edge-deployment.ts";
import { canonicalSums, readings, windowSumOperators, windowSums } from "./testing/window-sums.ts";

describe("regression #11: a Kafka source and sink in a job on Durable Objects (workerd, cloudflare:sockets)", () => {
  let broker: TestBroker;
  let edge: EdgeDeployment;

  beforeAll(async () => {
    // The broker binary is built on first use (about a minute), then cached.
    broker = await startTestBroker({ brokers: 1, topics: [{ name: "edge-readings", partitions: 2 }, { name: "edge-sums", partitions: 1 }, { name: "edge-clicks", partitions: 1 }] });
    edge = await EdgeDeployment.start("kafka");
  }, 240_000);
  afterAll(async () => {
    await edge?.close();
    await broker?.close();
  });

  it("reads a topic to its end and writes the reference window sums to a topic, exactly once", async () => {
    const { server } = edge;
    const records = readings(31, 600);
    // Each partition in event-time order (the source's watermarks are per partition).
    await produce(
      broker.bootstrap,
      "edge-readings",
      records.map((r, i) => ({ partition: i % 2, value: JSON.stringify(r) })),
    );
    const jobId = await submitJob(server.url, {
      name: "kafka window sums",
      parallelism: 2,
      sources: [{ type: "kafka", name: "readings", bootstrapServers: broker.bootstrap, topics: ["edge-readings"], bounded: true, timestampField: "ts", watermark: { maxOutOfOrdernessMs: 50 } }],
      operators: windowSumOperators,
      sinks: [{ type: "collect" }, { type: "kafka", bootstrapServers: broker.bootstrap, topic: "edge-sums", deliveryGuarantee: "EXACTLY_ONCE", transactionalIdPrefix: "edge-sums" }],
      checkpointing: { interval: 200 },
    });
    const job = await awaitJob(server.url, jobId, ["FINISHED", "FAILED", "CANCELED"], 60_000);
    expect(job.state, `${JSON.stringify(await getJson(server.url, `/jobs/${jobId}/exceptions`))}\n${server.log.slice(-2000)}`).toBe("FINISHED");

    const expected = windowSums(records);
    const results = await getJson(server.url, `/jobs/${jobId}/results`);
    expect(canonicalSums(results.records)).toEqual(expected);
    const written = await readTopic(broker.bootstrap, "edge-sums", { expectAtLeast: expected.length });
    expect(canonicalSums(written.map((v) => JSON.parse(v)))).toEqual(expected);
  }, 120_000);

  it("keeps reading a topic while the job runs: records produced later, and a partition added later", async () => {
    const { server } = edge;
    const jobId = await submitJob(server.url, {
      name: "kafka clicks",
      parallelism: 2,
      sources: [{ type: "kafka", name: "clicks", bootstrapServers: broker.bootstrap, topics: ["edge-clicks"], partitionDiscoveryIntervalMs: 300 }],
      operators: [{ type: "project", select: ["i"] }],
      sinks: [{ type: "collect" }],
    });
    const seen = async (count: number): Promise<number[]> => {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const { records } = (await getJson(server.url, `/jobs/${jobId}/results`)) as { records: { i: number }[] };
        if (records.length >= count || Date.now() > deadline) return records.map((r) => r.i).sort((a, b) => a - b);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const clicks = (from: number, to: number, partition: number) => Array.from({ length: to - from }, (_, k) => ({ partition, value: JSON.stringify({ i: from + k }) }));
    const upTo = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
    await produce(broker.bootstrap, "edge-clicks", clicks(0, 50, 0));
    expect(await seen(50)).toEqual(upTo(50));
    // The reader's connection in its TaskManager object takes what comes later.
    await produce(broker.bootstrap, "edge-clicks", clicks(50, 100, 0));
    expect(await seen(100)).toEqual(upTo(100));
    // The discovery in the JobManager object finds a partition added while the job runs.
    await broker.command("add-partitions edge-clicks 2");
    await produce(broker.bootstrap, "edge-clicks", clicks(100, 150, 1));
    expect(await seen(150)).toEqual(upTo(150));
    const res = await fetch(`${server.url}/jobs/${jobId}`, { method: "PATCH" });
    expect(res.status).toBe(202);
  }, 120_000);
});
