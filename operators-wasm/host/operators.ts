/**
 * Core operators that run a component: they buffer records, call the component once per batch
 * (at the end of each input batch, before watermarks, barriers and the end of input, and every
 * 1000 records), and emit its results with their timestamps. Keyed process operators keep the
 * component's state in Eddy's keyed state backend and its timers in Eddy's timer service.
 */
import type { KeyedRecord } from "../../core/api/functions.ts";
import type { OperatorContext, Output, StreamOperator } from "../../core/runtime/operator.ts";
import { VOID_NAMESPACE, ValueStateDescriptor, type Key, type ValueState } from "../../core/state/types.ts";
import type { RecordBatch } from "../../core/runtime/stream-element.ts";
import type { Timer } from "../../core/time/types.ts";
import { ByteWriter, decodeBlobs, decodeFlags, decodeTimestamps } from "./batch-codec.ts";
import { WasmOperatorError } from "./errors.ts";
import type { KeyedProcessHost, LoadedComponent } from "./instance.ts";
import { EVENT_TIME, PROCESSING_TIME, decodeStateRequests, decodeStateWrites, decodeTimerUpdates, encodeStateValues, type TimeDomain } from "./keyed-codec.ts";
import { PackedBatchEncoder, type GuestInput } from "./guest-input.ts";
import { ResultDecoder } from "./result-decoder.ts";
import { bytesToLatin1, jsonText, latin1ToBytes, parseJsonValue, readValue, unencodableValue, utf8String, writeValue, type ValueEncoding } from "./value-codec.ts";
import type { WorldName } from "./worlds.ts";

/** Records per component call at most. */
export const MAX_BATCH = 1000;

/** What an operator needs from the function it runs (see wasm-function.ts). */
export interface ComponentSource {
  readonly name: string;
  readonly values: ValueEncoding;
  /** Instantiates the component (compiling it once per source). */
  instantiate(host?: KeyedProcessHost): Promise<LoadedComponent>;
}

/**
 * A packed batch handed from one WebAssembly operator to the next one in the same chain, so
 * records stay encoded between consecutive components (decoded only where TypeScript sees them).
 * `bytes` may be a view of the sending component's memory: valid only while `collect` runs, so
 * the receiver copies them.
 */
export class PackedRecords {
  constructor(readonly bytes: Uint8Array, readonly count: number) {}
}

const HEADER = 16;

