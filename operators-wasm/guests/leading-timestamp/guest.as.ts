// @eddy-world timestamp-extractor-operator
// Event time = the decimal number the value starts with; none (NaN) if it starts otherwise.
import { onExtractTimestamp, Record } from "../../sdk/assemblyscript/timestamp-extractor";
export * from "../../sdk/assemblyscript/timestamp-extractor";

onExtractTimestamp((r: Record): f64 => {
  let t: f64 = 0;
  let n: usize = 0;
  for (; n < r.valueLen; n++) {
    const c = load<u8>(r.valuePtr + n);
    if (c < 0x30 || c > 0x39) break;
    t = t * 10 + <f64>(c - 0x30);
  }
  return n == 0 ? NaN : t;
});
