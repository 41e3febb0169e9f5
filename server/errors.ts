/**
 * HTTP errors in Flink's shape (`{"errors": [...]}`), and the mapping from Eddy's errors to
 * status codes. Only server/ turns errors into HTTP responses.
 */
import { EddyError } from "../core/index.ts";

/** One invalid field of a request body. */
export interface FieldError {
  /** `operators[2].window.size`, or `(body)` for the whole body. */
  readonly path: string;
  readonly message: string;
}

/** An error with an HTTP status; `fields` lists bad fields of a request body. */
export class HttpError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 500 | 501 | 503,
    message: string,
    readonly fields: readonly FieldError[] = [],
  ) {
    super(message.startsWith("[eddy]") ? message : `[eddy] ${message}`);
    this.name = "HttpError";
  }
}

/** Flink's error body, plus `fields` (path and expectation of each bad field) when there are any. */
export function errorBody(error: HttpError): { errors: string[]; fields?: FieldError[] } {
  const errors = error.fields.length > 0 ? [error.message, ...error.fields.map((f) => `${f.path}: ${f.message}`)] : [error.message];
  return error.fields.length > 0 ? { errors, fields: [...error.fields] } : { errors };
}

/** Turns anything thrown by a handler into an HttpError (user errors 400, the rest 500). */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof EddyError) {
    if (error.code.endsWith("NOT_FOUND")) return new HttpError(404, error.message);
    if (error.code === "CHECKPOINTING_DISABLED") return new HttpError(409, error.message);
    if (error.domain === "user") return new HttpError(400, error.message);
    return new HttpError(500, error.message);
  }
  // WebAssembly host errors carry a code such as WASM_WRONG_WORLD: the client sent a bad component.
  const code = (error as { code?: unknown } | null)?.code;
  if (error instanceof Error && typeof code === "string" && code.startsWith("WASM_")) return new HttpError(400, error.message);
  return new HttpError(500, `[eddy] internal error: ${error instanceof Error ? error.message : String(error)}`);
}

/** `404` for a job, vertex, artifact or trigger that does not exist. */
export function notFound(what: string, id: string): HttpError {
  return new HttpError(404, `[eddy] ${what} "${id}" not found`);
}
