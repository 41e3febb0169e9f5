/**
 * The API's bearer token (Hono's bearer-auth), for eddy/server and the edge alike: every request
 * needs it except reads of the dashboard page (it holds no data and asks for the token) and of
 * the API description (what a client needs to find the token scheme), or every read with
 * `publicReads`. A WebSocket upgrade is a GET but no read: it carries records in. Browsers cannot
 * set headers on a WebSocket, so an upgrade may carry the token as a subprotocol instead
 * ({@link BEARER_PROTOCOL_PREFIX}), offered beside {@link INGEST_PROTOCOL}, which the answer names.
 */
import type { Context, MiddlewareHandler } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { checkArgument } from "../core/errors.ts";
import { HttpError, errorBody } from "./errors.ts";

/** What Hono's bearer-auth accepts as a token (RFC 6750's b64token). */
const BEARER_TOKEN = /^[A-Za-z0-9._~+/-]+=*$/;

/** The WebSocket subprotocol of ingest sockets: a server that took the socket names it in its answer. */
export const INGEST_PROTOCOL = "eddy.ingest";
/**
 * A subprotocol that carries the bearer token, base64url without padding after this prefix (a
 * subprotocol may not hold `/` or `=`), for WebSocket clients that cannot send an Authorization
 * header. It is offered with {@link INGEST_PROTOCOL} and never named in the answer:
 * `new WebSocket(url, ["eddy.ingest", "eddy.bearer." + base64url(token)])`.
 */
export const BEARER_PROTOCOL_PREFIX = "eddy.bearer.";

/** The subprotocols a WebSocket upgrade offers (`Sec-WebSocket-Protocol`, comma separated). */
export function offeredProtocols(header: string | undefined): string[] {
  return header === undefined ? [] : header.split(",").map((p) => p.trim()).filter((p) => p !== "");
}

/** The middleware that asks for `token`; throws when `token` cannot be a bearer token. */
export function tokenGuard(token: string, publicReads = false): MiddlewareHandler {
  checkArgument(BEARER_TOKEN.test(token), "[eddy] the API token (EDDY_TOKEN) must be letters, digits and . _ ~ + / - (optionally ending in =), as a bearer token is");
  const deny = (status: 400 | 401 | 403, message: string) => (c: Context) => c.json(errorBody(new HttpError(status, message)), status);
  const guarded = (missing: string) =>
    bearerAuth({
      token,
      realm: "eddy",
      noAuthenticationHeader: { message: deny(401, missing) },
      invalidAuthenticationHeader: { message: deny(400, '[eddy] the Authorization header is malformed: expected "Bearer <token>"') },
      invalidToken: { message: deny(403, "[eddy] the bearer token is not valid for this server") },
    });
  const guard = guarded("[eddy] this request needs a bearer token: send Authorization: Bearer <token>");
  const socketGuard = guarded(
    `[eddy] this WebSocket needs a bearer token: send Authorization: Bearer <token>, or (from a browser) offer the subprotocols "${INGEST_PROTOCOL}" and "${BEARER_PROTOCOL_PREFIX}<the token in base64url>"`,
  );
  return async (c, next) => {
    const upgrade = c.req.header("upgrade")?.toLowerCase() === "websocket";
    const read = (c.req.method === "GET" || c.req.method === "HEAD") && !upgrade;
    if (read && (publicReads || c.req.path === "/" || c.req.path === "/openapi.json")) return next();
    if (!upgrade) return guard(c, next);
    const offered = offeredProtocols(c.req.header("sec-websocket-protocol"));
    const carried = offered.find((p) => p.startsWith(BEARER_PROTOCOL_PREFIX));
    if (carried === undefined || c.req.header("authorization") !== undefined) return socketGuard(c, next);
    if (!offered.includes(INGEST_PROTOCOL)) {
      return deny(400, `[eddy] a WebSocket that carries its token as a subprotocol must offer "${INGEST_PROTOCOL}" too: the answer names that one, never the token`)(c);
    }
    const given = fromBase64Url(carried.slice(BEARER_PROTOCOL_PREFIX.length));
    if (given === undefined) return deny(400, `[eddy] the subprotocol "${BEARER_PROTOCOL_PREFIX}..." must hold the bearer token in base64url (A-Z a-z 0-9 - _, no padding)`)(c);
    if (!(await sameSecret(given, token))) return deny(403, "[eddy] the bearer token is not valid for this server")(c);
    return next();
  };
}

/** The text base64url `s` encodes, if it is base64url. */
function fromBase64Url(s: string): string | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(s) || s.length % 4 === 1) return undefined;
  try {
    return atob(s.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (s.length % 4)) % 4));
  } catch {
    return undefined;
  }
}

/** Compares two secrets in time that does not depend on where they differ (their SHA-256 digests, as Hono's bearer-auth does). */
async function sameSecret(a: string, b: string): Promise<boolean> {
  const encoder = new TextEncoder();
  const [x, y] = await Promise.all([crypto.subtle.digest("SHA-256", encoder.encode(a)), crypto.subtle.digest("SHA-256", encoder.encode(b))]);
  const u = new Uint8Array(x);
  const v = new Uint8Array(y);
  let difference = 0;
  for (let i = 0; i < u.length; i++) difference |= u[i]! ^ v[i]!;
  return difference === 0;
}
