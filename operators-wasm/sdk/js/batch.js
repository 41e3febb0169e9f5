// Eddy JS guest SDK (QuickJS via componentize-qjs): the packed batch layout of
// eddy:operator@0.1.0 as plain objects. Keys and values stay Uint8Array; use
// `text()` / `utf8()` for strings.

// QuickJS has no TextEncoder/TextDecoder: minimal UTF-8 both ways.
export function utf8(s) {
  const out = [];
  for (const ch of s) {
    const c = ch.codePointAt(0);
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return Uint8Array.from(out);
}

export function text(b) {
  let s = "";
  for (let i = 0; i < b.length; ) {
    const c = b[i++];
    if (c < 0x80) s += String.fromCharCode(c);
    else if (c < 0xe0) s += String.fromCharCode(((c & 31) << 6) | (b[i++] & 63));
    else if (c < 0xf0) s += String.fromCharCode(((c & 15) << 12) | ((b[i++] & 63) << 6) | (b[i++] & 63));
    else s += String.fromCodePoint(((c & 7) << 18) | ((b[i++] & 63) << 12) | ((b[i++] & 63) << 6) | (b[i++] & 63));
  }
  return s;
}

/** Reads a packed batch into [{ key, timestamp, value }] (timestamp NaN = none). */
export function readBatch(bytes) {
  const b = bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const n = v.getUint32(0, true);
  let p = 4;
  const out = new Array(n);
  for (let i = 0; i < n; i++) {
    const kl = v.getUint32(p, true);
    const key = b.subarray(p + 4, p + 4 + kl);
    p += 4 + kl;
    const timestamp = v.getFloat64(p, true);
    const vl = v.getUint32(p + 8, true);
    const value = b.subarray(p + 12, p + 12 + vl);
    p += 12 + vl;
    out[i] = { key, timestamp, value };
  }
  return out;
}

/** Writes [{ key, timestamp, value }] (Uint8Array or string fields) as a packed batch. */
export function writeBatch(records) {
  const parts = records.map((r) => ({
    key: typeof r.key === "string" ? utf8(r.key) : r.key ?? new Uint8Array(0),
    timestamp: r.timestamp,
    value: typeof r.value === "string" ? utf8(r.value) : r.value,
  }));
  let size = 4;
  for (const r of parts) size += 16 + r.key.length + r.value.length;
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  v.setUint32(0, parts.length, true);
  let p = 4;
  for (const r of parts) {
    v.setUint32(p, r.key.length, true);
    out.set(r.key, p + 4);
    p += 4 + r.key.length;
    if (r.timestamp === undefined || r.timestamp !== r.timestamp) {
      v.setUint32(p, 0, true);
      v.setUint32(p + 4, 0x7ff80000, true);
    } else v.setFloat64(p, r.timestamp, true);
    v.setUint32(p + 8, r.value.length, true);
    out.set(r.value, p + 12);
    p += 12 + r.value.length;
  }
  return out;
}
