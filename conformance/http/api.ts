/**
 * The HTTP client of the HTTP-level scenarios: plain fetch against a deployed Eddy, with the
 * bearer token on every request, answers read whole, and polling until a condition holds.
 */
import { ScenarioFailure } from "../scenario.ts";

/** An answer: status, body as text, and as JSON when it is JSON. */
export interface Answer {
  readonly status: number;
  readonly text: string;
  readonly json: any;
}

/** A deployed Eddy's REST API. */
export interface HttpApi {
  /** The base URL, without a trailing slash. */
  readonly url: string;
  /** Whether a token was given. */
  readonly hasToken: boolean;
  /** A request with the token (or with `headers` instead of it); a JSON body is sent as JSON. */
  call(method: string, route: string, body?: unknown, headers?: Record<string, string>): Promise<Answer>;
  /** Polls `check` until it returns a value, for at most `timeoutMs`; then fails naming `what`. */
  until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs?: number): Promise<T>;
  /** Polls the job until it is in `state`; fails naming the state it stayed in. */
  state(jobid: string, state: string, timeoutMs?: number): Promise<void>;
  /** Polls a savepoint trigger until it completes; resolves with its location. */
  savepoint(jobid: string, requestId: string): Promise<string>;
}

/** Options of {@link httpApi}. */
export interface HttpApiOptions {
  readonly url: string;
  readonly token?: string;
  /** Between polls (default 100 ms). */
  readonly pollMs?: number;
  /** A request not answered within this long fails (default 30 s): a hung deployment fails the scenario instead of holding it. */
  readonly requestTimeoutMs?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A client of the API at `options.url`. */
export function httpApi(options: HttpApiOptions): HttpApi {
  const url = options.url.replace(/\/+$/, "");
  const auth: Record<string, string> = options.token !== undefined ? { authorization: `Bearer ${options.token}` } : {};
  const pollMs = options.pollMs ?? 100;
  const api: HttpApi = {
    url,
    hasToken: options.token !== undefined,
    async call(method, route, body, headers = auth) {
      const init: RequestInit = { method, headers: { ...headers }, signal: AbortSignal.timeout(options.requestTimeoutMs ?? 30_000) };
      if (typeof body === "string") {
        init.body = body;
        (init.headers as Record<string, string>)["content-type"] = "application/json";
      } else if (body !== undefined) {
        init.body = JSON.stringify(body);
        (init.headers as Record<string, string>)["content-type"] = "application/json";
      }
      let response: Response;
      try {
        response = await fetch(`${url}${route}`, init);
      } catch (error) {
        throw new ScenarioFailure(`${method} ${route}: ${url} did not answer (${error instanceof Error ? error.message : String(error)})`);
      }
      const text = await response.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: response.status, text, json };
    },
    async until(what, check, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const value = await check();
        if (value !== undefined) return value;
        if (Date.now() > deadline) throw new ScenarioFailure(`${what} did not happen within ${timeoutMs / 1000} s`);
        await sleep(pollMs);
      }
    },
    async state(jobid, wanted, timeoutMs) {
      let last = "";
      await api.until(
        `job ${jobid} reaching ${wanted}`,
        async () => {
          const answer = await api.call("GET", `/jobs/${jobid}`);
          last = answer.json?.state ?? `HTTP ${answer.status}`;
          if (last === "FAILED" && wanted !== "FAILED") throw new ScenarioFailure(`job ${jobid} FAILED: ${(await api.call("GET", `/jobs/${jobid}/exceptions`)).json?.["root-exception"]}`);
          return last === wanted ? true : undefined;
        },
        timeoutMs,
      ).catch((error: unknown) => {
        throw error instanceof ScenarioFailure && !error.message.includes("FAILED") ? new ScenarioFailure(`${error.message} (it stayed ${last})`) : error;
      });
    },
    async savepoint(jobid, requestId) {
      const done = await api.until(`savepoint ${requestId} of job ${jobid}`, async () => {
        const answer = await api.call("GET", `/jobs/${jobid}/savepoints/${requestId}`);
        return answer.json?.status?.id === "COMPLETED" ? answer.json : undefined;
      });
      const failure = done.operation?.["failure-cause"];
      if (failure !== undefined) throw new ScenarioFailure(`savepoint ${requestId} of job ${jobid} failed: ${failure["stack-trace"] ?? JSON.stringify(failure)}`);
      const location = done.operation?.location;
      if (typeof location !== "string") throw new ScenarioFailure(`savepoint ${requestId} completed without a location: ${JSON.stringify(done)}`);
      return location;
    },
  };
  return api;
}
