/**
 * Stable identifiers: job vertices and operators get 32-hex-digit ids like Flink's, derived from
 * the uid a user set or from the node's position, so the same program yields the same ids.
 */

/** 128-bit FNV-1a-style hash of a string, as 32 hex digits. */
export function stableHexId(text: string): string {
  let out = "";
  for (let round = 0; round < 4; round++) {
    let h = 0x811c9dc5 ^ (round * 0x9e3779b1);
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
    out += (h >>> 0).toString(16).padStart(8, "0");
  }
  return out;
}

/** Random 32-hex-digit id (job ids, trigger ids). Uses Web Crypto, available on every runtime. */
export function randomHexId(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}
