// @eddy-world map-operator
// Uppercases ASCII letters of each record's value (UTF-8 bytes; other bytes unchanged).
import { onMap, Record, Output } from "../../sdk/assemblyscript/map";
export * from "../../sdk/assemblyscript/map";

onMap((r: Record, out: Output): void => {
  const n = r.valueLen;
  const src = r.valuePtr;
  const dst = out.emitValueSpace(r, n);
  let i: usize = 0;
  // 16 bytes at a time: subtract 0x20 where 'a' <= byte <= 'z'
  for (; i + 16 <= n; i += 16) {
    const v = v128.load(src + i);
    const lower = v128.and(i8x16.gt_u(v, i8x16.splat(0x60)), i8x16.lt_u(v, i8x16.splat(0x7b)));
    v128.store(dst + i, i8x16.sub(v, v128.and(lower, i8x16.splat(0x20))));
  }
  for (; i < n; i++) {
    const c = load<u8>(src + i);
    store<u8>(dst + i, c - 97 < 26 ? c - 32 : c);
  }
});
