/**
 * A Worker that runs Eddy's conformance suite inside workerd and answers with the summary as
 * JSON: `GET /?filter=<substring>`. It also takes its part in the savepoint portability check,
 * with checkpoints and files in memory that travel as JSON: `POST /portability/take` stops the
 * job with a savepoint and answers `{ location, files }`; `POST /portability/resume` with those
 * resumes it to its end and answers `{ files }`. Either may name a `webhook` ({ url, keyPrefix })
 * the job writes to instead of files. `GET /__health` answers at once.
 */
import { MemoryFileSystem } from "../../core/index.ts";
import { runConformance } from "../../conformance/index.ts";
import type { WebhookTarget } from "../../conformance/exactly-once-job.ts";
import { type FileTree, packFiles, resumeFromPortableSavepoint, takePortableSavepoint, unpackFiles } from "../../conformance/portability.ts";

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
      if (url.pathname === "/portability/take" && request.method === "POST") {
        const body = (await request.json()) as { webhook?: WebhookTarget };
        const fs = new MemoryFileSystem();
        const location = await takePortableSavepoint(fs, body.webhook);
        return Response.json({ location, files: await packFiles(fs) });
      }
      if (url.pathname === "/portability/resume" && request.method === "POST") {
        const body = (await request.json()) as { location: string; files: FileTree; webhook?: WebhookTarget };
        const fs = new MemoryFileSystem();
        await unpackFiles(body.files, fs);
        await resumeFromPortableSavepoint(fs, body.location, body.webhook);
        return Response.json({ files: await packFiles(fs) });
      }
      const filter = url.searchParams.get("filter") ?? undefined;
      const summary = await runConformance({ filter, runtime: "workerd" });
      return Response.json(summary);
    },
  };
}