/** Turns an error reading a component's result into WASM_BAD_OUTPUT (and keeps the component from being called again). */
function badOutput(c: LoadedComponent, fn: string, e: unknown, operator?: string): WasmOperatorError {
  if (e instanceof WasmOperatorError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  c.failure = new WasmOperatorError("WASM_BAD_OUTPUT", c.name, c.world, `${fn} returned an invalid result: ${msg}`, e, operator);
  return c.failure;
}

/**
 * Offsets of each record of a packed batch starting at `at` (count included): n + 1 entries,
 * the last one where the records end. Throws RangeError when the batch is malformed. Reads the
 * lengths in place: this runs once per record per operator, so it allocates nothing per record.
 */
function recordOffsets(bytes: Uint8Array, at: number): Uint32Array {
  const len = bytes.length;
  if (at + 4 > len) throw new RangeError("packed batch shorter than its count");
  const view = new DataView(bytes.buffer, bytes.byteOffset, len);
  const n = view.getUint32(at, true);
  if (n * 16 > len - at - 4) throw new RangeError(`packed batch claims ${n} records but only ${len - at - 4} bytes remain`);
  const offsets = new Uint32Array(n + 1);
  let p = at + 4;
  for (let i = 0; i < n; i++) {
    offsets[i] = p;
    if (p + 4 > len) throw new RangeError(`record ${i} of ${n} truncated`);
    p += 4 + view.getUint32(p, true);
    if (p + 12 > len) throw new RangeError(`record ${i} of ${n} truncated`);
    p += 12 + view.getUint32(p + 8, true);
    if (p > len) throw new RangeError(`record ${i} of ${n} truncated`);
  }
  offsets[n] = p;
  return offsets;
}

/** Shared buffering, flushing and output of every component operator. */
export abstract class ComponentOperator<IN, OUT> implements StreamOperator<IN, OUT> {
  protected context!: OperatorContext<OUT>;
  protected output!: Output<OUT>;
  protected component!: LoadedComponent;
  /** Records that came packed (and the JS records buffered before them, see `encoded`), in order. */
  protected readonly writer = new ByteWriter(1 << 16);
  /** Where the packed batch (its count) starts in `writer`. */
  protected readonly base: number;
  protected count = 0;
  /** The buffered records as JS values and their timestamps (records that came packed are not here). */
  protected values: unknown[] = [];
  protected stamps: number[] = [];
  /** What goes over the wire for each of `values`: the same array, or JSON texts under values: "json". */
  private wire: unknown[] = this.values;
  /** How many of `wire` are already in `writer` (they were buffered before a packed batch came). */
  private encoded = 0;
  protected packedIn = false;
  /** The next operator in the chain takes packed batches. */
  protected packedOut = false;
  private readonly encoder = new PackedBatchEncoder();
  private readonly results = new ResultDecoder();
  /** values: "json" (records are checked and turned into text as they come). */
  private readonly json: boolean;

  constructor(protected readonly source: ComponentSource, readonly world: WorldName, withHeader = false) {
    this.base = withHeader ? HEADER : 0;
    this.json = source.values === "json";
  }

  /** Whether this operator accepts PackedRecords from an upstream component. */
  get acceptsPacked(): boolean {
    return false;
  }

  /** Whether this operator can emit its results as PackedRecords. */
  protected get emitsPacked(): boolean {
    return false;
  }

  /** Whether flushing needs the input batch in JS memory after the call (the guest may reuse its copy). */
  protected get needsInputAfterCall(): boolean {
    return false;
  }

  setup(context: OperatorContext<OUT>): void {
    this.context = context;
    this.output = context.output;
  }

  async open(): Promise<void> {
    this.component = await this.source.instantiate(this.host());
    this.component.runsIn(this.context.operatorName, this.context.watch);
    const next = this.context.nextInChain;
    this.packedOut = this.emitsPacked && next instanceof ComponentOperator && next.acceptsPacked;
    this.reset();
  }

  /** The keyed-process world's imports, for operators that provide them. */
  protected host(): KeyedProcessHost | undefined {
    return undefined;
  }

  protected reset(): void {
    this.writer.reset();
    this.writer.pos = this.base;
    this.writer.u32(0);
    this.count = 0;
    this.values = [];
    this.stamps = [];
    this.wire = this.json ? [] : this.values;
    this.encoded = 0;
    this.packedIn = false;
  }

  processElement(value: IN, timestamp: number): void {
    if (typeof value === "string" && !this.json) {
      // the common case first: a string record is buffered as it is
      this.values.push(value);
      this.stamps.push(timestamp);
      this.count++;
    } else if (value instanceof PackedRecords) {
      this.appendPacked(value);
    } else {
      this.bufferRecord(value, timestamp);
    }
    if (this.count >= MAX_BATCH) this.flush();
  }

  /**
   * One call per input batch (core's batch-at-a-time contract): the batch's records are buffered
   * and sent to the component in one call. Keyed streams get records one by one instead (the
   * runtime sets each record's key), through {@link processElement}.
   */
  processBatch(batch: RecordBatch<IN>): void {
    const { values, timestamps } = batch;
    for (let i = 0, n = values.length; i < n; i++) this.processElement(values[i]!, timestamps[i]!);
    this.flush();
  }

  /** Buffers a record as a JS value; it is encoded when the batch is sent. */
  protected bufferRecord(value: unknown, timestamp: number): void {
    if (this.json) {
      const text = jsonText(value);
      if (text === undefined) throw this.badInput(value);
      this.wire.push(text);
    } else if (typeof value !== "string" && !(value instanceof Uint8Array)) {
      throw this.badInput(value);
    }
    this.values.push(value);
    this.stamps.push(timestamp);
    this.count++;
  }

  private badInput(value: unknown): WasmOperatorError {
    return new WasmOperatorError("WASM_BAD_INPUT", this.source.name, this.world, unencodableValue(value, this.source.values), undefined, this.context.operatorName);
  }

  /** Writes a keyed record into `writer` at once (keyed-process: keys and a header go with it). */
  protected appendRecord(key: string | undefined, value: unknown, timestamp: number): void {
    const w = this.writer;
    const start = w.pos;
    w.lengthPrefixed(key);
    w.f64(timestamp);
    if (!writeValue(w, value, this.source.values)) {
      w.pos = start;
      throw this.badInput(value);
    }
    this.values.push(value);
    this.stamps.push(timestamp);
    // written already: nothing is left for encodePending (under "json" too)
    this.wire = this.values;
    this.encoded = this.values.length;
    this.count++;
  }

  private appendPacked(p: PackedRecords): void {
    this.encodePending();
    this.writer.bytes(p.bytes.subarray(4));
    this.count += p.count;
    this.packedIn = true;
  }

  /** Appends the buffered JS records not yet in `writer` to it (records keep their order). */
  private encodePending(): void {
    const from = this.encoded;
    const to = this.wire.length;
    if (from === to) return;
    const enc = this.encoder.reset(this.wire, this.stamps, from, to, false);
    const w = this.writer;
    w.ensure(enc.sizeHint);
    let n = enc.write(w.buf, w.view, w.pos, w.buf.length - w.pos);
    if (n < 0) {
      w.ensure(-n);
      n = enc.write(w.buf, w.view, w.pos, w.buf.length - w.pos);
    }
    w.pos += n;
    this.encoded = to;
  }

  /**
   * The input batch: an encoder that writes the buffered JS records straight into guest memory
   * when all records are JS values, else the packed batch in `writer` (count patched in).
   */
  protected input(): GuestInput | Uint8Array {
    if (this.encoded === 0 && !this.packedIn && !this.needsInputAfterCall) return this.encoder.reset(this.wire, this.stamps);
    return this.inputBytes();
  }

  /** The input batch in `writer`. */
  protected inputBytes(): Uint8Array {
    this.encodePending();
    this.writer.patchU32(this.base, this.count);
    return this.writer.finish();
  }

  /** JS values and timestamps of the buffered inputs (decoded from the input when some came packed). */
  protected originals(): { values: unknown[]; stamps: number[] } {
    if (!this.packedIn) return { values: this.values, stamps: this.stamps };
    const input = this.inputBytes();
    const values: unknown[] = [];
    const stamps: number[] = [];
    this.readPacked(input, this.base, (_k, ts, v) => {
      values.push(v);
      stamps.push(ts);
    });
    return { values, stamps };
  }

  /** Calls `emit(key, timestamp, value)` for every record of the packed batch at `at`. */
  protected readPacked(bytes: Uint8Array, at: number, emit: (keyStart: number, timestamp: number, value: unknown, keyEnd: number) => void): void {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const len = bytes.length;
    const enc = this.source.values;
    if (at + 4 > len) throw new RangeError("packed batch shorter than its count");
    const n = view.getUint32(at, true);
    let p = at + 4;
    for (let i = 0; i < n; i++) {
      if (p + 4 > len) throw new RangeError(`record ${i} of ${n} truncated`);
      const kl = view.getUint32(p, true);
      const ks = p + 4;
      p = ks + kl;
      if (p + 12 > len) throw new RangeError(`record ${i} of ${n} truncated`);
      const ts = view.getFloat64(p, true);
      const vl = view.getUint32(p + 8, true);
      const vs = p + 12;
      p = vs + vl;
      if (p > len) throw new RangeError(`record ${i} of ${n} truncated`);
      emit(ks, ts, readValue(bytes, vs, p, enc), ks + kl);
    }
    if (p !== len) throw new RangeError(`${len - p} trailing bytes after ${n} records`);
  }

  /**
   * Emits a packed batch of results: packed to the next component, else decoded. `out` may be a
   * view of the guest's memory, valid only during this call: what is emitted does not point into it.
   */
  protected emitBatch(out: Uint8Array, fn: string, expectCount?: number): void {
    const enc = this.source.values;
    if (!this.packedOut && enc !== "bytes") {
      this.emitStrings(out, fn, expectCount);
      return;
    }
    let offsets: Uint32Array;
    try {
      offsets = recordOffsets(out, 0);
      if (offsets[offsets.length - 1] !== out.length) throw new RangeError(`${out.length - offsets[offsets.length - 1]!} trailing bytes after the records`);
    } catch (e) {
      throw badOutput(this.component, fn, e, this.context.operatorName);
    }
    const n = offsets.length - 1;
    if (expectCount !== undefined && n !== expectCount) throw badOutput(this.component, fn, new RangeError(`${n} records for ${expectCount} inputs`), this.context.operatorName);
    if (n === 0) return;
    if (this.packedOut) {
      // JSON values are checked here, where the component that wrote them is known (else the
      // next component, or the operator decoding them, is blamed). The next component copies the
      // batch into its own buffer while `collect` runs.
      if (enc === "json") this.parseJson(this.results.strings(out), fn);
      this.output.collect(new PackedRecords(out, n) as OUT, Number.NaN);
      return;
    }
    // one copy of the result per batch; each value is a view into it (no copy per record)
    const copy = new Uint8Array(out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength));
    const view = new DataView(copy.buffer);
    const output = this.output;
    for (let i = 0; i < n; i++) {
      const p = offsets[i]!;
      const ks = p + 4 + view.getUint32(p, true);
      output.collect(new Uint8Array(copy.buffer, ks + 12, offsets[i + 1]! - ks - 12) as OUT, view.getFloat64(ks, true));
    }
  }

  /** Emits a result batch as strings (or, under values: "json", the values they parse to); checked and decoded before anything is emitted. */
  private emitStrings(out: Uint8Array, fn: string, expectCount: number | undefined): void {
    let strings: string[];
    try {
      strings = this.results.strings(out);
    } catch (e) {
      throw badOutput(this.component, fn, e, this.context.operatorName);
    }
    const n = strings.length;
    if (expectCount !== undefined && n !== expectCount) throw badOutput(this.component, fn, new RangeError(`${n} records for ${expectCount} inputs`), this.context.operatorName);
    const values = this.json ? this.parseJson(strings, fn) : strings;
    const stamps = this.results.stamps;
    const output = this.output;
    // errors from here on are downstream's
    if (output.collectBatch !== undefined) {
      // A next operator that takes batches gets the decoded batch in one call (read by index, like the arrays channels carry).
      output.collectBatch({ values: values as OUT[], timestamps: stamps as unknown as number[] });
      return;
    }
    for (let i = 0; i < n; i++) output.collect(values[i] as OUT, stamps[i]!);
  }

  /** Every value of a validated result batch parsed as JSON, before any is emitted; WASM_BAD_OUTPUT naming the first that is not. */
  private parseJson(texts: readonly string[], fn: string): unknown[] {
    const n = texts.length;
    const values: unknown[] = new Array(n);
    try {
      for (let i = 0; i < n; i++) values[i] = parseJsonValue(texts[i]!, `record ${i + 1} of ${n}`);
    } catch (e) {
      throw badOutput(this.component, fn, e, this.context.operatorName);
    }
    return values;
  }

  /** Calls the component with the buffered records and emits what it returns. */
  protected abstract flushRecords(): void;

  /** Flushes whatever is buffered. */
  flush(): void {
    if (this.count === 0) return;
    try {
      this.flushRecords();
    } finally {
      this.reset();
    }
  }

  finishBatch(): void {
    this.flush();
  }

  processWatermark(watermark: number): void {
    this.flush();
    this.output.emitWatermark(watermark);
  }

  endInput(): void {
    this.flush();
  }

  prepareSnapshotPreBarrier(): void {
    this.flush();
  }
}

