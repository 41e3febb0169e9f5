/**
 * A Kafka broker for the Kafka scenarios: the one the user names, or Eddy's test broker (the
 * mock cluster built from librdkafka's sources by adapters/kafka/test-broker/build.sh) when this
 * is Eddy's repository and it has been built.
 */
import { importLazily } from "../runtime.ts";
import type { Found } from "./runtimes.ts";

/** A broker the scenarios may use, and how to let it go. */
export interface Broker {
  readonly bootstrap: readonly string[];
  close(): Promise<void>;
}

interface TestBrokerModule {
  locateBrokerBinary(build: boolean): Promise<string>;
  startTestBroker(options: { brokers?: number; build?: boolean }): Promise<{ bootstrap: string[]; close(): Promise<void> }>;
}

/** The broker at `bootstrap`, or else the test broker if it is built. */
export async function kafkaBroker(bootstrap: readonly string[] | undefined): Promise<Found<Broker>> {
  if (bootstrap !== undefined && bootstrap.length > 0) return { found: { bootstrap, close: async () => {} } };
  let testBroker: TestBrokerModule;
  try {
    testBroker = await importLazily<TestBrokerModule>("../adapters/kafka/test-broker/broker");
  } catch {
    return { missing: "Kafka: no broker was named (pass --kafka host:port)" };
  }
  try {
    await testBroker.locateBrokerBinary(false);
  } catch {
    return { missing: "Kafka: the test broker is not built (run adapters/kafka/test-broker/build.sh, or pass --kafka host:port)" };
  }
  const broker = await testBroker.startTestBroker({ brokers: 1, build: false });
  return { found: { bootstrap: broker.bootstrap, close: () => broker.close() } };
}
