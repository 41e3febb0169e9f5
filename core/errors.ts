/**
 * Where an error came from: user code, an external system, or Eddy itself.
 * The domain decides whether a restart can help (Arroyo's error domains).
 */
export type ErrorDomain = "user" | "external" | "internal";

/** Options for {@link EddyError}. */
export interface EddyErrorOptions {
  /** Machine-readable code, e.g. `INVALID_ARGUMENT`, `USER_FUNCTION_FAILED`. */
  code: string;
  domain?: ErrorDomain;
  /** Name of the operator the error came from, when there is one. */
  operator?: string;
  /** Whether retrying (restarting the job) may succeed. */
  retryable?: boolean;
  cause?: unknown;
}

/**
 * The one error type Eddy throws. Messages start with `[eddy]` and name the thing that was wrong
 * and what was expected.
 */
export class EddyError extends Error {
  readonly code: string;
  readonly domain: ErrorDomain;
  readonly operator: string | undefined;
  readonly retryable: boolean;

  constructor(message: string, options: EddyErrorOptions) {
    super(message.startsWith("[eddy]") ? message : `[eddy] ${message}`, { cause: options.cause });
    this.name = "EddyError";
    this.code = options.code;
    this.domain = options.domain ?? "internal";
    this.operator = options.operator;
    this.retryable = options.retryable ?? this.domain !== "user";
  }
}

/** Throws an `INVALID_ARGUMENT` error unless `condition` holds. */
export function checkArgument(condition: boolean, message: string, operator?: string): asserts condition {
  if (!condition) {
    throw new EddyError(message, { code: "INVALID_ARGUMENT", domain: "user", operator, retryable: false });
  }
}

/** Renders an unknown thrown value for messages. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