/** map-operator: one result per record. */
export class MapComponentOperator extends ComponentOperator<unknown, unknown> {
  override get acceptsPacked(): boolean {
    return true;
  }
  protected override get emitsPacked(): boolean {
    return true;
  }
  protected flushRecords(): void {
    const n = this.count;
    this.component.batch("process-batch", this.input(), (out) => this.emitBatch(out, "process-batch", n));
  }
}

/** flat-map-operator: any number of results. */
export class FlatMapComponentOperator extends MapComponentOperator {
  protected override flushRecords(): void {
    this.component.batch("process-batch", this.input(), (out) => this.emitBatch(out, "process-batch"));
  }
}

/** filter-operator: a flag per record. */
export class FilterComponentOperator extends ComponentOperator<unknown, unknown> {
  override get acceptsPacked(): boolean {
    return true;
  }
  protected override get emitsPacked(): boolean {
    return true;
  }
  /** Kept records go on packed: their bytes are copied from the input after the call. */
  protected override get needsInputAfterCall(): boolean {
    return this.packedOut;
  }
  protected flushRecords(): void {
    const input = this.input();
    const n = this.count;
    let flags: boolean[];
    try {
      flags = this.component.batch("process-batch", input, decodeFlags);
      if (flags.length !== n) throw new RangeError(`${flags.length} flags for ${n} records`);
    } catch (e) {
      throw badOutput(this.component, "process-batch", e, this.context.operatorName);
    }
    if (this.packedOut) {
      // copy the kept records in runs (most filters keep most records)
      const bytes = input as Uint8Array;
      const offsets = recordOffsets(bytes, this.base);
      const out = new Uint8Array(4 + offsets[n]! - offsets[0]!);
      let pos = 4;
      let kept = 0;
      for (let i = 0; i < n; ) {
        if (!flags[i]) {
          i++;
          continue;
        }
        const start = i;
        while (i < n && flags[i]) i++;
        out.set(bytes.subarray(offsets[start]!, offsets[i]!), pos);
        pos += offsets[i]! - offsets[start]!;
        kept += i - start;
      }
      new DataView(out.buffer).setUint32(0, kept, true);
      if (kept > 0) this.output.collect(new PackedRecords(out.subarray(0, pos), kept), Number.NaN);
      return;
    }
    const { values, stamps } = this.originals();
    for (let i = 0; i < n; i++) if (flags[i]) this.output.collect(values[i], stamps[i]!);
  }
}

