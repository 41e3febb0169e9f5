/** @module Fault tolerance: checkpoint coordination, storage, statistics and the snapshot format. */
export { CheckpointCoordinator, type CheckpointCoordinatorOptions, type TriggerRequest } from "./checkpoint-coordinator.ts";
export { checkpointConfig, type CheckpointConfig, type CheckpointingOptions } from "./checkpoint-config.ts";
export { CheckpointStatsTracker, type CheckpointStats, type CheckpointStatus } from "./checkpoint-stats.ts";
export { CompletedCheckpointStore, type StoredCheckpoint } from "./completed-checkpoint-store.ts";
export { MemoryCheckpointStorage, FileSystemCheckpointStorage, encodeCheckpoint, decodeCheckpoint, safeName, type CheckpointStorage } from "./checkpoint-storage.ts";
export { MemoryFileSystem, joinPath, type FileSystem } from "./file-system.ts";
export type * from "./types.ts";
