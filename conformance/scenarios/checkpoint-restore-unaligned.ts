import { checkpointRestoreScenario } from "../checkpoint-restore.ts";

export { checkpointedExactlyOnceJob, exactlyOnceJob } from "../exactly-once-job.ts";

export default checkpointRestoreScenario("checkpoint-restore-unaligned", "unaligned", 102);
