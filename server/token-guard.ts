/**
 * The API's bearer token (Hono's bearer-auth), for eddy/server and the edge alike: every request
 * needs it except reads of the dashboard page (it holds no data and asks for the token) and of
 * the API description (what a client needs to find the token scheme), or every read with
 * `publicReads`. A WebSocket upgrade is a GET but no read: it carries records in.
 */
import type { Context, MiddlewareHandler } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { checkArgument } from "../core/errors.ts";
import { HttpError, errorBody } from "./errors.ts";

/** What Hono's bearer-auth accepts as a token (RFC 6750's b64token). */
const BEARER_TOKEN = /^[A-Za-z0-9._~+/-]+=*$/;

/** The middleware that asks for `token`; throws when `token` cannot be a bearer token. */
export function tokenGuard(token: string, publicReads = false): MiddlewareHandler {
  checkArgument(BEARER_TOKEN.test(token), "[eddy] the API token (EDDY_TOKEN) must be letters, digits and . _ ~ + / - (optionally ending in =), as a bearer token is");
  const deny = (status: 400 | 401 | 403, message: string) => (c: Context) => c.json(errorBody(new HttpError(status, message)), status);
  const guard = bearerAuth({
    token,
    realm: "eddy",
    noAuthenticationHeader: { message: deny(401, "[eddy] this request needs a bearer token: send Authorization: Bearer <token>") },
    invalidAuthenticationHeader: { message: deny(400, '[eddy] the Authorization header is malformed: expected "Bearer <token>"') },
    invalidToken: { message: deny(403, "[eddy] the bearer token is not valid for this server") },
  });
  return (c, next) => {
    const read = (c.req.method === "GET" || c.req.method === "HEAD") && c.req.header("upgrade")?.toLowerCase() !== "websocket";
    const open = read && (publicReads || c.req.path === "/" || c.req.path === "/openapi.json");
    return open ? next() : guard(c, next);
  };
}
