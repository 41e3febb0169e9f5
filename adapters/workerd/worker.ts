/**
 * Entry of the conformance Worker (bundled by scripts/workerd-check.mjs).
 */
import { createConformanceWorker } from "./conformance-worker.ts";

export default createConformanceWorker();
