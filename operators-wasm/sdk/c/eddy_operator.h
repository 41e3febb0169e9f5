/*
 * eddy_operator.h — C SDK for guests of the WIT package eddy:operator@0.1.0.
 *
 * Typed access to the packed batch layout (see operators-wasm/wit/operator.wit) plus the
 * canonical-ABI plumbing a core module needs to become a component: `cabi_realloc`, a
 * return area, and post-return. Header-only: in exactly one file,
 *
 *     #define EDDY_OPERATOR_IMPLEMENTATION
 *     #include "eddy_operator.h"
 *
 * Build (Debian clang + lld, no libc):
 *     clang --target=wasm32-unknown-unknown -O3 -nostdlib -ffreestanding -mbulk-memory \
 *       -Wl,--no-entry -Wl,--export-dynamic -fuse-ld=lld -o guest.wasm guest.c
 * then wrap with operators-wasm/build/build-guest.ts (it does all of the above for *.c).
 *
 * Memory: a bump arena over linear memory, reset after every export call (post-return),
 * so a guest's memory is bounded by its largest batch. Pointers into a batch or an output
 * are valid only during the call.
 *
 * Exports: define the world's function with EDDY_EXPORT, e.g.
 *     EDDY_EXPORT("eddy:operator/map@0.1.0#process-batch")
 *     uint8_t *process_batch(uint8_t *ptr, uint32_t len) { ... return eddy_finish(&out); }
 *     EDDY_POST_RETURN("cabi_post_eddy:operator/map@0.1.0#process-batch", process_batch_post)
 */
#ifndef EDDY_OPERATOR_H
#define EDDY_OPERATOR_H

#include <stddef.h>
#include <stdint.h>

#define EDDY_EXPORT(name) __attribute__((export_name(name)))
#define EDDY_IMPORT(module, name) __attribute__((import_module(module), import_name(name)))
#define EDDY_POST_RETURN(name, fn) \
  EDDY_EXPORT(name) void fn(uint8_t *ret) { (void)ret; eddy_arena_reset(); }

/* ---- allocation ---------------------------------------------------------------------- */

void *eddy_alloc(size_t size, size_t align);
void eddy_arena_reset(void);
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);

/* ---- reading ------------------------------------------------------------------------- */

/* One record of a packed batch; pointers point into the input. */
typedef struct {
  const uint8_t *key;
  uint32_t key_len; /* 0 = no key */
  double timestamp; /* ms; NaN = none (test with eddy_has_timestamp) */
  const uint8_t *value;
  uint32_t value_len;
} eddy_record;

typedef struct {
  const uint8_t *pos;
  const uint8_t *end;
  uint32_t count;
  uint32_t index;
} eddy_batch_reader;

static inline int eddy_has_timestamp(double ts) { return ts == ts; }

static inline uint32_t eddy_load_u32(const uint8_t *p) {
  uint32_t v;
  memcpy(&v, p, 4); /* wasm is little-endian */
  return v;
}

static inline double eddy_load_f64(const uint8_t *p) {
  double v;
  memcpy(&v, p, 8);
  return v;
}

static inline void eddy_check(int ok) {
  if (!ok) __builtin_trap();
}

/* Starts reading a packed batch of `len` bytes at `ptr`. */
static inline eddy_batch_reader eddy_batch_begin(const uint8_t *ptr, uint32_t len) {
  eddy_batch_reader r = {ptr + 4, ptr + len, 0, 0};
  eddy_check(len >= 4);
  r.count = eddy_load_u32(ptr);
  return r;
}

/* Fills `rec` with the next record; returns 0 at the end. Traps on truncated input. */
static inline int eddy_batch_next(eddy_batch_reader *r, eddy_record *rec) {
  if (r->index >= r->count) return 0;
  r->index++;
  eddy_check(r->end - r->pos >= 4);
  rec->key_len = eddy_load_u32(r->pos);
  r->pos += 4;
  eddy_check((uint32_t)(r->end - r->pos) >= rec->key_len + 12u);
  rec->key = r->pos;
  r->pos += rec->key_len;
  rec->timestamp = eddy_load_f64(r->pos);
  r->pos += 8;
  rec->value_len = eddy_load_u32(r->pos);
  r->pos += 4;
  eddy_check((uint32_t)(r->end - r->pos) >= rec->value_len);
  rec->value = r->pos;
  r->pos += rec->value_len;
  return 1;
}

/* ---- writing ------------------------------------------------------------------------- */

/* A growable output buffer in the arena. */
typedef struct {
  uint8_t *data;
  uint32_t len;
  uint32_t cap;
  uint32_t count;
} eddy_output;

uint8_t *eddy_reserve(eddy_output *o, uint32_t n);

/* Starts an output batch (or blob list / flags: all begin with a u32 count). */
static inline void eddy_output_begin(eddy_output *o, uint32_t capacity_hint) {
  o->data = 0;
  o->len = 0;
  o->cap = 0;
  o->count = 0;
  eddy_reserve(o, capacity_hint < 4 ? 4 : capacity_hint);
  o->len = 4;
}

