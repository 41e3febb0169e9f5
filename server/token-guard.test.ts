/**
 * The bearer token on WebSocket upgrades: a browser cannot set an Authorization header on a
 * WebSocket, so it may carry the token as a subprotocol (base64url after "eddy.bearer."), offered
 * beside "eddy.ingest". Wrong or malformed tokens are refused as in a header, with messages that
 * say what was wrong; plain requests keep needing the header.
 */
import { Hono } from "hono";
import { describe, expect, test } from "vitest";
import { BEARER_PROTOCOL_PREFIX, INGEST_PROTOCOL, tokenGuard } from "./token-guard.ts";

const TOKEN = "s3cret/token+with=";
const base64url = (s: string): string => Buffer.from(s, "utf8").toString("base64url");

function app(): Hono {
  const a = new Hono();
  a.use("*", tokenGuard(TOKEN));
  a.get("/jobs/:id/ingest/:source", (c) => c.text("upgraded"));
  a.get("/jobs", (c) => c.text("jobs"));
  return a;
}

async function upgrade(headers: Record<string, string>): Promise<{ status: number; body: any }> {
  const res = await app().request("/jobs/j/ingest/readings", { headers: { upgrade: "websocket", ...headers } });
  const text = await res.text();
  return { status: res.status, body: res.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text };
}

describe("the bearer token on WebSocket upgrades", () => {
  test("a token carried as a subprotocol opens the socket", async () => {
    const r = await upgrade({ "sec-websocket-protocol": `${INGEST_PROTOCOL}, ${BEARER_PROTOCOL_PREFIX}${base64url(TOKEN)}` });
    expect(r).toEqual({ status: 200, body: "upgraded" });
  });

  test("the Authorization header still works on an upgrade", async () => {
    expect(await upgrade({ authorization: `Bearer ${TOKEN}` })).toEqual({ status: 200, body: "upgraded" });
    expect(await upgrade({ authorization: `Bearer ${TOKEN}`, "sec-websocket-protocol": INGEST_PROTOCOL })).toEqual({ status: 200, body: "upgraded" });
  });

  test("a wrong token in the subprotocol is refused 403", async () => {
    const r = await upgrade({ "sec-websocket-protocol": `${INGEST_PROTOCOL}, ${BEARER_PROTOCOL_PREFIX}${base64url("s3cret/token+with")}` });
    expect(r.status).toBe(403);
    expect(r.body).toEqual({ errors: ["[eddy] the bearer token is not valid for this server"] });
  });

  test("a token that is not base64url is refused 400, naming the encoding", async () => {
    const r = await upgrade({ "sec-websocket-protocol": `${INGEST_PROTOCOL}, ${BEARER_PROTOCOL_PREFIX}${TOKEN}` });
    expect(r.status).toBe(400);
    expect(r.body.errors[0]).toContain("must hold the bearer token in base64url");
  });

  test("a token offered without the ingest protocol is refused 400: the answer could only name the token", async () => {
    const r = await upgrade({ "sec-websocket-protocol": `${BEARER_PROTOCOL_PREFIX}${base64url(TOKEN)}` });
    expect(r.status).toBe(400);
    expect(r.body.errors[0]).toContain(`must offer "${INGEST_PROTOCOL}" too`);
  });

  test("an upgrade without any token is told both ways to send one", async () => {
    const r = await upgrade({ "sec-websocket-protocol": INGEST_PROTOCOL });
    expect(r.status).toBe(401);
    expect(r.body.errors[0]).toContain("Authorization: Bearer <token>");
    expect(r.body.errors[0]).toContain(`"${BEARER_PROTOCOL_PREFIX}<the token in base64url>"`);
  });

  test("outside upgrades the subprotocol header carries no token", async () => {
    const res = await app().request("/jobs", { headers: { "sec-websocket-protocol": `${INGEST_PROTOCOL}, ${BEARER_PROTOCOL_PREFIX}${base64url(TOKEN)}` } });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ errors: ["[eddy] this request needs a bearer token: send Authorization: Bearer <token>"] });
  });
});
