/**
 * A Worker that runs Eddy's conformance suite inside workerd and answers with the summary as
 * JSON: `GET /?filter=<substring>`. scripts/workerd-check.mjs bundles and serves it.
 */
import { runConformance } from "../../conformance/index.ts";

/** The fetch handler of a Worker module. */
export interface WorkerModule {
  fetch(request: Request): Promise<Response>;
}

/**
 * Creates the conformance Worker. Nothing runs at module load (workerd forbids timers and
 * randomness there): the suite runs inside the request.
 *
 * @example
 * export default createConformanceWorker();
 */
export function createConformanceWorker(): WorkerModule {
  return {
    async fetch(request) {
      const filter = new URL(request.url).searchParams.get("filter") ?? undefined;
      const summary = await runConformance({ filter, runtime: "workerd" });
      return Response.json(summary);
    },
  };
}
