/**
 * A Worker that runs Eddy's conformance suite inside workerd and answers with the summary as
 * JSON: `GET /?filter=<substring>` (`GET /__health` answers at once, without running it).
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
      const url = new URL(request.url);
      // Answered at once, so a runner can tell the Worker is up without running the suite.
      if (url.pathname === "/__health") return new Response("ok");
      const filter = url.searchParams.get("filter") ?? undefined;
      const summary = await runConformance({ filter, runtime: "workerd" });
      return Response.json(summary);
    },
  };
}
