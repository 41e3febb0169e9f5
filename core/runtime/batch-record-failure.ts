/**
 * How an operator's `processBatch` names the record that failed, so that the error a user sees
 * points at it as the per-record path's would point at the call.
 */
import { EddyError } from "../errors.ts";

/**
 * Thrown from `StreamOperator.processBatch` when the record at `index` of the batch failed; the
 * runtime turns it into an error naming the operator and that record. What the operator emitted
 * for the records before it still goes downstream.
 */
export class BatchRecordFailure extends EddyError {
  constructor(
    /** Position of the failed record in its batch, from 0. */
    readonly index: number,
    /** The batch's size. */
    readonly size: number,
    /** What processing the record threw. */
    error: unknown,
  ) {
    super(`[eddy] record ${index + 1} of ${size} in its input batch failed`, { code: "USER_FUNCTION_FAILED", domain: "user", retryable: true, cause: error });
    this.name = "BatchRecordFailure";
  }
}
