// @eddy-world map-operator
// A map guest written from operators-wasm/README.md ("The guest ABI") and wit/operator.wit
// alone, with no SDK: it reverses the bytes of each record's value and keeps its timestamp.
// Build: clang --target=wasm32-unknown-unknown -O2 -nostdlib -Wl,--no-entry -fuse-ld=lld
// (build/build-guest.ts does it, then wraps the module into a component).

typedef unsigned char u8;
typedef unsigned int u32;

extern u8 __heap_base;
static u32 top = (u32)&__heap_base;   // bump allocator over linear memory
static u32 ret_area[2];               // the 8-byte return area: result ptr, result len

static u32 align_up(u32 p, u32 a) { return (p + a - 1) & ~(a - 1); }

// cabi_realloc(old_ptr, old_size, align, new_size): the host asks for the input's memory here.
__attribute__((export_name("cabi_realloc")))
u32 cabi_realloc(u32 old_ptr, u32 old_size, u32 align, u32 new_size) {
  (void)old_ptr; (void)old_size;
  u32 p = align_up(top, align);
  u32 end = p + new_size;
  u32 have = __builtin_wasm_memory_size(0) * 65536;
  if (end > have && __builtin_wasm_memory_grow(0, (end - have + 65535) / 65536) == (unsigned long)-1) __builtin_trap();
  top = end;
  return p;
}

static u32 load_u32(const u8 *p) { return p[0] | p[1] << 8 | p[2] << 16 | (u32)p[3] << 24; }
static void store_u32(u8 *p, u32 v) { p[0] = v; p[1] = v >> 8; p[2] = v >> 16; p[3] = v >> 24; }

// map's process-batch: a packed batch in, a packed batch of as many records out.
__attribute__((export_name("eddy:operator/map@0.1.0#process-batch")))
u32 process_batch(u32 ptr, u32 len) {
  const u8 *in = (const u8 *)ptr;
  u8 *out = (u8 *)cabi_realloc(0, 0, 8, len);   // same size: keys, timestamps and values keep their lengths
  u32 count = load_u32(in);
  store_u32(out, count);
  u32 i = 4;
  for (u32 r = 0; r < count; r++) {
    u32 key_len = load_u32(in + i);
    for (u32 k = 0; k < 4 + key_len + 8; k++) out[i + k] = in[i + k];   // key length, key, timestamp
    i += 4 + key_len + 8;
    u32 value_len = load_u32(in + i);
    store_u32(out + i, value_len);
    for (u32 v = 0; v < value_len; v++) out[i + 4 + v] = in[i + 4 + value_len - 1 - v];
    i += 4 + value_len;
  }
  if (i != len) __builtin_trap();   // a malformed batch
  ret_area[0] = (u32)out;
  ret_area[1] = len;
  return (u32)ret_area;
}

// After the host copied the result: free everything (the next call starts from the heap base).
__attribute__((export_name("cabi_post_eddy:operator/map@0.1.0#process-batch")))
void process_batch_post(u32 retptr) {
  (void)retptr;
  top = (u32)&__heap_base;
}