static inline void eddy_put_u32(eddy_output *o, uint32_t v) { memcpy(eddy_reserve(o, 4), &v, 4); }

static inline void eddy_put_f64(eddy_output *o, double v) {
  if (v != v) {
    uint64_t nan = 0x7ff8000000000000ull;
    memcpy(eddy_reserve(o, 8), &nan, 8);
  } else {
    memcpy(eddy_reserve(o, 8), &v, 8);
  }
}

static inline void eddy_put_bytes(eddy_output *o, const uint8_t *p, uint32_t n) {
  eddy_put_u32(o, n);
  memcpy(eddy_reserve(o, n), p, n);
}

/* Emits a record; returns where to write `value_len` value bytes (valid until the next emit). */
static inline uint8_t *eddy_emit_space(eddy_output *o, const uint8_t *key, uint32_t key_len, double ts, uint32_t value_len) {
  o->count++;
  eddy_put_bytes(o, key, key_len);
  eddy_put_f64(o, ts);
  eddy_put_u32(o, value_len);
  return eddy_reserve(o, value_len);
}

static inline void eddy_emit(eddy_output *o, const uint8_t *key, uint32_t key_len, double ts, const uint8_t *value, uint32_t value_len) {
  memcpy(eddy_emit_space(o, key, key_len, ts, value_len), value, value_len);
}

/* Filter results: one flag byte per record. */
static inline void eddy_flag(eddy_output *o, int keep) {
  o->count++;
  *eddy_reserve(o, 1) = keep ? 1 : 0;
}

/* Patches the count and returns the canonical-ABI return area (ptr, len). */
uint8_t *eddy_finish(eddy_output *o);

#ifdef EDDY_OPERATOR_IMPLEMENTATION

extern unsigned char __heap_base;
static uintptr_t eddy_arena_start;
static uintptr_t eddy_arena_top;
static uintptr_t eddy_arena_end;
static uint32_t eddy_ret_area[2];

void *memcpy(void *dst, const void *src, size_t n) {
  unsigned char *d = dst;
  const unsigned char *s = src;
  if (n > 64) {
    __builtin_memcpy(d, s, n); /* lowers to memory.copy with -mbulk-memory */
    return dst;
  }
  for (; n >= 8; n -= 8, d += 8, s += 8) {
    uint64_t v;
    __builtin_memcpy(&v, s, 8);
    __builtin_memcpy(d, &v, 8);
  }
  while (n--) *d++ = *s++;
  return dst;
}

void *memset(void *dst, int c, size_t n) {
  unsigned char *d = dst;
  while (n--) *d++ = (unsigned char)c;
  return dst;
}

void *eddy_alloc(size_t size, size_t align) {
  if (eddy_arena_start == 0) {
    eddy_arena_start = eddy_arena_top = ((uintptr_t)&__heap_base + 15) & ~(uintptr_t)15;
    eddy_arena_end = __builtin_wasm_memory_size(0) * 65536;
  }
  if (align < 1) align = 1;
  uintptr_t p = (eddy_arena_top + align - 1) & ~(uintptr_t)(align - 1);
  uintptr_t top = p + size;
  if (top > eddy_arena_end) {
    size_t pages = (top - eddy_arena_end + 65535) / 65536;
    if (__builtin_wasm_memory_grow(0, pages) == (size_t)-1) __builtin_trap(); /* memory limit */
    eddy_arena_end += pages * 65536;
  }
  eddy_arena_top = top;
  return (void *)p;
}

void eddy_arena_reset(void) { eddy_arena_top = eddy_arena_start; }

EDDY_EXPORT("cabi_realloc")
void *cabi_realloc(void *old, size_t old_size, size_t align, size_t new_size) {
  void *p = eddy_alloc(new_size, align);
  if (old) memcpy(p, old, old_size < new_size ? old_size : new_size);
  return p;
}

uint8_t *eddy_reserve(eddy_output *o, uint32_t n) {
  if (o->len + n > o->cap) {
    uint32_t cap = o->cap ? o->cap * 2 : 1024;
    while (cap < o->len + n) cap *= 2;
    uint8_t *d = eddy_alloc(cap, 8);
    if (o->len) memcpy(d, o->data, o->len);
    o->data = d;
    o->cap = cap;
  }
  uint8_t *at = o->data + o->len;
  o->len += n;
  return at;
}

uint8_t *eddy_finish(eddy_output *o) {
  memcpy(o->data, &o->count, 4);
  eddy_ret_area[0] = (uint32_t)(uintptr_t)o->data;
  eddy_ret_area[1] = o->len;
  return (uint8_t *)eddy_ret_area;
}

#endif /* EDDY_OPERATOR_IMPLEMENTATION */
#endif /* EDDY_OPERATOR_H */
