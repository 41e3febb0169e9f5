/**
 * `GET /openapi.json`, generated from the routes themselves: each route in app.ts carries a
 * {@link describe} middleware naming its summary, request body and the schema of every status it
 * answers, and hono-openapi collects them from the app. Request bodies are described by the same
 * zod schemas that validate them; responses by server/response-schemas.ts.
 */
import type { Hono, MiddlewareHandler } from "hono";
import { type DescribeRouteOptions, describeRoute, generateSpecs, resolver } from "hono-openapi";
import { z } from "zod";
import { JobSpec } from "./job-spec.ts";
import { CheckpointRequest, SavepointRequest, StopRequest } from "./request-bodies.ts";
import { ErrorBody } from "./response-schemas.ts";

/** What each error status means, wherever it is answered. */
const ERROR_TEXT = {
  400: "Invalid request (`fields` names each bad field and what was expected), or a malformed Authorization header",
  401: "Missing bearer token (the server has a token)",
  403: "Wrong bearer token",
  404: "Unknown job, vertex, checkpoint, artifact, trigger or TaskManager, or checkpointing is not enabled for the job",
  409: "The job's state does not allow it (it has ended, or runs without checkpointing)",
  413: "Body too large",
  429: "The server runs as many jobs, or task slots, as it is allowed to (the message names the limit)",
  501: "Not available on this server or runtime (WebAssembly components or Kafka)",
} as const;
type ErrorStatus = keyof typeof ERROR_TEXT;

/** A response: a zod schema for JSON, or a media type with a plain schema. */
type Body = z.ZodType | { readonly media: string; readonly schema: object };

/** How one route is described. */
export interface RouteDoc {
  readonly summary: string;
  /** JSON bodies by success status. */
  readonly ok: Partial<Record<200 | 201 | 202, readonly [description: string, body: Body]>>;
  /** Error statuses the route answers besides the token's (401, 403 and a malformed header's 400). */
  readonly errors?: readonly ErrorStatus[];
  /** Needs no token (the dashboard page and this document). */
  readonly open?: boolean;
  readonly query?: readonly { readonly name: string; readonly description: string; readonly schema: object }[];
  readonly body?: { readonly required: boolean; readonly content: Record<string, { schema: object }> };
}

const content = (body: Body) =>
  body instanceof z.ZodType ? { "application/json": { schema: resolver(body) } } : { [body.media]: { schema: body.schema } };

/** The middleware that describes a route for `/openapi.json`. */
export function describe(doc: RouteDoc): MiddlewareHandler {
  const responses: NonNullable<DescribeRouteOptions["responses"]> = {};
  for (const [status, [description, body]] of Object.entries(doc.ok) as [string, readonly [string, Body]][]) responses[status] = { description, content: content(body) };
  const errors = new Set<ErrorStatus>(doc.errors ?? []);
  if (doc.open !== true) for (const s of [400, 401, 403] as const) errors.add(s);
  for (const s of [...errors].sort()) responses[String(s)] = { description: ERROR_TEXT[s], content: content(ErrorBody) };
  return describeRoute({
    summary: doc.summary,
    ...(doc.open === true ? { security: [] } : { security: [{ bearer: [] }] }),
    ...(doc.query !== undefined ? { parameters: doc.query.map((q) => ({ name: q.name, in: "query" as const, required: false, description: q.description, schema: q.schema })) } : {}),
    ...(doc.body !== undefined ? { requestBody: doc.body } : {}),
    responses,
  });
}

const jsonSchema = (schema: z.ZodType): object => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  return rest;
};

/** A JSON request body described by a component schema. */
export const requestBody = (name: "JobSpec" | "SavepointRequest" | "StopRequest" | "CheckpointRequest", required: boolean): RouteDoc["body"] => ({
  required,
  content: { "application/json": { schema: { $ref: `#/components/schemas/${name}` } } },
});

/** The OpenAPI 3.1 document of `app`, from the descriptions its routes carry. */
export async function openApiDocument(app: Hono, version: string): Promise<object> {
  return generateSpecs(app, {
    excludeStaticFile: false,
    documentation: {
      openapi: "3.1.0",
      info: {
        title: "Eddy REST API",
        version,
        description: "Flink's REST API v1 paths and shapes where the concept is the same, plus Eddy's job specs and WebAssembly artifacts.",
      },
      components: {
        securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
        schemas: {
          JobSpec: jsonSchema(JobSpec),
          SavepointRequest: jsonSchema(SavepointRequest),
          StopRequest: jsonSchema(StopRequest),
          CheckpointRequest: jsonSchema(CheckpointRequest),
        },
      },
    },
  });
}
