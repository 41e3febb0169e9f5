/**
 * Adds a two-input operator node: the first stream feeds input 0, the second input 1; when both
 * are keyed the operator is keyed with one key selector per input.
 */
import { EddyError } from "../errors.ts";
import type { StreamOperator } from "../runtime/operator.ts";
import type { Key } from "../state/types.ts";
import { DataStream } from "./data-stream.ts";

/** Creates the node and its edges; returns the operator's output stream. */
export function addTwoInputOperator<OUT>(first: DataStream<any>, second: DataStream<any>, name: string, factory: () => StreamOperator<any, OUT>, requireKeyed = false): DataStream<OUT> {
  const k1 = first.operatorKeySelectors();
  const k2 = second.operatorKeySelectors();
  if ((k1 === undefined) !== (k2 === undefined) || (requireKeyed && k1 === undefined)) {
    throw new EddyError(`[eddy] "${name}": both inputs must be keyed (keyBy on each) or neither`, { code: "INVALID_JOB", domain: "user", operator: name });
  }
  const env = first.environment;
  const graph = env.streamGraph;
  const keySelectors: [(v: any) => Key, ((v: any) => Key)?] | undefined = k1 !== undefined && k2 !== undefined ? [k1[0], k2[0]] : undefined;
  const node = graph.addNode({
    name,
    uid: undefined,
    kind: "operator",
    pact: "Operator",
    parallelism: undefined,
    maxParallelism: undefined,
    operatorFactory: factory,
    keySelectors,
    chaining: "always",
  });
  for (const ref of first.refs) graph.addEdge({ source: ref.nodeId, target: node.id, partitioner: ref.partitioner, input: 0, sideOutputTag: ref.tag });
  for (const ref of second.refs) graph.addEdge({ source: ref.nodeId, target: node.id, partitioner: ref.partitioner, input: 1, sideOutputTag: ref.tag });
  return new DataStream<OUT>(env, [{ nodeId: node.id, tag: undefined, partitioner: { kind: "auto" } }]);
}
