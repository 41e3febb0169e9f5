/**
 * A webhook sink: records are POSTed as JSON to a URL, exactly once through two-phase commit.
 * A transaction holds the records between two checkpoint barriers; it is pre-committed at the
 * barrier (its records go into the checkpoint) and sent when the checkpoint completes, in
 * requests of at most `maxRecordsPerRequest` records. Every request carries an
 * `Idempotency-Key` made of the job, the subtask, the checkpoint and the request's position in
 * it: after a failure the restored job sends a completed checkpoint's requests again under the
 * same keys and with the same records, so a receiver that keeps the keys it has seen (as
 * Stripe's API does) takes each record exactly once. Requests are retried with exponential
 * backoff on network errors, 408, 425, 429 and 5xx answers (a Retry-After is honoured); other
 * answers fail the job, naming the URL and the answer.
 *
 * It uses only `fetch`, so it works on every runtime; on the edge the job's id becomes the key
 * prefix unless one is given.
 */
import { EddyError } from "../../core/index.ts";
import type { TransactionContext, TwoPhaseCommitLogic, TwoPhaseCommitSink } from "../../core/index.ts";
import type { EdgeBinding, EdgeConnector } from "./edge-binding.ts";

/** Options of {@link WebhookSink}. */
export interface WebhookSinkOptions {
  readonly url: string;
  /** Extra request headers (an Authorization header, say). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Records per request (default 1000). */
  readonly maxRecordsPerRequest?: number;
  /**
   * Starts every idempotency key; unique per job, the same across its restarts. Default on the
   * edge: the job's id; elsewhere it must be given.
   */
  readonly idempotencyKeyPrefix?: string;
  /** Attempts per request before the job fails (default 10). */
  readonly attempts?: number;
  /** First backoff between attempts, ms (default 100; doubles up to `maxBackoffMs`). */
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Time one request may take, ms (default 30 000). */
  readonly timeoutMs?: number;
}

/** A transaction of one subtask: its records, and once pre-committed, its checkpoint. */
export interface WebhookTransaction {
  readonly subtask: number;
  readonly records: unknown[];
  checkpointId: number | undefined;
}

/** What a webhook request's body holds. */
export interface WebhookBody {
  readonly records: readonly unknown[];
  readonly checkpoint: number;
  readonly subtask: number;
  /** This request's position among the checkpoint's requests of this subtask, from 0. */
  readonly part: number;
  readonly parts: number;
}

const RETRIED = new Set([408, 425, 429]);

/** Records POSTed to a URL, exactly once (see the module comment). */
export class WebhookSink<T> implements TwoPhaseCommitSink<T, WebhookTransaction>, EdgeConnector {
  readonly kind = "two-phase-commit" as const;
  readonly name: string;
  private prefix: string | undefined;

  constructor(private readonly options: WebhookSinkOptions) {
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      throw new EddyError(`[eddy] a webhook sink needs an absolute http(s) URL, got "${options.url}"`, { code: "INVALID_ARGUMENT", domain: "user", retryable: false });
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new EddyError(`[eddy] a webhook sink needs an http(s) URL, got "${options.url}"`, { code: "INVALID_ARGUMENT", domain: "user", retryable: false });
    const per = options.maxRecordsPerRequest ?? 1000;
    if (!Number.isInteger(per) || per < 1) throw new EddyError(`[eddy] maxRecordsPerRequest must be an integer >= 1, got ${per}`, { code: "INVALID_ARGUMENT", domain: "user", retryable: false });
    this.prefix = options.idempotencyKeyPrefix;
    this.name = `Webhook ${url.host}${url.pathname}`;
  }

  bindEdge(binding: EdgeBinding): void {
    this.prefix ??= binding.jobId;
  }

  createLogic(context: TransactionContext): TwoPhaseCommitLogic<T, WebhookTransaction> {
    const prefix = this.prefix;
    if (prefix === undefined) {
      throw new EddyError(`[eddy] ${this.name}: give idempotencyKeyPrefix (unique per job, the same across its restarts), so a receiver can tell a request sent again from a new one`, { code: "INVALID_ARGUMENT", domain: "user", retryable: false });
    }
    const o = this.options;
    const per = o.maxRecordsPerRequest ?? 1000;
    return {
      beginTransaction: () => ({ subtask: context.subtaskIndex, records: [], checkpointId: undefined }),
      write: (txn, value) => {
        txn.records.push(value);
      },
      preCommit: (txn, checkpointId) => {
        txn.checkpointId = checkpointId;
      },
      commit: async (txn) => {
        const parts = Math.ceil(txn.records.length / per);
        for (let part = 0; part < parts; part++) {
          const body: WebhookBody = { records: txn.records.slice(part * per, (part + 1) * per), checkpoint: txn.checkpointId!, subtask: txn.subtask, part, parts };
          await this.post(`${prefix}/${txn.subtask}/${txn.checkpointId}/${part}`, JSON.stringify(body));
        }
      },
      // Nothing was sent: an aborted transaction's records are dropped (the restored job reads them again).
      abort: () => {},
    };
  }

  private async post(key: string, body: string): Promise<void> {
    const o = this.options;
    const attempts = o.attempts ?? 10;
    let backoff = o.initialBackoffMs ?? 100;
    const maxBackoff = o.maxBackoffMs ?? 10_000;
    for (let attempt = 1; ; attempt++) {
      let wait: number | undefined;
      let why: string;
      try {
        const res = await fetch(o.url, {
          method: "POST",
          headers: { "content-type": "application/json", ...o.headers, "idempotency-key": key },
          body,
          signal: AbortSignal.timeout(o.timeoutMs ?? 30_000),
        });
        const text = await res.text();
        if (res.ok) return;
        why = `answered ${res.status}${text === "" ? "" : `: ${text.slice(0, 200)}`}`;
        if (!RETRIED.has(res.status) && res.status < 500) {
          throw new EddyError(`[eddy] ${this.name}: ${o.url} ${why} (request ${key}); only 2xx is taken as delivered, and this answer is not retried`, { code: "WEBHOOK_REFUSED", domain: "external", retryable: false });
        }
        const after = Number(res.headers.get("retry-after"));
        if (Number.isFinite(after) && after >= 0) wait = after * 1000;
      } catch (error) {
        if (error instanceof EddyError) throw error;
        why = `could not be reached: ${error instanceof Error ? error.message : String(error)}`;
      }
      if (attempt >= attempts) {
        throw new EddyError(`[eddy] ${this.name}: ${o.url} ${why} (request ${key}, ${attempt} attempts)`, { code: "WEBHOOK_FAILED", domain: "external", retryable: true });
      }
      await new Promise((r) => setTimeout(r, wait ?? backoff));
      backoff = Math.min(maxBackoff, backoff * 2);
    }
  }
}
