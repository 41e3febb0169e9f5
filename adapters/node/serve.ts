/**
 * Serves a fetch handler (the Hono app of eddy/server) on Node through @hono/node-server.
 */
import { serve as nodeServe } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import { DEFAULT_HOSTNAME, type FetchApp, type RunningServer, type ServeOptions, serverUrl } from "../../server/serve.ts";


/**
 * Listens on `port` and answers with `app.fetch`.
 *
 * @example
 * const server = await serve(createApp(), { port: 8081 });
 * console.log(server.url);
 */
export function serve(app: FetchApp, options: ServeOptions = {}): Promise<RunningServer> {
  const hostname = options.hostname ?? DEFAULT_HOSTNAME;
  return new Promise((resolve, reject) => {
    const server = nodeServe({ fetch: (request) => app.fetch(request), port: options.port ?? 0, hostname }, (info: AddressInfo) => {
      resolve({
        url: serverUrl(hostname, info.port),
        port: info.port,
        close: () =>
          new Promise<void>((done) => {
            (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
            server.close(() => done());
          }),
      });
    });
    server.once("error", reject);
  });
}
