// @eddy-world map-operator
// Returns every record unchanged (used to measure per-batch host overhead).
import { onMap, Record, Output } from "../../sdk/assemblyscript/map";
export * from "../../sdk/assemblyscript/map";

onMap((r: Record, out: Output): void => {
  out.emitRaw(r.keyPtr, r.keyLen, r.timestamp, r.valuePtr, r.valueLen);
});
