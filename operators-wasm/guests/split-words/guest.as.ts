// @eddy-world flat-map-operator
// Emits one record per space-separated word of the value (same key and timestamp). Scans the
// UTF-8 bytes in place: a space (0x20) never occurs inside a multi-byte character.
import { onFlatMap, Record, Output } from "../../sdk/assemblyscript/flat-map";
export * from "../../sdk/assemblyscript/flat-map";

onFlatMap((r: Record, out: Output): void => {
  const p = r.valuePtr;
  const n = r.valueLen;
  let start: usize = 0;
  for (let i: usize = 0; i <= n; i++) {
    if (i == n || load<u8>(p + i) == 0x20) {
      if (i > start) out.emitRaw(r.keyPtr, r.keyLen, r.timestamp, p + start, i - start);
      start = i + 1;
    }
  }
});
