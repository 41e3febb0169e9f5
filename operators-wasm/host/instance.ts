/**
 * Runs a compiled component: instantiates jco's generated glue with precompiled core
 * modules and calls the world's exports once per batch. Uses only Web-standard globals
 * (no jco at run time), so it also runs on workerd with modules bundled at deploy time.
 */
import type { UserCodeWatch } from "../../core/index.ts";
import { WasmOperatorError } from "./errors.ts";
import { inputBytes, type GuestInput } from "./guest-input.ts";
import { WASM_PAGE } from "./wasm-binary.ts";
import { WORLDS, coreExportName, qualifiedInterface, type WorldName, type WorldSpec } from "./worlds.ts";

/** The `instantiate` function jco generates with `--instantiation async`. */
export type GlueInstantiate = (
  getCoreModule: (path: string) => WebAssembly.Module | Promise<WebAssembly.Module>,
  imports: Record<string, Record<string, unknown>>,
  instantiateCore?: (module: WebAssembly.Module, imports?: WebAssembly.Imports) => Promise<WebAssembly.Instance>,
) => Promise<Record<string, Record<string, (...args: never[]) => unknown>>>;

/** A component ready to instantiate: glue plus compiled (and memory-capped) core modules. */
export interface CompiledComponent {
  readonly name: string;
  readonly world: WorldName;
  readonly instantiate: GlueInstantiate;
  /** Core modules by the file name the glue asks for (`<name>.core.wasm`, ...). */
  readonly modules: ReadonlyMap<string, WebAssembly.Module>;
  /** The limit the modules were capped at; also checked after every call. */
  readonly memoryLimitBytes: number;
}

/**
 * Host side of the keyed-process world's imports. Arguments and results use the packed
 * layouts of wit/operator.wit (see keyed-codec.ts); each is called at most once per batch.
 */
export interface KeyedProcessHost {
  /** `state-requests` -> `state-values`. */
  read(requests: Uint8Array): Uint8Array;
  /** `state-writes`. */
  write(writes: Uint8Array): void;
  /** `timer-updates`. */
  updateTimers(updates: Uint8Array): void;
}

export interface InstantiateOptions {
  /** Required for `keyed-process-operator`. */
  host?: KeyedProcessHost;
  /**
   * Call exports through jco's generated glue instead of the direct canonical-ABI path.
   * Same results; slower (kept for comparison and as a fallback).
   */
  useGlue?: boolean;
}

interface DirectFunction {
  call: (...args: number[]) => number;
  post?: (ret: number) => void;
}

interface CoreExports {
  memory: WebAssembly.Memory;
  realloc: (oldPtr: number, oldSize: number, align: number, newSize: number) => number;
  fns: Map<string, DirectFunction>;
}

/** An instantiated component. One per operator subtask; not safe to share across threads. */
export class LoadedComponent {
  readonly name: string;
  readonly world: WorldName;
  readonly spec: WorldSpec;
  readonly memoryLimitBytes: number;
  /** Set once the component trapped or exceeded its memory; further calls throw. */
  failure: WasmOperatorError | undefined;
  private readonly direct: CoreExports | undefined;
  private readonly memory: WebAssembly.Memory | undefined;
  private readonly glue: Record<string, (...args: never[]) => unknown>;
  private buffer: ArrayBuffer | undefined;
  private view: DataView | undefined;
  private bytes: Uint8Array | undefined;
  /** Marks each call against a CPU budget (a worker TaskManager's watch; set by the operator). */
  watch: UserCodeWatch | undefined;
  /** What a budget message calls this component: `component "x" (world w) in operator "Map"`. */
  private label: string;

  constructor(
    compiled: CompiledComponent,
    direct: CoreExports | undefined,
    memory: WebAssembly.Memory | undefined,
    glue: Record<string, (...args: never[]) => unknown>,
  ) {
    this.name = compiled.name;
    this.world = compiled.world;
    this.spec = WORLDS[compiled.world];
    this.memoryLimitBytes = compiled.memoryLimitBytes;
    this.direct = direct;
    this.memory = memory;
    this.glue = glue;
    this.label = `component "${this.name}" (world ${this.world})`;
  }

