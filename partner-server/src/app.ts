/**
 * Builds the Fastify application: app-wide hooks, the one error handler, and the audiences'
 * plugins (`audiences.ts`), which hold every route and its policy. It does not listen: the
 * CLI does (`cli.ts`), tests call `inject()` or listen on port 0.
 */

import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from "fastify";
import cors from "@fastify/cors";
import { audiences } from "./audiences.js";
import type { AppContext } from "./context.js";
import { LimitsUnavailableError } from "./limits/limiter.js";
import { registerOpenApi } from "./openapi.js";
import { Problem, validationProblem } from "./problems.js";
import { DEFAULT_CSP, HSTS, securityHeaders } from "./security-headers.js";
import { StoreUnavailableError } from "./store/store.js";

declare module "fastify" {
  interface FastifyRequest {
    /** The `code` of the problem this request was answered with, if any (for metrics). */
    problemCode?: string;
  }
}

/** A request id a trusted proxy may hand us: short, printable, nothing a log parser trips on. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Each request's id: the `X-Request-Id` of a trusted proxy (`MINICARD_TRUST_PROXY`) when it is
 * well formed, else a new UUID. It is in every log line of the request (`requestId`), in the
 * `X-Request-Id` response header and in problem+json bodies, so a user's report finds its logs.
 */
function requestIdOf(trustProxy: boolean | number): (raw: IncomingMessage) => string {
  return (raw) => {
    const given = trustProxy ? raw.headers["x-request-id"] : undefined;
    return typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID();
  };
}

/** A problem's body, naming the request it answers. */
function problemBody(problem: Problem, request: FastifyRequest): string {
  return JSON.stringify({ ...problem.toJSON(), requestId: request.id });
}

/** Log levels above `info`: the access log's records are not written, so not built either. */
const QUIET_LEVELS: ReadonlySet<string> = new Set(["warn", "error", "fatal", "silent"]);

/** Largest request body accepted (a card request is well under 4 KB). */
export const BODY_LIMIT = 16 * 1024;

function fastifyProblem(error: FastifyError): Problem | undefined {
  switch (error.code) {
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return new Problem("unsupported_media_type", "send the body as application/json");
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new Problem("payload_too_large", `the body must be at most ${BODY_LIMIT} bytes`);
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return new Problem("malformed_json", "the body is empty");
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return new Problem("malformed_json", "the Content-Length does not match the body");
    default:
      if (error instanceof SyntaxError || error.code === "FST_ERR_CTP_INVALID_JSON_BODY") {
        return new Problem("malformed_json", "the body is not valid JSON");
      }
      if (error.statusCode === 400 && /__proto__|constructor/.test(error.message)) {
        return new Problem("malformed_json", "the body has a forbidden property name");
      }
      return undefined;
  }
}

/**
 * Fastify's proxy trust for `MINICARD_TRUST_PROXY`: the immediate peer and the next `hops - 1`
 * proxies. (Fastify's own numeric option trusts nobody, and `true` trusts every hop, which
 * lets a client choose `request.ip` with its own `X-Forwarded-For`.)
 */
function proxyTrust(setting: boolean | number): boolean | ((address: string, hop: number) => boolean) {
  const hops = setting === true ? 1 : setting;
  return typeof hops === "number" && hops > 0 ? (_address, hop) => hop < hops : false;
}

