/**
 * Serves a fetch handler (the Hono app of eddy/server) on Bun with Bun.serve.
 */
declare const Bun: {
  serve(options: {
    port: number;
    hostname: string;
    maxRequestBodySize?: number;
    fetch: (request: Request) => Response | Promise<Response>;
  }): { port: number; stop(closeActiveConnections?: boolean): Promise<void> | void };
};

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

/** Listens on `port` and answers with `app.fetch`. */
export async function serve(app: FetchApp, options: ServeOptions = {}): Promise<RunningServer> {
  const hostname = options.hostname ?? "127.0.0.1";
  const server = Bun.serve({ port: options.port ?? 0, hostname, fetch: (request) => app.fetch(request) });
  return { url: `http://${hostname}:${server.port}`, port: server.port, close: async () => void (await server.stop(true)) };
}
