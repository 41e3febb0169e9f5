/**
 * Bodies of the trigger endpoints (Flink's field names), as zod schemas shared by validation
 * and `/openapi.json`.
 */
import { z } from "zod";

/** A trigger id a client may choose, so a retried request is not a second trigger. */
export const TriggerId = z
  .string({ error: "expected a trigger id (string)" })
  .regex(/^[A-Za-z0-9_-]{1,64}$/, { error: "expected a trigger id of 1-64 letters, digits, _ or -" });

const targetDirectory = z
  .null({ error: "expected null: savepoints go to the server's checkpoint directory" })
  .optional()
  .describe("Not supported (must be null or absent): savepoints go to the server's checkpoint directory.");

/** `POST /jobs/:jobid/savepoints`. */
export const SavepointRequest = z.strictObject({
  "target-directory": targetDirectory,
  "cancel-job": z.boolean().optional().describe("Cancel the job once the savepoint completes (Flink's cancel-with-savepoint)."),
  formatType: z.enum(["CANONICAL", "NATIVE"]).optional(),
  triggerId: TriggerId.optional(),
});

/** `POST /jobs/:jobid/stop`. */
export const StopRequest = z.strictObject({
  targetDirectory: targetDirectory,
  drain: z.boolean().optional().describe("Emit the final watermark first so every window fires."),
  formatType: z.enum(["CANONICAL", "NATIVE"]).optional(),
  triggerId: TriggerId.optional(),
});

/** `POST /jobs/:jobid/checkpoints`. */
export const CheckpointRequest = z.strictObject({
  checkpointType: z.enum(["CONFIGURED", "FULL", "INCREMENTAL"]).optional(),
  triggerId: TriggerId.optional(),
});
