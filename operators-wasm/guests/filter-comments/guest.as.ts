// @eddy-world filter-operator
// Keeps records whose value is not empty and does not start with '#'.
import { onFilter, Record } from "../../sdk/assemblyscript/filter";
export * from "../../sdk/assemblyscript/filter";

onFilter((r: Record): bool => r.valueLen > 0 && load<u8>(r.valuePtr) != 0x23);
