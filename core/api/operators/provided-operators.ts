/**
 * Adapters around operators that an OperatorProvider supplies: unwrapping the `{ key, value }`
 * records of `keyBy(provider)`, and giving a provided AggregateFunction the window operator's
 * lifecycle.
 */
import type { OperatorContext, StreamOperator } from "../../runtime/operator.ts";
import type { KeyedRecord, RichFunction } from "../functions.ts";
import { runtimeContextOf } from "./runtime-context.ts";

/** Hooks that are forwarded as they are (their presence matters to the runtime, so absent ones stay absent). */
const HOOKS = [
  "setup", "open", "finishBatch", "processWatermark", "onEventTime", "onProcessingTime", "endInput",
  "prepareSnapshotPreBarrier", "snapshotState", "initializeState", "notifyCheckpointComplete", "notifyCheckpointAborted", "close",
] as const;

type Hooks = { -readonly [K in (typeof HOOKS)[number]]?: StreamOperator<any, any>[K] };

/** An operator that forwards every hook of `inner` and `pending`, with `processElement` replaced. */
function delegate<IN, OUT>(inner: StreamOperator<any, OUT>, processElement: (value: IN, timestamp: number, input: number) => void): StreamOperator<IN, OUT> {
  const out: Hooks & { processElement: typeof processElement } = { processElement };
  for (const name of HOOKS) {
    const f = inner[name];
    if (typeof f === "function") (out as Record<string, unknown>)[name] = f.bind(inner);
  }
  Object.defineProperty(out, "pending", { get: () => inner.pending, enumerable: true });
  return out as StreamOperator<IN, OUT>;
}

/** Feeds `inner` the `value` of each {@link KeyedRecord} (the runtime took the key from the record already). */
export function unwrapKeyedRecords<T, OUT>(inner: StreamOperator<T, OUT>): StreamOperator<KeyedRecord<T>, OUT> {
  return delegate<KeyedRecord<T>, OUT>(inner, (record, timestamp, input) => inner.processElement(record.value, timestamp, input));
}

/**
 * Runs `fn`'s `open` before the window operator opens, its `close` after the operator closes,
 * and its `finishBatch` after the operator's (so deferred work is flushed once per batch).
 */
export function withFunctionLifecycle<IN, OUT>(inner: StreamOperator<IN, OUT>, fn: RichFunction & { finishBatch?(): void }): StreamOperator<IN, OUT> {
  const op = delegate<IN, OUT>(inner, (value, timestamp, input) => inner.processElement(value, timestamp, input)) as Hooks & StreamOperator<IN, OUT>;
  let context: OperatorContext<OUT> | undefined;
  op.setup = (ctx) => {
    context = ctx;
    inner.setup?.(ctx);
  };
  op.open = async () => {
    await fn.open?.(runtimeContextOf(context as OperatorContext<unknown>));
    await inner.open?.();
  };
  op.close = async () => {
    try {
      await inner.close?.();
    } finally {
      await fn.close?.();
    }
  };
  if (fn.finishBatch !== undefined) {
    const innerFinish = inner.finishBatch?.bind(inner);
    op.finishBatch = () => {
      innerFinish?.();
      fn.finishBatch!();
    };
  }
  return op;
}
