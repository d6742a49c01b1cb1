import { type Service, type ServiceMsg, Svcm } from "@nats-io/services";
import type { MsgHdrs } from "@nats-io/transport-node";
import { headers as natsHeaders } from "@nats-io/transport-node";
import { type Context, context, propagation, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import {
  assertValid,
  type CodecName,
  decodePayload,
  type Endpoint,
  encodePayload,
  type RequestOf,
  type ResponseOf,
  WrenError,
} from "@wren/contracts";
import { ATTR, counter, histogram, type Logger, MESSAGING_SYSTEM_NATS } from "@wren/telemetry";
import type { Bus } from "./bus.js";
import { BUDGET_HEADER, CODEC_HEADER, headerGetter, readHeader } from "./context.js";
import { DeadlineExceededError, ERROR_HEADERS, toErrorShape } from "./errors.js";

/**
 * What a handler knows besides the request. Pass it as `within` to the requests the handler makes, so
 * they inherit its deadline and join its trace: it travels by hand, not in an AsyncLocalStorage, whose
 * hooks on every promise cost the services about 5% of their CPU (see @wren/telemetry's sdk.ts).
 */
export interface HandlerContext {
  /** Absolute deadline (epoch ms) propagated from the caller. */
  readonly deadline: number;
  /** The trace context of this request's span. */
  readonly trace: Context;
  remainingMs(): number;
}

export type Handler<E extends Endpoint> = (
  request: RequestOf<E>,
  ctx: HandlerContext,
) => Promise<ResponseOf<E>>;

/** An endpoint bound to its handler; build with `route()`. */
export interface Route {
  endpoint: Endpoint;
  handler: Handler<Endpoint>;
}

export function route<E extends Endpoint>(endpoint: E, handler: Handler<E>): Route {
  return { endpoint, handler: handler as unknown as Handler<Endpoint> };
}

export interface ServiceSpec {
  /** Service name = queue group shared by every replica (e.g. `recall-service`). */
  name: string;
  version: string;
  description?: string;
  /** Budget assumed when a request carries none (a `nats req` by hand); default 5000 ms. */
  defaultBudgetMs?: number;
  logger?: Logger;
}

/** A running service: `stop()` stops taking requests and waits for the ones in flight. */
export interface ServiceHandle {
  readonly service: Service;
  inFlight(): number;
  stop(): Promise<void>;
}

const tracer = trace.getTracer("@wren/bus");
const handlerSeconds = histogram(
  "wren_bus_handler_duration_seconds",
  "Time to handle a request, decode to reply, by subject and outcome",
  ["subject", "outcome"],
);
const handlerErrors = counter("wren_bus_handler_errors_total", "Requests answered with an error", [
  "subject",
  "type",
]);

function respondError(msg: ServiceMsg, e: unknown): void {
  const shape = toErrorShape(e);
  const h = natsHeaders();
  h.set(ERROR_HEADERS.type, shape.type);
  h.set(ERROR_HEADERS.retryable, shape.retryable ? "1" : "0");
  // Header values must be single-line.
  msg.respondError(shape.code, shape.message.replace(/[\r\n]+/g, " "), undefined, { headers: h as never });
}

/**
 * Registers a `@nats-io/services` service whose endpoints all join the queue group `spec.name`, so
 * replicas share the load; discovery (`nats micro ls`), ping, info and stats come with it. Each message:
 * extract trace context → span → decode → validate → handler (inside the caller's deadline) → encode in
 * the codec the caller accepts. Errors answer with `{code,type,message,retryable}` in headers.
 *
 * `@nats-io/services` calls handlers synchronously and counts only synchronous errors, so the async work
 * is launched here and measured by our own histogram and error counter.
 */
export async function serve(bus: Bus, spec: ServiceSpec, routes: Route[]): Promise<ServiceHandle> {
  const service = await new Svcm(bus.nc as never).add({
    name: spec.name,
    version: spec.version,
    description: spec.description,
    queue: spec.name,
  });
  const pending = new Set<Promise<void>>();
  const defaultBudget = spec.defaultBudgetMs ?? 5000;

  for (const { endpoint, handler } of routes) {
    const handle = async (msg: ServiceMsg): Promise<void> => {
      const started = performance.now();
      const hdrs = msg.headers as MsgHdrs | undefined;
      const budget = Number(readHeader(hdrs, BUDGET_HEADER)) || defaultBudget;
      const deadline = Date.now() + budget;
      const replyCodec: CodecName = readHeader(hdrs, CODEC_HEADER) === "columnar" ? "columnar" : "json";
      const parent = propagation.extract(context.active(), hdrs, headerGetter);
      const span = tracer.startSpan(
        `process ${endpoint.subject}`,
        {
          kind: SpanKind.SERVER,
          attributes: {
            [ATTR.messagingSystem]: MESSAGING_SYSTEM_NATS,
            [ATTR.messagingDestination]: endpoint.subject,
            [ATTR.messagingOperationType]: "process",
            [ATTR.messagingConsumerGroup]: spec.name,
            [ATTR.messagingBodySize]: msg.data.byteLength,
            [ATTR.busBudgetMs]: budget,
          },
        },
        parent,
      );
      const ctx: HandlerContext = {
        deadline,
        trace: trace.setSpan(parent, span),
        remainingMs: () => deadline - Date.now(),
      };
      let outcome = "ok";
      try {
        const request = assertValid(endpoint.request, decodeRequest(msg.data), "request");
        // Active for the handler where a context manager is registered (spans exported), so library
        // instrumentations (undici, ioredis) parent their spans here; a no-op otherwise.
        const reply = await context.with(ctx.trace, () => handler(request, ctx));
        // The caller gave up already: an answer would only cost it a decode.
        if (Date.now() > deadline) throw new DeadlineExceededError(endpoint.subject, budget);
        msg.respond(encodePayload(reply, replyCodec));
      } catch (e) {
        const shape = toErrorShape(e);
        outcome = shape.type;
        handlerErrors.inc({ subject: endpoint.subject, type: shape.type });
        span.setAttribute(ATTR.errorType, shape.type);
        if (shape.code >= 500) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: shape.message });
          const traceId = span.spanContext().traceId;
          // Deadlines and unavailable dependencies are operational, not bugs: a line without a stack,
          // so an overloaded service does not spend its last CPU on stack traces.
          if (shape.type === "internal")
            spec.logger?.error("request failed", { subject: endpoint.subject, traceId, err: e });
          else
            spec.logger?.warn("request failed", {
              subject: endpoint.subject,
              traceId,
              type: shape.type,
              reason: shape.message,
            });
        }
        respondError(msg, e);
      } finally {
        handlerSeconds.observe({ subject: endpoint.subject, outcome }, (performance.now() - started) / 1000);
        span.end();
      }
    };

    service.addEndpoint(endpoint.name, {
      subject: bus.subject(endpoint.subject),
      metadata: { schema: endpoint.subject },
      handler: (err, msg) => {
        if (err) {
          spec.logger?.error("endpoint subscription failed", { subject: endpoint.subject, err });
          return;
        }
        const p = handle(msg).catch((e) => respondError(msg, e));
        pending.add(p);
        p.finally(() => pending.delete(p));
      },
    });
  }
  // SUBs are buffered: without a round trip a caller on another connection can race them and get
  // "no responders" from a service that has already reported itself started.
  await bus.nc.flush();

  return {
    service,
    inFlight: () => pending.size,
    async stop() {
      await service.stop();
      await Promise.allSettled([...pending]);
    },
  };
}

function decodeRequest(data: Uint8Array): unknown {
  try {
    return decodePayload(data);
  } catch (e) {
    throw WrenError.badRequest(`undecodable request: ${(e as Error).message}`);
  }
}
