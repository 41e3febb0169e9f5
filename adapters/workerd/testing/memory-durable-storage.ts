/**
 * Durable Object storage in memory, with the key-value API's semantics that matter to Eddy:
 * values are copied (structured clone) on put and get, keys list in order, alarms are recorded.
 * For unit tests; the real thing runs in workerd (the edge tests).
 */
import type { DurableObjectStorage } from "../durable-object.ts";

/** Key-value storage of one object, in memory. */
export class MemoryDurableStorage implements DurableObjectStorage {
  readonly data: Map<string, unknown> = new Map();
  alarm: number | null = null;
  /** Calls of put, for tests that count writes. */
  puts = 0;

  get<T = unknown>(key: string): Promise<T | undefined>;
  get<T = unknown>(keys: string[]): Promise<Map<string, T>>;
  async get<T>(key: string | string[]): Promise<T | undefined | Map<string, T>> {
    if (Array.isArray(key)) {
      const out = new Map<string, T>();
      for (const k of key) if (this.data.has(k)) out.set(k, structuredClone(this.data.get(k)) as T);
      return out;
    }
    return this.data.has(key) ? (structuredClone(this.data.get(key)) as T) : undefined;
  }

  put<T>(key: string, value: T): Promise<void>;
  put<T>(entries: Record<string, T>): Promise<void>;
  async put<T>(key: string | Record<string, T>, value?: T): Promise<void> {
    this.puts++;
    if (typeof key === "string") this.data.set(key, structuredClone(value));
    else for (const [k, v] of Object.entries(key)) this.data.set(k, structuredClone(v));
  }

  delete(key: string): Promise<boolean>;
  delete(keys: string[]): Promise<number>;
  async delete(key: string | string[]): Promise<boolean | number> {
    if (Array.isArray(key)) {
      let n = 0;
      for (const k of key) if (this.data.delete(k)) n++;
      return n;
    }
    return this.data.delete(key);
  }

  async list<T = unknown>(options: { prefix?: string; start?: string; startAfter?: string; end?: string; limit?: number; reverse?: boolean } = {}): Promise<Map<string, T>> {
    let keys = [...this.data.keys()].sort();
    if (options.prefix !== undefined) keys = keys.filter((k) => k.startsWith(options.prefix!));
    if (options.start !== undefined) keys = keys.filter((k) => k >= options.start!);
    if (options.startAfter !== undefined) keys = keys.filter((k) => k > options.startAfter!);
    if (options.end !== undefined) keys = keys.filter((k) => k < options.end!);
    if (options.reverse === true) keys.reverse();
    if (options.limit !== undefined) keys = keys.slice(0, options.limit);
    return new Map(keys.map((k) => [k, structuredClone(this.data.get(k)) as T]));
  }

  async getAlarm(): Promise<number | null> {
    return this.alarm;
  }

  async setAlarm(time: number | Date): Promise<void> {
    this.alarm = typeof time === "number" ? time : time.getTime();
  }

  async deleteAlarm(): Promise<void> {
    this.alarm = null;
  }

  async deleteAll(): Promise<void> {
    this.data.clear();
  }
}
