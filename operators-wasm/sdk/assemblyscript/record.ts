// Typed access to records of a packed batch, and a writer for output batches.

import { ByteBuffer, ByteReader, copyBytes } from "./bytes";
import { fail, returnList } from "./abi";

/** One input record. Fields point into the input batch (valid during the call). */
export class Record {
  keyPtr: usize = 0;
  keyLen: usize = 0;
  /** Event time in ms; NaN = none. */
  timestamp: f64 = NaN;
  valuePtr: usize = 0;
  valueLen: usize = 0;

  hasKey(): bool {
    return this.keyLen != 0;
  }

  hasTimestamp(): bool {
    return this.timestamp == this.timestamp;
  }

  keyString(): string {
    return String.UTF8.decodeUnsafe(this.keyPtr, this.keyLen);
  }

  valueString(): string {
    return String.UTF8.decodeUnsafe(this.valuePtr, this.valueLen);
  }

  valueBytes(): ArrayBuffer {
    return copyBytes(this.valuePtr, this.valueLen);
  }

  keyBytes(): ArrayBuffer {
    return copyBytes(this.keyPtr, this.keyLen);
  }
}

/** Iterates a packed batch in place; `next()` refills one reused `Record` (no allocation). */
export class BatchReader {
  reader: ByteReader;
  count: u32;
  index: u32 = 0;
  record: Record = new Record();

  constructor(ptr: usize, len: usize) {
    this.reader = new ByteReader(ptr, len);
    this.count = this.reader.u32();
  }

  next(): bool {
    if (this.index >= this.count) return false;
    this.index++;
    const r = this.reader;
    const rec = this.record;
    rec.keyLen = r.u32();
    rec.keyPtr = r.skip(rec.keyLen);
    rec.timestamp = r.f64();
    rec.valueLen = r.u32();
    rec.valuePtr = r.skip(rec.valueLen);
    return true;
  }
}

/** Writes a packed batch. One per exported function; reused across calls. */
export class Output {
  buf: ByteBuffer = new ByteBuffer();
  count: u32 = 0;

  begin(): void {
    this.buf.reset();
    this.buf.u32(0);
    this.count = 0;
  }

  /** Emits a record from raw bytes. */
  emitRaw(keyPtr: usize, keyLen: usize, timestamp: f64, valuePtr: usize, valueLen: usize): void {
    this.count++;
    this.buf.lengthPrefixed(keyPtr, keyLen);
    this.buf.f64(timestamp);
    this.buf.lengthPrefixed(valuePtr, valueLen);
  }

  /**
   * Emits a record with the key and timestamp of `r` and a value of `valueLen` bytes that
   * the caller fills in at the returned address (before the next emit).
   */
  emitValueSpace(r: Record, valueLen: usize): usize {
    this.count++;
    this.buf.lengthPrefixed(r.keyPtr, r.keyLen);
    this.buf.f64(r.timestamp);
    this.buf.u32(<u32>valueLen);
    return this.buf.reserve(valueLen);
  }

  /** Emits a record with the key and timestamp of `r` and a string value. */
  emitValue(r: Record, value: string): void {
    this.count++;
    this.buf.lengthPrefixed(r.keyPtr, r.keyLen);
    this.buf.f64(r.timestamp);
    this.buf.string(value);
  }

  /** Emits a record with a string key and value. */
  emit(key: string, timestamp: f64, value: string): void {
    this.count++;
    this.buf.string(key);
    this.buf.f64(timestamp);
    this.buf.string(value);
  }

  /** Patches the count and returns the canonical-ABI return area. */
  finish(): usize {
    this.buf.patchU32(0, this.count);
    return returnList(this.buf.ptr, this.buf.len);
  }
}

/** Writes a blob list (`count: u32`, then `len: u32` + bytes per item). */
export class BlobsOutput {
  buf: ByteBuffer = new ByteBuffer();
  count: u32 = 0;

  begin(): void {
    this.buf.reset();
    this.buf.u32(0);
    this.count = 0;
  }

  /** Reserves an item of `len` bytes and returns where to write it. */
  item(len: usize): usize {
    this.count++;
    this.buf.u32(<u32>len);
    return this.buf.reserve(len);
  }

  itemBytes(ptr: usize, len: usize): void {
    memory.copy(this.item(len), ptr, len);
  }

  itemString(s: string): void {
    this.count++;
    this.buf.string(s);
  }

  finish(): usize {
    this.buf.patchU32(0, this.count);
    return returnList(this.buf.ptr, this.buf.len);
  }
}

/** Reads a blob list in place. */
export class BlobsReader {
  reader: ByteReader;
  count: u32;
  index: u32 = 0;
  ptr: usize = 0;
  len: usize = 0;

  constructor(reader: ByteReader) {
    this.reader = reader;
    this.count = reader.u32();
  }

  next(): bool {
    if (this.index >= this.count) return false;
    this.index++;
    this.len = this.reader.u32();
    this.ptr = this.reader.skip(this.len);
    return true;
  }
}

export function checkCount(actual: u32, expected: u32): void {
  if (actual != expected) fail();
}
