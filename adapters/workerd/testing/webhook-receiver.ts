/**
 * A webhook receiver for the edge tests: a local HTTP server that keeps the idempotency keys it
 * has seen, as a receiver taking a webhook sink's requests exactly once must. It takes each
 * key's records once and counts the requests sent again under a known key. `GET` answers how
 * many records it has taken (`{ "records": n }`), for a job's side that watches its progress.
 * It can refuse one request (503, taking nothing), as a receiver that is down for a moment does.
 */
import { type IncomingMessage, type Server, createServer } from "node:http";

/** A local receiver of webhook requests. */
export class WebhookReceiver {
  /** Records by idempotency key, in arrival order of the first request of each key. */
  readonly byKey = new Map<string, unknown[]>();
  /** Requests that came again under a key seen before. */
  repeated = 0;
  /** Requests under a known key whose records differ from the first ones (a broken exactly-once). */
  conflicting = 0;
  /** Requests without an idempotency key (a sink that is not exactly once would send them). */
  withoutKey = 0;
  /** Requests answered 503. */
  refused = 0;
  private posts = 0;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  /** Starts a receiver; with `refuse`, it answers that request (counted from 1) 503 and takes nothing from it. */
  static async start(options: { readonly refuse?: number } = {}): Promise<WebhookReceiver> {
    let receiver!: WebhookReceiver;
    const server = createServer((req, res) => {
      if (req.method === "GET") {
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ records: receiver.records.length }));
        return;
      }
      void body(req).then((text) => {
        if (++receiver.posts === options.refuse) {
          receiver.refused++;
          res.writeHead(503, { "content-type": "application/json" }).end('{"error":"unavailable for a moment"}');
          return;
        }
        const key = req.headers["idempotency-key"];
        if (typeof key !== "string") receiver.withoutKey++;
        else {
          const records = (JSON.parse(text) as { records: unknown[] }).records;
          const seen = receiver.byKey.get(key);
          if (seen === undefined) receiver.byKey.set(key, records);
          else {
            receiver.repeated++;
            if (JSON.stringify(seen) !== JSON.stringify(records)) receiver.conflicting++;
          }
        }
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    receiver = new WebhookReceiver(server, `http://127.0.0.1:${port}/hook`);
    return receiver;
  }

  /** Every record taken, once per key. */
  get records(): unknown[] {
    return [...this.byKey.values()].flat();
  }

  /** Resolves once `count` records are taken or `timeoutMs` has passed (the caller checks what came). */
  async waitForRecords(count: number, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.records.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    req.on("data", (c: Uint8Array) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
