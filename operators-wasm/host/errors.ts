/**
 * The error WASM operators throw: an `EddyError` that names the component, its world and
 * the cause.
 */
import { EddyError } from "../../core/errors.ts";

/** Why a component could not be loaded or run. */
export type WasmErrorCode =
  | "WASM_INVALID" // not a component, or malformed
  | "WASM_WRONG_WORLD" // exports another world than expected
  | "WASM_FORBIDDEN_IMPORT" // imports something its world does not provide (WASI, ...)
  | "WASM_TRAP" // the guest trapped
  | "WASM_MEMORY_LIMIT" // linear memory reached the configured limit
  | "WASM_BAD_OUTPUT" // the guest returned bytes that do not fit the layout
  | "WASM_BAD_INPUT" // a record the component's value encoding cannot carry
  | "WASM_POISONED"; // called again after a failure

export class WasmOperatorError extends EddyError {
  readonly component: string;
  readonly world: string | undefined;

  /** `operator`: the job's operator running the component (e.g. "Map"), when known. */
  constructor(code: WasmErrorCode, component: string, world: string | undefined, cause: string, error?: unknown, operator?: string) {
    const where = (world ? `component "${component}" (world ${world})` : `component "${component}"`) + (operator !== undefined ? ` in operator "${operator}"` : "");
    // A trap or memory blow-up fails the task and a restart (a new instance) may succeed; bad bytes
    // in or out never will. A call after a failure is as retryable as that failure.
    const retryable = code === "WASM_POISONED" ? !(error instanceof EddyError) || error.retryable : code === "WASM_TRAP" || code === "WASM_MEMORY_LIMIT";
    super(`[eddy] ${where}: ${cause}`, { code, domain: "user", operator: operator ?? component, retryable, cause: error });
    this.name = "WasmOperatorError";
    this.component = component;
    this.world = world;
  }
}
