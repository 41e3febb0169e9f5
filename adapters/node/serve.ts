/**
 * Serves a fetch handler (the Hono app of eddy/server) on Node through @hono/node-server.
 */
import { serve as nodeServe } from "@hono/node-server";
import type { AddressInfo } from "node:net";

/** A fetch handler: what `createApp()` returns, or any `{ fetch }`. */
export interface FetchApp {
  fetch(request: Request): Response | Promise<Response>;
}

/** Where and how to listen. */
export interface ServeOptions {
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** Default 127.0.0.1; "0.0.0.0" to accept remote clients. */
  readonly hostname?: string;
}

/** A listening server. */
export interface RunningServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Listens on `port` and answers with `app.fetch`.
 *
 * @example
 * const server = await serve(createApp(), { port: 8081 });
 * console.log(server.url);
 */
export function serve(app: FetchApp, options: ServeOptions = {}): Promise<RunningServer> {
  const hostname = options.hostname ?? "127.0.0.1";
  return new Promise((resolve, reject) => {
    const server = nodeServe({ fetch: (request) => app.fetch(request), port: options.port ?? 0, hostname }, (info: AddressInfo) => {
      resolve({
        url: `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${info.port}`,
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