  /** Names the operator the component runs in (budget messages). */
  runsIn(operator: string | undefined, watch: UserCodeWatch | undefined): void {
    this.label = `component "${this.name}" (world ${this.world})${operator === undefined ? "" : ` in operator "${operator}"`}`;
    this.watch = watch;
  }

  /** Current size of the guest's linear memory, in bytes (0 if not visible). */
  memoryBytes(): number {
    return this.memory?.buffer.byteLength ?? 0;
  }

  /** Calls a `(list<u8>) -> list<u8>` export by its WIT name; returns a copy of the result. */
  call(fn: string, input: Uint8Array): Uint8Array {
    return this.invoke(fn, input, 0, copyOut);
  }

  /** Calls a `(u32) -> list<u8>` export by its WIT name. */
  callU32(fn: string, n: number): Uint8Array {
    return this.invoke(fn, undefined, n, copyOut);
  }

  /**
   * Calls a `(list<u8>) -> list<u8>` export with `input` written straight into the guest's
   * memory, and hands the result to `consume` as a view of that memory: valid only until
   * `consume` returns (post-return runs after it), so copy what must outlive it. Returns what
   * `consume` returns. Nothing of the guest may be called from inside `consume`.
   */
  batch<T>(fn: string, input: GuestInput | Uint8Array, consume: (result: Uint8Array) => T): T {
    return this.invoke(fn, input, 0, consume);
  }

  // --- per-world conveniences (names follow the WIT functions) ---

  /** map / filter / flat-map / keyed-process: one packed batch in, the world's result out. */
  processBatch(input: Uint8Array): Uint8Array {
    return this.invoke("process-batch", input, 0, copyOut);
  }

  selectKeys(batch: Uint8Array): Uint8Array {
    return this.invoke("select-keys", batch, 0, copyOut);
  }

  extractTimestamps(batch: Uint8Array): Uint8Array {
    return this.invoke("extract-timestamps", batch, 0, copyOut);
  }

  onTimers(input: Uint8Array): Uint8Array {
    return this.invoke("on-timers", input, 0, copyOut);
  }

  createAccumulators(count: number): Uint8Array {
    return this.invoke("create-accumulators", undefined, count, copyOut);
  }

  add(input: Uint8Array): Uint8Array {
    return this.invoke("add", input, 0, copyOut);
  }

  merge(input: Uint8Array): Uint8Array {
    return this.invoke("merge", input, 0, copyOut);
  }

  getResults(accumulators: Uint8Array): Uint8Array {
    return this.invoke("get-results", accumulators, 0, copyOut);
  }

  private invoke<T>(fn: string, input: GuestInput | Uint8Array | undefined, n: number, consume: (result: Uint8Array) => T): T {
    if (this.failure) {
      throw new WasmOperatorError("WASM_POISONED", this.name, this.world,
        `cannot call ${fn} after an earlier failure (${this.failure.message}); load the component again`, this.failure);
    }
    const glue = this.direct === undefined || this.useGlueFlag;
    const f = glue ? undefined : this.direct!.fns.get(fn);
    const watch = this.watch;
    let out: Uint8Array | undefined;
    let ret = 0;
    watch?.enter(`${this.label}, calling ${fn}`);
    try {
      if (glue) out = this.callGlue(fn, input === undefined ? undefined : inputBytes(input), n);
      else if (f === undefined) throw new TypeError(`world ${this.world} has no function ${fn}`);
      else ret = this.callDirect(f, input, n);
    } catch (e) {
      throw this.fail(fn, e);
    } finally {
      watch?.exit();
    }
    const size = this.memoryBytes();
    if (size > this.memoryLimitBytes) {
      throw this.fail(fn, new RangeError(`memory grew to ${size} bytes`));
    }
    if (out !== undefined) return consume(out);
    try {
      out = this.resultView(ret);
    } catch (e) {
      throw this.fail(fn, e);
    }
    const result = consume(out);
    if (f!.post !== undefined) {
      watch?.enter(`${this.label}, calling cabi_post for ${fn}`);
      try {
        f!.post(ret);
      } catch (e) {
        throw this.fail(fn, e);
      } finally {
        watch?.exit();
      }
    }
    return result;
  }

