/** @module Keyed and operator state: the heap keyed state backend, state kinds with TTL, key groups and snapshots. */
export * from "./types.ts";
export { HeapKeyedStateBackend, type HeapKeyedStateBackendOptions } from "./heap-keyed-state-backend.ts";
export { HeapOperatorStateStore, type OperatorListState, type RestoredOperatorState } from "./operator-state-store.ts";
export {
  keyGroupFor,
  keyHash,
  murmurHash,
  operatorIndexForKey,
  operatorIndexForKeyGroup,
  keyGroupRangeForSubtask,
  defaultMaxParallelism,
  checkParallelism,
  isValidKey,
  checkKey,
  invalidKeyError,
  UPPER_BOUND_MAX_PARALLELISM,
  type KeyGroupRange,
} from "./key-groups.ts";
export { stringifyState, parseState, needsTags, encodeKey, decodeKey } from "./state-codec.ts";
