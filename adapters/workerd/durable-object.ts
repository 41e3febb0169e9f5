/**
 * The parts of the Durable Object platform (workerd, Cloudflare) that Eddy's edge runtime uses,
 * declared minimally so nothing here depends on a runtime's type package. The Worker's entry
 * module passes the platform's `DurableObject` class in (see createEdgeWorker): Eddy's modules
 * never import `cloudflare:*` themselves, so they load and type-check anywhere.
 */

/** Durable Object storage (the key-value API, on SQLite-backed or KV-backed objects). */
export interface DurableObjectStorage {
  get<T = unknown>(key: string): Promise<T | undefined>;
  get<T = unknown>(keys: string[]): Promise<Map<string, T>>;
  put<T>(key: string, value: T): Promise<void>;
  put<T>(entries: Record<string, T>): Promise<void>;
  delete(key: string): Promise<boolean>;
  delete(keys: string[]): Promise<number>;
  list<T = unknown>(options?: { prefix?: string; start?: string; startAfter?: string; end?: string; limit?: number; reverse?: boolean }): Promise<Map<string, T>>;
  getAlarm(): Promise<number | null>;
  setAlarm(scheduledTime: number | Date): Promise<void>;
  deleteAlarm(): Promise<void>;
  deleteAll(): Promise<void>;
}

/** A WebSocket as a Durable Object holds it (hibernation API). */
export interface DurableWebSocket {
  send(message: string | ArrayBuffer): void;
  close(code?: number, reason?: string): void;
  serializeAttachment(value: unknown): void;
  deserializeAttachment(): unknown;
}

/** What a Durable Object is given: its storage and the object's own controls. */
export interface DurableObjectState {
  readonly storage: DurableObjectStorage;
  blockConcurrencyWhile<T>(callback: () => Promise<T>): Promise<T>;
  acceptWebSocket(ws: DurableWebSocket, tags?: string[]): void;
}

/** An object's id within its namespace. */
export interface DurableObjectId {
  toString(): string;
}

/** A binding to a Durable Object class: names map to objects. */
export interface DurableObjectNamespace<T = unknown> {
  idFromName(name: string): DurableObjectId;
  get(id: DurableObjectId): T & { fetch(request: Request): Promise<Response> };
}

/**
 * The platform's base class of Durable Objects with RPC (`DurableObject` from
 * `cloudflare:workers`): subclasses get `ctx` and `env`, and their public methods can be called
 * on stubs.
 */
export type DurableObjectBase = abstract new (ctx: DurableObjectState, env: any) => object;

/** The WebSocketPair constructor of workerd, when the Worker accepts WebSockets. */
export type WebSocketPairConstructor = new () => { 0: unknown; 1: DurableWebSocket };
