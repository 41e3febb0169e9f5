/**
 * Serves a fetch handler (the Hono app of eddy/server) on Bun with Bun.serve.
 */
import { DEFAULT_HOSTNAME, type FetchApp, type RunningServer, type ServeOptions, serverUrl } from "../../server/serve.ts";
declare const Bun: {
  serve(options: {
    port: number;
    hostname: string;
    maxRequestBodySize?: number;
    fetch: (request: Request) => Response | Promise<Response>;
  }): { port: number; stop(closeActiveConnections?: boolean): Promise<void> | void };
};


/** Listens on `port` and answers with `app.fetch`. */
export async function serve(app: FetchApp, options: ServeOptions = {}): Promise<RunningServer> {
  const hostname = options.hostname ?? DEFAULT_HOSTNAME;
  const server = Bun.serve({ port: options.port ?? 0, hostname, fetch: (request) => app.fetch(request) });
  return { url: serverUrl(hostname, server.port), port: server.port, close: async () => void (await server.stop(true)) };
}
