/** @module Source and sink interfaces (FLIP-27, Sink V2) and the built-in sources and sinks. */
export type * from "./source.ts";
export type * from "./sink.ts";
export { isResultSink, forwardingWriter } from "./sink.ts";
export { StaticSplitEnumerator } from "./static-split-enumerator.ts";
export { CollectionSource, type CollectionSplit, type CollectionSourceOptions } from "./collection-source.ts";
export { GeneratorSource, generatorTimestamp, hashToUnit, type GeneratorContext, type GeneratorSourceOptions, type GeneratorSplit } from "./generator-source.ts";
export { CollectSink, PrintSink } from "./collect-sink.ts";
export { SinkOperator } from "./sink-operator.ts";
export { TwoPhaseCommitSinkOperator, isTwoPhaseCommitSink, lingeringScope, type LingeringScope, type TwoPhaseCommitSink, type TwoPhaseCommitLogic, type TransactionContext } from "./two-phase-commit-sink.ts";
export { FileSink, readCommittedLines, type FileSinkOptions, type FileTransaction } from "./file-sink.ts";
