/**
 * The HTTP API as a workerd module Worker: `export default createServerWorker()` serves
 * eddy/server's app. workerd cannot compile WebAssembly at run time, so component uploads and
 * wasm operators answer 501 there, as do Kafka sources and sinks; everything else (jobs from specs, checkpoints in memory,
 * savepoints, the Flink-shaped endpoints) works within the isolate.
 */
import { type AppOptions, createApp, unavailableComponentRuntime, unavailableKafkaRuntime } from "../../server/index.ts";

/** A module Worker: `{ fetch }`. */
export interface ServerWorker {
  fetch(request: Request): Promise<Response>;
}

/**
 * A Worker serving the API; the app is created on the first request (no work at module load).
 * Jobs run in the Worker's isolate: it has no worker TaskManagers.
 */
export function createServerWorker(options: Omit<AppOptions, "components" | "kafka" | "cluster" | "outputDir" | "userCodeBudgetMs" | "hardware"> = {}): ServerWorker {
  let app: ReturnType<typeof createApp> | undefined;
  return {
    fetch: async (request) => {
      app ??= createApp({
        ...options,
        components: unavailableComponentRuntime("workerd forbids compiling WebAssembly at run time; bundle components at deploy time"),
        kafka: unavailableKafkaRuntime("this Worker has no Kafka client compiled in (kafkajs connects through node:net, which workerd gives a Worker only with the nodejs_compat flag); Durable Object deployments written by eddy bundle have one"),
      });
      return app.fetch(request);
    },
  };
}