/** timestamp-extractor-operator: re-stamps each record (NaN keeps its timestamp). */
export class TimestampComponentOperator extends ComponentOperator<unknown, unknown> {
  override get acceptsPacked(): boolean {
    return true;
  }
  protected flushRecords(): void {
    const n = this.count;
    let ts: (number | undefined)[];
    try {
      ts = this.component.batch("extract-timestamps", this.input(), decodeTimestamps);
      if (ts.length !== n) throw new RangeError(`${ts.length} timestamps for ${n} records`);
    } catch (e) {
      throw badOutput(this.component, "extract-timestamps", e, this.context.operatorName);
    }
    const { values, stamps } = this.originals();
    for (let i = 0; i < n; i++) this.output.collect(values[i], ts[i] ?? stamps[i]!);
  }
}

/** key-selector-operator: emits `{ key, value }` (keys are the guest's bytes as UTF-8 strings). */
export class KeySelectorComponentOperator extends ComponentOperator<unknown, KeyedRecord<unknown>> {
  override get acceptsPacked(): boolean {
    return true;
  }
  protected flushRecords(): void {
    const n = this.count;
    let keys: string[];
    try {
      keys = this.component.batch("select-keys", this.input(), (out) => decodeBlobs(out).map((k) => utf8String(k, 0, k.length)));
      if (keys.length !== n) throw new RangeError(`${keys.length} keys for ${n} records`);
    } catch (e) {
      throw badOutput(this.component, "select-keys", e, this.context.operatorName);
    }
    const { values, stamps } = this.originals();
    for (let i = 0; i < n; i++) this.output.collect({ key: keys[i]!, value: values[i] }, stamps[i]!);
  }
}

