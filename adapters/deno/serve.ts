/**
 * Serves a fetch handler (the Hono app of eddy/server) on Deno with Deno.serve.
 */
import { DEFAULT_HOSTNAME, type FetchApp, type RunningServer, type ServeOptions, serverUrl } from "../../server/serve.ts";
declare const Deno: {
  serve(
    options: { port: number; hostname: string; onListen?: (addr: { port: number; hostname: string }) => void; signal?: AbortSignal },
    handler: (request: Request) => Response | Promise<Response>,
  ): { finished: Promise<void>; shutdown(): Promise<void> };
};


/** Listens on `port` and answers with `app.fetch`. */
export function serve(app: FetchApp, options: ServeOptions = {}): Promise<RunningServer> {
  const hostname = options.hostname ?? DEFAULT_HOSTNAME;
  return new Promise((resolve) => {
    const server = Deno.serve(
      {
        port: options.port ?? 0,
        hostname,
        onListen: (addr) => resolve({ url: serverUrl(hostname, addr.port), port: addr.port, close: () => server.shutdown() }),
      },
      (request) => app.fetch(request),
    );
  });
}
