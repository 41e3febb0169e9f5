// @eddy-world key-selector-operator
// The key of a record is the first space-separated word of its value.
import { onSelectKey, Record, BlobsOutput } from "../../sdk/assemblyscript/key-selector";
export * from "../../sdk/assemblyscript/key-selector";

onSelectKey((r: Record, out: BlobsOutput): void => {
  let n: usize = 0;
  while (n < r.valueLen && load<u8>(r.valuePtr + n) != 0x20) n++;
  out.itemBytes(r.valuePtr, n);
});
