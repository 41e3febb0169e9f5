// Canonical-ABI plumbing for AssemblyScript guests of eddy:operator@0.1.0.
//
// AssemblyScript has no component support, so the SDK exports what wit-component expects
// of a core module: `cabi_realloc`, and per exported function a flattened
// `(ptr: i32, len: i32) -> i32` whose result points at an 8-byte return area holding
// (result ptr, result len). `cabi_post_*` runs after the host copied the result.
//
// Memory discipline: blocks the host allocates through `cabi_realloc` (the input list,
// list results of imports) are freed in post-return; output buffers are owned by the SDK
// and reused across calls, so memory stays bounded by the largest batch.

const RET_AREA: usize = memory.data(8);
const pending = new Array<usize>();

export function cabi_realloc(oldPtr: usize, oldSize: usize, align: usize, newSize: usize): usize {
  if (oldPtr != 0) {
    const p = heap.realloc(oldPtr, newSize);
    const i = pending.indexOf(oldPtr);
    if (i >= 0) pending[i] = p;
    else pending.push(p);
    return p;
  }
  // zero-length lists still need a non-null, aligned pointer
  if (newSize == 0) return align;
  const p = heap.alloc(newSize);
  pending.push(p);
  return p;
}

/**
 * Frees what the host allocated during the call and collects garbage; called from every
 * `cabi_post_*`. Guests use the `minimal` runtime (no shadow stack, so hot loops are not
 * taxed by the incremental GC's bookkeeping); its collector must run when no managed
 * reference is on the stack — and between two export calls nothing is.
 */
export function postReturn(): void {
  for (let i = 0, n = pending.length; i < n; i++) heap.free(unchecked(pending[i]));
  pending.length = 0;
  __collect();
}

/** Stores (ptr, len) in the return area and returns its address. */
export function returnList(ptr: usize, len: usize): usize {
  store<u32>(RET_AREA, <u32>ptr);
  store<u32>(RET_AREA, <u32>len, 4);
  return RET_AREA;
}

/** Loads the (ptr, len) an import wrote into a return area. */
export function loadListPtr(area: usize): usize {
  return <usize>load<u32>(area);
}

export function loadListLen(area: usize): usize {
  return <usize>load<u32>(area, 4);
}

/** Traps with a recognisable instruction; AssemblyScript's `abort` is disabled (no env import). */
export function fail(): void {
  unreachable();
}
