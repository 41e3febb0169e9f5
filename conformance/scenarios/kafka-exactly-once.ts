import { type DataStream, MemoryCheckpointStorage, RestartStrategies, type StreamExecutionEnvironment } from "../../core/index.ts";
import { check, expectOutput } from "../checks.ts";
import { loseTaskManagerAfterCheckpoint, lostTaskManagerMessage } from "../failover.ts";
import type { KafkaJobParams, Payment } from "../kafka-job.ts";
import { SeededRandom } from "../random.ts";
import { importLazily } from "../runtime.ts";
import type { RunScenario, ScenarioContext } from "../scenario.ts";

type KafkaJobModule = typeof import("../kafka-job.ts");
const kafkaModule = (): Promise<KafkaJobModule> => importLazily<KafkaJobModule>("./kafka-job");

/** The job, built by every TaskManager (the Kafka client loads only where the job runs). */
export async function kafkaJob(env: StreamExecutionEnvironment, params: KafkaJobParams): Promise<void> {
  (await kafkaModule()).kafkaJob(env, params);
}

/** The output topic's committed records. */
export async function committedRecords(env: StreamExecutionEnvironment, params: { bootstrap: readonly string[]; topic: string }): Promise<DataStream<string>> {
  return (await kafkaModule()).committedRecords(env, params);
}

const COUNT = 3_000;

/** Payments of 5 keys, 3 ms apart in event time, values 1..100. */
function payments(): Payment[] {
  const random = new SeededRandom(2_424);
  return Array.from({ length: COUNT }, (_, i) => ({ i, key: `k${random.int(0, 4)}`, ts: 1_000 + i * 3, v: random.int(1, 100) }));
}

/** The sums per key and 100 ms window, computed without Eddy. */
function expected(): string[] {
  const sums = new Map<string, number>();
  for (const p of payments()) {
    const id = `${p.key}@${p.ts - (p.ts % 100)}`;
    sums.set(id, (sums.get(id) ?? 0) + p.v);
  }
  return [...sums].map(([id, sum]) => `${id}=${sum}`);
}

const NO_KAFKA_CLIENT = "Kafka: the suite's Worker has no Kafka client compiled in (kafkajs needs node:net, which workerd gives a Worker only under nodejs_compat); Durable Object deployments written by eddy bundle have one";
const NOT_THROUGH_DEPLOYMENT = "Kafka: not run through the Durable Object deployment here (the runner does not hand it the test broker); Kafka jobs on Durable Objects are tested against the test broker in adapters/workerd/edge-kafka.test.ts";

function skip(context: ScenarioContext): string | undefined {
  if (context.runtime === "workerd") return NO_KAFKA_CLIENT;
  if (context.kafka === undefined) return "Kafka: no broker was given to this run (eddy conformance starts the test broker when it is built, or takes --kafka host:port)";
  return undefined;
}

/**
 * Kafka end to end: a bounded KafkaSource, keyed event-time windows, and an exactly-once
 * KafkaSink (transactions committed with checkpoints) that fails mid-stream (a user function
 * throws once; on worker TaskManagers one is stopped). A read_committed consumer of the output
 * topic sees exactly the sums computed from the input without Eddy. Topics are the run's own.
 */
const scenario: RunScenario = {
  name: "kafka-exactly-once",
  description: "Kafka -> keyed windows -> Kafka exactly-once through a failure: a read_committed consumer sees every window's sum once",
  skip,
  durableObjects: NOT_THROUGH_DEPLOYMENT,
  async run(context) {
    const kafka = await kafkaModule();
    const bootstrap = context.kafka!;
    const name = `eddy-conformance-${context.runId}`;
    const params: KafkaJobParams = { bootstrap, input: `${name}-in`, output: `${name}-out`, transactionalIdPrefix: name };
    await kafka.createTopics(bootstrap, [{ topic: params.input, partitions: 3 }, { topic: params.output, partitions: 2 }]);
    await kafka.produce(bootstrap, params.input, payments());

    const env = context.environment({ parallelism: 2 });
    env.enableCheckpointing(100, { storage: new MemoryCheckpointStorage() });
    env.setRestartStrategy(RestartStrategies.fixedDelay(3, 0));
    const onCluster = context.cluster !== undefined;
    await context.build(env, "kafkaJob", { ...params, ...(onCluster ? {} : { failAt: Math.floor(COUNT * 0.6) }) });
    const job = env.executeAsync("kafka exactly-once");
    const lost = onCluster ? await loseTaskManagerAfterCheckpoint(context, job) : undefined;
    await job.getJobExecutionResult();
    const history = job.getExceptionHistory().map((e) => e.message);
    check(history.length === 1 && (lost === undefined ? /injected failure/.test(history[0]!) : lostTaskManagerMessage(lost).test(history[0]!)), `expected the one injected failure, got: ${history.join(" | ") || "none"}`);

    const reader = context.environment({ parallelism: 1 });
    const committed = await context.build<string>(reader, "committedRecords", { bootstrap, topic: params.output });
    expectOutput(await committed!.executeAndCollect("read the output"), expected(), "unordered", "the committed output");
  },
};
export default scenario;
