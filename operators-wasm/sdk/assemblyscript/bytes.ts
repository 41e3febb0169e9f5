// Growable byte buffers and bounds-checked readers for the packed layouts (little-endian).

import { fail } from "./abi";

const NAN_BITS: u64 = 0x7ff8000000000000;

/** A growable buffer in linear memory, owned by the SDK and reused across calls. */
export class ByteBuffer {
  ptr: usize = 0;
  cap: usize = 0;
  len: usize = 0;

  reset(): void {
    this.len = 0;
  }

  /** Reserves `n` bytes and returns their address (valid until the next reserve). */
  @inline reserve(n: usize): usize {
    const need = this.len + n;
    if (need > this.cap) this.grow(need);
    const at = this.ptr + this.len;
    this.len = need;
    return at;
  }

  private grow(need: usize): void {
    let cap = this.cap < 1024 ? <usize>1024 : this.cap * 2;
    while (cap < need) cap *= 2;
    this.ptr = this.ptr == 0 ? heap.alloc(cap) : heap.realloc(this.ptr, cap);
    this.cap = cap;
  }

  @inline u8(v: u8): void {
    store<u8>(this.reserve(1), v);
  }

  @inline u32(v: u32): void {
    store<u32>(this.reserve(4), v);
  }

  /** NaN is written canonically (= "none"). */
  @inline f64(v: f64): void {
    const at = this.reserve(8);
    if (v != v) store<u64>(at, NAN_BITS);
    else store<f64>(at, v);
  }

  @inline bytes(ptr: usize, len: usize): void {
    copySmall(this.reserve(len), ptr, len);
  }

  /** `len: u32` then the bytes. */
  @inline lengthPrefixed(ptr: usize, len: usize): void {
    this.u32(<u32>len);
    this.bytes(ptr, len);
  }

  /** `len: u32` then the UTF-8 bytes of `s`. */
  string(s: string): void {
    const n = <usize>String.UTF8.byteLength(s);
    this.u32(<u32>n);
    String.UTF8.encodeUnsafe(changetype<usize>(s), s.length, this.reserve(n));
  }

  patchU32(offset: usize, v: u32): void {
    store<u32>(this.ptr + offset, v);
  }
}

/** memory.copy is a runtime call in V8; short copies are faster as a loop. */
@inline export function copySmall(dst: usize, src: usize, len: usize): void {
  if (len > 64) {
    memory.copy(dst, src, len);
    return;
  }
  let i: usize = 0;
  for (; i + 8 <= len; i += 8) store<u64>(dst + i, load<u64>(src + i));
  for (; i < len; i++) store<u8>(dst + i, load<u8>(src + i));
}

/** A cursor over bytes in linear memory; traps on reads past the end. */
export class ByteReader {
  pos: usize;
  end: usize;

  constructor(ptr: usize, len: usize) {
    this.pos = ptr;
    this.end = ptr + len;
  }

  @inline need(n: usize): void {
    if (this.pos + n > this.end) fail();
  }

  @inline u8(): u8 {
    this.need(1);
    const v = load<u8>(this.pos);
    this.pos += 1;
    return v;
  }

  @inline u32(): u32 {
    this.need(4);
    const v = load<u32>(this.pos);
    this.pos += 4;
    return v;
  }

  @inline f64(): f64 {
    this.need(8);
    const v = load<f64>(this.pos);
    this.pos += 8;
    return v;
  }

  /** Skips `len` bytes and returns where they start. */
  @inline skip(len: usize): usize {
    this.need(len);
    const at = this.pos;
    this.pos += len;
    return at;
  }
}

/** Bytes in linear memory as a string of char codes 0..255 (a binary-safe map key). */
export function latin1(ptr: usize, len: usize): string {
  const codes = new Array<i32>(<i32>len);
  for (let i: usize = 0; i < len; i++) unchecked((codes[<i32>i] = load<u8>(ptr + i)));
  return String.fromCharCodes(codes);
}

/** Copies bytes out of linear memory into a managed buffer. */
export function copyBytes(ptr: usize, len: usize): ArrayBuffer {
  const buf = new ArrayBuffer(<i32>len);
  memory.copy(changetype<usize>(buf), ptr, len);
  return buf;
}