  /** @internal set by instantiateComponent */
  useGlueFlag = false;

  /** The guest's memory as bytes and as a DataView, made again only when memory.buffer changed (it grew). */
  private memoryViews(): DataView {
    const buf = this.direct!.memory.buffer;
    if (buf !== this.buffer) {
      this.buffer = buf;
      this.view = new DataView(buf);
      this.bytes = new Uint8Array(buf);
    }
    return this.view!;
  }

  /** Writes the input (if any) into guest memory and calls the export; returns its return area's address. */
  private callDirect(f: DirectFunction, input: GuestInput | Uint8Array | undefined, n: number): number {
    // Pointers and lengths cross as i32, which JS reads signed: a guest address is the u32 (`>>> 0`).
    if (input === undefined) return f.call(n >>> 0) >>> 0;
    const realloc = this.direct!.realloc;
    if (input instanceof Uint8Array) {
      const len = input.length;
      const ptr = this.allocInput(realloc(0, 0, 1, len), len);
      this.bytes!.set(input, ptr);
      return f.call(ptr, len) >>> 0;
    }
    let cap = input.sizeHint;
    let ptr = this.allocInput(realloc(0, 0, 1, cap), cap);
    let len = input.write(this.bytes!, this.view!, ptr, cap);
    if (len < 0) {
      // the guess was short (UTF-8 longer than the text): grow the block, as the canonical ABI does for strings
      const need = -len;
      ptr = this.allocInput(realloc(ptr, cap, 1, need), need);
      cap = need;
      len = input.write(this.bytes!, this.view!, ptr, cap);
      if (len < 0) throw new RangeError(`an input asked for ${-len} bytes after getting the ${cap} it asked for`);
    }
    return f.call(ptr, len) >>> 0;
  }

  /** Checks the block cabi_realloc gave for the input (and refreshes the memory views: it may have grown memory). */
  private allocInput(address: number, len: number): number {
    const ptr = address >>> 0;
    const size = this.memoryViews().byteLength;
    if (ptr + len > size) throw new BadOutput(`cabi_realloc gave ${hex(ptr)} for ${len} input bytes, outside linear memory (${size} bytes)`);
    return ptr;
  }

  /** The result list a return area points at, as a view of guest memory. */
  private resultView(ret: number): Uint8Array {
    const view = this.memoryViews();
    const size = view.byteLength;
    if (ret + 8 > size) throw new BadOutput(`return area at ${hex(ret)} is outside linear memory (${size} bytes)`);
    const rp = view.getUint32(ret, true);
    const rl = view.getUint32(ret + 4, true);
    if (rp + rl > size) throw new BadOutput(`result list at ${hex(rp)} of ${rl} bytes is outside linear memory (${size} bytes)`);
    return this.bytes!.subarray(rp, rp + rl);
  }

  private callGlue(fn: string, input: Uint8Array | undefined, n: number): Uint8Array {
    const camel = fn.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    const f = this.glue[camel] as ((arg: unknown) => Uint8Array) | undefined;
    if (!f) throw new TypeError(`world ${this.world} has no function ${fn}`);
    return f(input ?? n);
  }

  private fail(fn: string, e: unknown): WasmOperatorError {
    if (e instanceof WasmOperatorError) return (this.failure = e);
    const msg = e instanceof Error ? e.message : String(e);
    const size = this.memoryBytes();
    let err: WasmOperatorError;
    if (e instanceof BadOutput) {
      err = new WasmOperatorError("WASM_BAD_OUTPUT", this.name, this.world, `${fn} returned an invalid result: ${msg}`, e);
    } else if (e instanceof TypeError && /has no function/.test(msg)) {
      // a programming error on the host side: the instance stays usable
      return new WasmOperatorError("WASM_WRONG_WORLD", this.name, this.world, msg, e);
    } else if (size > this.memoryLimitBytes - Math.max(this.memoryLimitBytes / 4, WASM_PAGE)) {
      // The cap makes memory.grow fail inside the guest, which then traps (allocators abort);
      // the failed request may be large, so "near the cap" counts as hitting it.
      err = new WasmOperatorError("WASM_MEMORY_LIMIT", this.name, this.world,
        `linear memory reached the limit of ${this.memoryLimitBytes} bytes during ${fn} (${size} bytes in use; ${msg})`, e);
    } else {
      err = new WasmOperatorError("WASM_TRAP", this.name, this.world,
        `trapped in ${fn}: ${msg} (linear memory ${size} of ${this.memoryLimitBytes} bytes)`, e);
    }
    this.failure = err;
    return err;
  }
}