/**
 * keyed-process-operator. Each record carries the backend's current key (as UTF-8 text of
 * `String(key)`); the guest's state reads and writes go to one ValueState per state name (bytes
 * kept as latin1 strings) under that key, and its timers to Eddy's timer service (void
 * namespace). Fired timers are buffered like records and sent in one `on-timers` call.
 */
export class KeyedProcessComponentOperator extends ComponentOperator<unknown, unknown> {
  private readonly states = new Map<string, ValueState<string>>();
  /** Keys of the batch in flight, by their text. */
  private keys = new Map<string, Key>();
  private timers: { key: string; time: number; domain: TimeDomain }[] = [];
  private readonly timerWriter = new ByteWriter(4096);

  constructor(source: ComponentSource, world: WorldName) {
    super(source, world, true);
  }

  protected override get emitsPacked(): boolean {
    return true;
  }

  override setup(context: OperatorContext<unknown>): void {
    if (context.keyed === undefined) {
      throw new WasmOperatorError("WASM_WRONG_WORLD", this.source.name, this.world, "a keyed-process component runs on a keyed stream; call keyBy(...) before process(...)");
    }
    super.setup(context);
  }

  protected override host(): KeyedProcessHost {
    return {
      read: (requests) => this.readState(requests),
      write: (writes) => this.writeState(writes),
      updateTimers: (updates) => this.updateTimers(updates),
    };
  }

  override processElement(value: unknown, timestamp: number): void {
    if (this.timers.length > 0) this.flushTimers();
    const key = this.context.keyed!.getCurrentKey();
    const text = typeof key === "string" ? key : String(key);
    this.keys.set(text, key);
    this.appendRecord(text, value, timestamp);
    if (this.count >= MAX_BATCH) this.flush();
  }

  onEventTime(timer: Timer): void {
    this.bufferTimer(timer, EVENT_TIME);
  }

