/**
 * Minimal core-wasm binary surgery: tell components from modules, rename exports, and cap
 * the maximum size of defined memories (so runaway growth fails inside the guest).
 */

export const WASM_PAGE = 65536;

/** "component", "module" or undefined for anything else. */
export function wasmKind(bytes: Uint8Array): "component" | "module" | undefined {
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) return undefined;
  if (bytes[4] === 1 && bytes[5] === 0 && bytes[6] === 0 && bytes[7] === 0) return "module";
  if (bytes[6] === 1 && bytes[7] === 0) return "component";
  return undefined;
}

function readU32(b: Uint8Array, pos: number): [value: number, next: number] {
  let result = 0;
  let shift = 0;
  for (;;) {
    if (pos >= b.length) throw new RangeError("[eddy] truncated LEB128 in wasm module");
    const byte = b[pos++]!;
    result += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return [result, pos];
    shift += 7;
    if (shift > 35) throw new RangeError("[eddy] LEB128 too long in wasm module");
  }
}

function writeU32(out: number[], v: number): void {
  do {
    let byte = v & 0x7f;
    v = Math.floor(v / 128);
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
}

interface Section {
  id: number;
  start: number; // offset of the payload
  end: number;
}

function sections(mod: Uint8Array): Section[] {
  if (wasmKind(mod) !== "module") throw new TypeError("[eddy] not a core wasm module");
  const out: Section[] = [];
  let pos = 8;
  while (pos < mod.length) {
    const id = mod[pos++]!;
    const [size, p] = readU32(mod, pos);
    out.push({ id, start: p, end: p + size });
    pos = p + size;
  }
  return out;
}

function rebuild(mod: Uint8Array, replace: Map<Section, number[]>): Uint8Array {
  const parts: Uint8Array[] = [mod.subarray(0, 8)];
  let pos = 8;
  for (const s of sections(mod)) {
    const headerStart = pos;
    pos = s.end;
    const payload = [...replace.entries()].find(([k]) => k.start === s.start)?.[1];
    if (!payload) {
      parts.push(mod.subarray(headerStart, s.end));
      continue;
    }
    const head: number[] = [s.id];
    writeU32(head, payload.length);
    parts.push(Uint8Array.from(head), Uint8Array.from(payload));
  }
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const utf8 = new TextEncoder();
const utf8d = new TextDecoder();

/** Export names of a core module. */
export function exportNames(mod: Uint8Array): string[] {
  const sec = sections(mod).find((s) => s.id === 7);
  if (!sec) return [];
  let [n, p] = readU32(mod, sec.start);
  const names: string[] = [];
  for (let i = 0; i < n; i++) {
    const [len, q] = readU32(mod, p);
    names.push(utf8d.decode(mod.subarray(q, q + len)));
    p = q + len + 1; // kind byte
    [, p] = readU32(mod, p); // index
  }
  return names;
}

/** Import (module, name) pairs of a core module. */
export function importNames(mod: Uint8Array): [string, string][] {
  const sec = sections(mod).find((s) => s.id === 2);
  if (!sec) return [];
  let [n, p] = readU32(mod, sec.start);
  const out: [string, string][] = [];
  for (let i = 0; i < n; i++) {
    let len: number;
    [len, p] = readU32(mod, p);
    const module = utf8d.decode(mod.subarray(p, p + len));
    p += len;
    [len, p] = readU32(mod, p);
    const name = utf8d.decode(mod.subarray(p, p + len));
    p += len;
    const kind = mod[p++]!;
    if (kind === 0) [, p] = readU32(mod, p);
    else if (kind === 1) { p += 1; p = skipLimits(mod, p); }
    else if (kind === 2) p = skipLimits(mod, p);
    else if (kind === 3) p += 2;
    else if (kind === 4) { p += 1; [, p] = readU32(mod, p); }
    else throw new RangeError(`[eddy] unknown import kind ${kind}`);
    out.push([module, name]);
  }
  return out;
}

function skipLimits(mod: Uint8Array, p: number): number {
  const flags = mod[p++]!;
  [, p] = readU32(mod, p);
  if (flags & 1) [, p] = readU32(mod, p);
  return p;
}

/**
 * Renames exports by `renames` (old -> new; others keep their name), then drops those for
 * which `keep(newName)` is false.
 */
export function renameExports(mod: Uint8Array, renames: ReadonlyMap<string, string>, keep: (name: string) => boolean = () => true): Uint8Array {
  const sec = sections(mod).find((s) => s.id === 7);
  if (!sec) return mod;
  let [n, p] = readU32(mod, sec.start);
  const body: number[] = [];
  let kept = 0;
  for (let i = 0; i < n; i++) {
    const [len, q] = readU32(mod, p);
    const name = renames.get(utf8d.decode(mod.subarray(q, q + len))) ?? utf8d.decode(mod.subarray(q, q + len));
    p = q + len;
    const kind = mod[p++]!;
    const [, r] = readU32(mod, p);
    if (keep(name)) {
      kept++;
      const encoded = utf8.encode(name);
      writeU32(body, encoded.length);
      for (const b of encoded) body.push(b);
      body.push(kind);
      for (let k = p; k < r; k++) body.push(mod[k]!);
    }
    p = r;
  }
  const out: number[] = [];
  writeU32(out, kept);
  return rebuild(mod, new Map([[sec, out.concat(body)]]));
}

/**
 * Caps every memory the module defines at `maxPages` (64 KiB pages). Returns the module
 * unchanged when it defines none. Throws when a memory's minimum already exceeds the cap.
 */
export function limitMemory(mod: Uint8Array, maxPages: number): Uint8Array {
  const sec = sections(mod).find((s) => s.id === 5);
  if (!sec) return mod;
  let [n, p] = readU32(mod, sec.start);
  const out: number[] = [];
  writeU32(out, n);
  for (let i = 0; i < n; i++) {
    const flags = mod[p++]!;
    if (flags & ~0x03) throw new RangeError("[eddy] memory64 or unknown memory flags are not supported");
    let min: number;
    [min, p] = readU32(mod, p);
    let max = maxPages;
    if (flags & 1) {
      let declared: number;
      [declared, p] = readU32(mod, p);
      max = Math.min(declared, maxPages);
    }
    if (min > max) {
      throw new RangeError(`[eddy] the module's initial memory (${min} pages) exceeds the limit of ${maxPages} pages`);
    }
    out.push(flags | 1);
    writeU32(out, min);
    writeU32(out, max);
  }
  return rebuild(mod, new Map([[sec, out]]));
}

const COMPONENT_EXPORT_SECTION = 11;

/**
 * The payloads of a component's top-level export sections, found without decoding the
 * component (synchronous and cheap; `readComponentWorld` is the full, asynchronous check).
 * Throws `RangeError` on a truncated section header.
 */
export function componentExportSections(bytes: Uint8Array): Uint8Array[] {
  if (wasmKind(bytes) !== "component") throw new TypeError("[eddy] not a WebAssembly component");
  const out: Uint8Array[] = [];
  let pos = 8;
  while (pos < bytes.length) {
    const id = bytes[pos++]!;
    const [size, p] = readU32(bytes, pos);
    if (p + size > bytes.length) throw new RangeError(`[eddy] component section ${id} at ${pos - 1} runs past the end (${size} bytes)`);
    if (id === COMPONENT_EXPORT_SECTION) out.push(bytes.subarray(p, p + size));
    pos = p + size;
  }
  return out;
}
