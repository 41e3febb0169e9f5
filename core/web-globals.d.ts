/**
 * The Web-standard globals core/ may use, declared minimally (Hono's habit) so that core is
 * type-checked without any runtime's type package: Node, Deno, Bun and workerd all provide these.
 * Only core/tsconfig.json includes this file; the root tsconfig gets the same names from @types/node.
 * Add a global here only if every runtime has it (workerd included).
 */

interface Console {
  log(...data: unknown[]): void;
  info(...data: unknown[]): void;
  warn(...data: unknown[]): void;
  error(...data: unknown[]): void;
  debug(...data: unknown[]): void;
}
declare var console: Console;

/**
 * Timer handles differ per runtime (a number on Deno and workerd, an object on Node and Bun):
 * keep them as `ReturnType<typeof setTimeout>` and never do arithmetic on them.
 */
declare function setTimeout(callback: (...args: any[]) => void, ms?: number, ...args: any[]): number;
declare function clearTimeout(id: ReturnType<typeof setTimeout> | undefined): void;
declare function setInterval(callback: (...args: any[]) => void, ms?: number, ...args: any[]): number;
declare function clearInterval(id: ReturnType<typeof setInterval> | undefined): void;
declare function queueMicrotask(callback: () => void): void;
declare function structuredClone<T>(value: T, options?: { transfer?: unknown[] }): T;

interface Performance {
  /** Milliseconds since the time origin, monotonic. workerd advances it only across I/O. */
  now(): number;
}
declare var performance: Performance;

interface TextEncoder {
  readonly encoding: string;
  encode(input?: string): Uint8Array;
  encodeInto(source: string, destination: Uint8Array): { read: number; written: number };
}
declare var TextEncoder: { prototype: TextEncoder; new (): TextEncoder };

interface TextDecodeOptions {
  stream?: boolean;
}
interface TextDecoderOptions {
  fatal?: boolean;
  ignoreBOM?: boolean;
}
interface TextDecoder {
  readonly encoding: string;
  readonly fatal: boolean;
  readonly ignoreBOM: boolean;
  decode(input?: ArrayBuffer | ArrayBufferView, options?: TextDecodeOptions): string;
}
declare var TextDecoder: { prototype: TextDecoder; new (label?: string, options?: TextDecoderOptions): TextDecoder };

interface MessageEvent<T = any> {
  readonly data: T;
}
/** Only what Node's global MessagePort also types: use `addEventListener`, not `onmessage`. */
interface MessagePort {
  postMessage(message: unknown): void;
  addEventListener(type: "message", listener: (event: MessageEvent) => void): void;
  removeEventListener(type: "message", listener: (event: MessageEvent) => void): void;
  start(): void;
  close(): void;
}
interface MessageChannel {
  readonly port1: MessagePort;
  readonly port2: MessagePort;
}
declare var MessageChannel: { prototype: MessageChannel; new (): MessageChannel };

/** Web Crypto's random bytes only (no subtle). workerd forbids calling it at module load. */
interface Crypto {
  getRandomValues<T extends Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array>(array: T): T;
  randomUUID(): `${string}-${string}-${string}-${string}-${string}`;
}
declare var crypto: Crypto;
