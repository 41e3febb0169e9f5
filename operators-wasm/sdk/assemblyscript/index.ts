// Eddy AssemblyScript SDK: typed records over the packed batch layout of eddy:operator@0.1.0.
// A guest's entry file re-exports ONE world module (map, filter, flat-map, key-selector,
// timestamp-extractor, keyed-process, window-aggregate) and registers its function.
export { Record, Output, BatchReader, BlobsOutput, BlobsReader } from "./record";
export { ByteBuffer, ByteReader, latin1, copyBytes } from "./bytes";