  onProcessingTime(timer: Timer): void {
    this.bufferTimer(timer, PROCESSING_TIME);
  }

  private bufferTimer(timer: Timer, domain: TimeDomain): void {
    if (this.count > 0) this.flush();
    const text = typeof timer.key === "string" ? timer.key : String(timer.key);
    this.keys.set(text, timer.key);
    this.timers.push({ key: text, time: timer.timestamp, domain });
    if (this.timers.length >= MAX_BATCH) this.flushTimers();
  }

  override flush(): void {
    if (this.count > 0) this.withKeyRestored(() => super.flush());
    if (this.timers.length > 0) this.flushTimers();
  }

  protected override reset(): void {
    super.reset();
    this.keys = new Map();
  }

  private header(w: ByteWriter, at: number): void {
    w.view.setFloat64(at, this.context.currentWatermark(), true);
    w.view.setFloat64(at + 8, this.context.processingTime.clock.now(), true);
  }

  protected flushRecords(): void {
    this.header(this.writer, 0);
    this.component.batch("process-batch", this.input(), (out) => this.emitBatch(out, "process-batch"));
  }

  private flushTimers(): void {
    const timers = this.timers;
    this.timers = [];
    this.withKeyRestored(() => {
      try {
        const w = this.timerWriter.reset();
        w.f64(0);
        w.f64(0);
        this.header(w, 0);
        w.u32(timers.length);
        for (const t of timers) {
          w.lengthPrefixed(t.key);
          w.f64(t.time);
          w.u8(t.domain);
        }
        this.component.batch("on-timers", w.finish(), (out) => this.emitBatch(out, "on-timers"));
      } finally {
        this.keys = new Map();
      }
    });
  }

  /** State access moves the backend's key; put it back for whoever called us (timer loop, record). */
  private withKeyRestored(run: () => void): void {
    const keyed = this.context.keyed!;
    const saved = keyed.getCurrentKey() as Key | undefined;
    try {
      run();
    } finally {
      if (saved !== undefined) keyed.backend.setCurrentKey(saved);
    }
  }

  private keyOf(bytes: Uint8Array, what: string): Key {
    const text = utf8String(bytes, 0, bytes.length);
    const key = this.keys.get(text);
    if (key === undefined) {
      throw new WasmOperatorError("WASM_BAD_OUTPUT", this.source.name, this.world,
        `${what} for key "${text.slice(0, 80)}", which is not in the batch (a keyed-process guest may only use the keys of the records and timers it was given)`, undefined, this.context.operatorName);
    }
    return key;
  }

  private state(name: string): ValueState<string> {
    let s = this.states.get(name);
    if (s === undefined) {
      s = this.context.keyed!.backend.getState(new ValueStateDescriptor<string>(name));
      this.states.set(name, s);
    }
    return s;
  }

  private readState(requests: Uint8Array): Uint8Array {
    const backend = this.context.keyed!.backend;
    const out = decodeStateRequests(requests).map((r) => {
      backend.setCurrentKey(this.keyOf(r.key, `state read of "${r.name}"`));
      const v = this.state(r.name).value();
      return v === undefined ? undefined : latin1ToBytes(v);
    });
    return encodeStateValues(out);
  }

  private writeState(writes: Uint8Array): void {
    const backend = this.context.keyed!.backend;
    for (const w of decodeStateWrites(writes)) {
      backend.setCurrentKey(this.keyOf(w.key, `state write of "${w.name}"`));
      if (w.value === undefined) this.state(w.name).clear();
      else this.state(w.name).update(bytesToLatin1(w.value));
    }
  }

  private updateTimers(updates: Uint8Array): void {
    const keyed = this.context.keyed!;
    for (const u of decodeTimerUpdates(updates)) {
      if (Number.isNaN(u.time)) throw new WasmOperatorError("WASM_BAD_OUTPUT", this.source.name, this.world, "timer update without a time (NaN)", undefined, this.context.operatorName);
      keyed.backend.setCurrentKey(this.keyOf(u.key, "timer update"));
      const t = keyed.timers;
      if (u.domain === EVENT_TIME) {
        if (u.register) t.registerEventTimeTimer(VOID_NAMESPACE, u.time);
        else t.deleteEventTimeTimer(VOID_NAMESPACE, u.time);
      } else if (u.register) t.registerProcessingTimeTimer(VOID_NAMESPACE, u.time);
      else t.deleteProcessingTimeTimer(VOID_NAMESPACE, u.time);
    }
  }
}
