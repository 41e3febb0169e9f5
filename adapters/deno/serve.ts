/**
 * Serves a fetch handler (the Hono app of eddy/server) on Deno with Deno.serve.
 */
declare const Deno: {
  serve(
    options: { port: number; hostname: string; onListen?: (addr: { port: number; hostname: string }) => void; signal?: AbortSignal },
    handler: (request: Request) => Response | Promise<Response>,
  ): { finished: Promise<void>; shutdown(): Promise<void> };
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
export function serve(app: FetchApp, options: ServeOptions = {}): Promise<RunningServer> {
  const hostname = options.hostname ?? "127.0.0.1";
  return new Promise((resolve) => {
    const server = Deno.serve(
      {
        port: options.port ?? 0,
        hostname,
        onListen: (addr) => resolve({ url: `http://${hostname}:${addr.port}`, port: addr.port, close: () => server.shutdown() }),
      },
      (request) => app.fetch(request),
    );
  });
}
