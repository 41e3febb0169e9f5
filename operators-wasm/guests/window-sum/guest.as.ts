// @eddy-world window-aggregate-operator
// Sums the integers in record values; the accumulator is an 8-byte little-endian i64 and
// the result its decimal text.
import { Aggregate, onAggregate, Record } from "../../sdk/assemblyscript/window-aggregate";
export * from "../../sdk/assemblyscript/window-aggregate";

function i64Buf(v: i64): ArrayBuffer {
  const b = new ArrayBuffer(8);
  store<i64>(changetype<usize>(b), v);
  return b;
}

function i64Of(b: ArrayBuffer): i64 {
  return b.byteLength < 8 ? 0 : load<i64>(changetype<usize>(b));
}

onAggregate(new Aggregate(
  (): ArrayBuffer => i64Buf(0),
  (acc: ArrayBuffer, r: Record): ArrayBuffer => i64Buf(i64Of(acc) + I64.parseInt(r.valueString())),
  (a: ArrayBuffer, b: ArrayBuffer): ArrayBuffer => i64Buf(i64Of(a) + i64Of(b)),
  (acc: ArrayBuffer): ArrayBuffer => String.UTF8.encode(i64Of(acc).toString()),
));