/** Builds the app over its parts. */
export async function buildApp(context: AppContext, options: { logger?: FastifyServerOptions["logger"] } = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: BODY_LIMIT,
    trustProxy: proxyTrust(context.config.trustProxy),
    requestIdHeader: false,
    genReqId: requestIdOf(context.config.trustProxy),
    // One record per request, written when it is answered (below); Fastify's own are two.
    logController: new LogController({ requestIdLogLabel: "requestId", disableRequestLogging: true }),
    forceCloseConnections: "idle",
    // A request that reached us while shutting down is served (with `Connection: close`),
    // not refused: behind a balancer a refusal would be answered to the client, while the
    // closed listener already sends new connections to other instances.
    return503OnClosing: false,
    routerOptions: { maxParamLength: 200, ignoreTrailingSlash: true },
    // The router answers these before any hook or the error handler runs: keep them problem+json.
    frameworkErrors: (error, request, reply: FastifyReply) => {
      const problem =
        error.code === "FST_ERR_MAX_PARAM_LENGTH"
          ? new Problem("not_found", "no such resource: the id is far too long")
          : error.code === "FST_ERR_BAD_URL"
            ? validationProblem([{ path: "url", message: "is not a valid URL (bad percent-encoding)" }])
            : new Problem("internal_error", "something went wrong on our side");
      reply
        .code(problem.status)
        // No hook runs before this answer, helmet's neither: its two essential headers by hand.
        .header("x-content-type-options", "nosniff")
        .header("content-security-policy", DEFAULT_CSP)
        .header("x-request-id", request.id)
        .type("application/problem+json; charset=utf-8")
        .send(problemBody(problem, request));
    },
  });

  // CORS grants nothing by default: each audience's plugin sets its policy on its own routes
  // (cors.ts). Before every other hook, so preflights are answered before any guard runs.
  await app.register(cors, { hook: "onRequest", origin: false });

  // Security headers (security-headers.ts): the app's set on every answer; the routes that
  // other sites embed or load opt into theirs with the route config `securityHeaders`. The same
  // hook names the request in `X-Request-Id`.
  securityHeaders(app);

  // While closing, requests still arriving on keep-alive connections are served, but each
  // answer closes its connection: otherwise a busy client keeps its connection open and
  // `close()` waits for it until the shutdown timer kills the process (exit 1).
  let closing = false;
  app.addHook("preClose", async () => {
    closing = true;
  });

  // The hooks every request runs take a callback, not a promise: one fewer allocation each.
  const httpsIssuer = context.config.issuer.startsWith("https:");
  app.addHook("onSend", (request, reply, payload, done) => {
    if (closing) reply.header("connection", "close");
    // HTTPS as the client sees it: our public issuer, or a balancer's X-Forwarded-Proto when
    // MINICARD_TRUST_PROXY is set (request.protocol ignores the header otherwise).
    if (httpsIssuer || request.protocol === "https") {
      reply.header("strict-transport-security", HSTS);
    }
    done(null, payload);
  });

  // Once a request is answered: its metrics, then the access log, one record per request (the
  // method, URL, client, status, time and the problem's code) instead of Fastify's pair
  // ("incoming request", "request completed"). Its message is the line `npm start` shows in a
  // terminal (logging.ts). The record is only built when the level logs it.
  app.addHook("onResponse", (request, reply, done) => {
    const { method } = request;
    const route = request.routeOptions.url ?? "unmatched";
    const status = reply.statusCode;
    context.metrics.count("minicard_http_requests_total", { route, method, status: String(status) });
    context.metrics.observe("minicard_http_request_duration_seconds", reply.elapsedTime / 1000, { route });
    if (!QUIET_LEVELS.has(request.log.level)) {
      const { url } = request;
      const ms = Math.round(reply.elapsedTime);
      const shown = url.length > 120 ? `${url.slice(0, 119)}…` : url;
      request.log.info({ method, url, ip: request.ip, statusCode: status, responseTime: ms, code: request.problemCode }, `${method} ${shown} ${status} ${ms} ms`);
    }
    done();
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    let problem: Problem;
    if (error instanceof Problem) problem = error;
    else if (error instanceof StoreUnavailableError) {
      problem = new Problem("store_unavailable", "storage is unavailable; retry shortly", { headers: { "retry-after": "5" } });
    } else if (error instanceof LimitsUnavailableError) {
      problem = new Problem("limits_unavailable", "limits are unavailable; retry shortly", { headers: { "retry-after": "5" } });
    } else {
      const mapped = fastifyProblem(error);
      if (mapped) problem = mapped;
      else {
        request.log.error({ err: error }, "unexpected error");
        problem = new Problem("internal_error", "something went wrong on our side");
      }
    }
    if (problem.status >= 500) request.log.warn({ code: problem.code, err: error }, problem.message);
    request.problemCode = problem.code;
    reply
      .code(problem.status)
      .headers(problem.headers)
      .type("application/problem+json; charset=utf-8")
      .send(problemBody(problem, request));
  });

  // Fastify parses text/plain by default; the API takes JSON only (415 otherwise). The events
  // route adds text/plain back for itself: sendBeacon sends it without a CORS preflight.
  app.removeContentTypeParser("text/plain");

  app.setNotFoundHandler((request, reply) => {
    const problem = new Problem("not_found", `no route ${request.method} ${request.url.split("?")[0]}`);
    request.problemCode = problem.code;
    reply.code(404).type("application/problem+json; charset=utf-8").send(problemBody(problem, request));
  });

  // Route schemas document the API (`GET /openapi.json`); they neither validate nor serialize.
  await registerOpenApi(app, context);
  await app.register(audiences(context));
  return app;
}
