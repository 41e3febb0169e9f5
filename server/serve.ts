/**
 * What every runtime adapter's `serve` takes and returns (Hono's habit: the shape is declared
 * once, each adapter fills it in).
 */

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

/** Listens on `port` and answers with `app.fetch`: each runtime adapter exports one. */
export type Serve = (app: FetchApp, options?: ServeOptions) => Promise<RunningServer>;

/** The default host to listen on. */
export const DEFAULT_HOSTNAME = "127.0.0.1";

/** The server's base URL; IPv6 hosts go in brackets. */
export function serverUrl(hostname: string, port: number): string {
  return `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}`;
}