class BadOutput extends Error {}

/** A copy of a result that outlives the call (ArrayBuffer#slice: one memcpy, no species lookup). */
function copyOut(view: Uint8Array): Uint8Array {
  return new Uint8Array(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
}

/** A guest address as an unsigned hex number: 0xfffffff0, not -16. */
function hex(address: number): string {
  return `0x${(address >>> 0).toString(16).padStart(8, "0")}`;
}

function hostImports(spec: WorldSpec, host: KeyedProcessHost | undefined, name: string): Record<string, Record<string, unknown>> {
  const imports: Record<string, Record<string, unknown>> = {};
  if (spec.imports.length === 0) return imports;
  if (!host) {
    throw new WasmOperatorError("WASM_FORBIDDEN_IMPORT", name, spec.world, "world imports keyed-state and timer-service but no host was given");
  }
  const add = (iface: string, fns: Record<string, unknown>) => {
    // jco keys imports without the version; keep the versioned name too
    imports[`eddy:operator/${iface}`] = fns;
    imports[qualifiedInterface(iface)] = fns;
  };
  add("keyed-state", { read: (r: Uint8Array) => host.read(r), write: (w: Uint8Array) => host.write(w) });
  add("timer-service", { update: (u: Uint8Array) => host.updateTimers(u) });
  return imports;
}

function findDirect(spec: WorldSpec, instances: WebAssembly.Instance[]): CoreExports | undefined {
  for (const inst of instances) {
    const ex = inst.exports as Record<string, unknown>;
    const memory = ex.memory;
    const realloc = ex.cabi_realloc;
    if (!(memory instanceof WebAssembly.Memory) || typeof realloc !== "function") continue;
    const fns: CoreExports["fns"] = new Map();
    for (const f of spec.functions) {
      const core = coreExportName(spec, f.name);
      const call = ex[core];
      if (typeof call !== "function") break;
      const post = ex[`cabi_post_${core}`];
      fns.set(f.name, { call: call as (...a: number[]) => number, post: typeof post === "function" ? (post as (r: number) => void) : undefined });
    }
    if (fns.size === spec.functions.length) {
      return { memory, realloc: realloc as CoreExports["realloc"], fns };
    }
  }
  return undefined;
}

/**
 * Instantiates a compiled component. Only the world's own imports are provided; the
 * component was already refused at compile time if it imports anything else.
 */
export async function instantiateComponent(compiled: CompiledComponent, opts: InstantiateOptions = {}): Promise<LoadedComponent> {
  const spec = WORLDS[compiled.world];
  const instances: WebAssembly.Instance[] = [];
  let exports: Awaited<ReturnType<GlueInstantiate>>;
  try {
    exports = await compiled.instantiate(
      (path) => {
        const m = compiled.modules.get(path);
        if (!m) throw new Error(`no core module ${path}`);
        return m;
      },
      hostImports(spec, opts.host, compiled.name),
      async (module, imports) => {
        const inst = await WebAssembly.instantiate(module, imports ?? {});
        instances.push(inst);
        return inst;
      },
    );
  } catch (e) {
    if (e instanceof WasmOperatorError) throw e;
    throw new WasmOperatorError("WASM_TRAP", compiled.name, compiled.world,
      `failed to instantiate: ${e instanceof Error ? e.message : String(e)}`, e);
  }
  const glue = exports[qualifiedInterface(spec.exportInterface)] ?? {};
  const direct = findDirect(spec, instances);
  // the main module's memory: the one the direct path uses, else the first exported one
  const memory = direct?.memory ?? instances.map((i) => i.exports.memory).find((m) => m instanceof WebAssembly.Memory);
  const loaded = new LoadedComponent(compiled, direct, memory as WebAssembly.Memory | undefined, glue);
  loaded.useGlueFlag = opts.useGlue === true || direct === undefined;
  return loaded;
}
