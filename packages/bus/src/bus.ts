import { connect, errors, headers, type MsgHdrs, type NatsConnection } from "@nats-io/transport-node";
import { type Context, context, propagation, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import {
  assertValid,
  type CodecName,
  decodePayload,
  type Endpoint,
  type EventSubject,
  encodePayload,
  isValid,
  type MessageOf,
  type RequestOf,
  type ResponseOf,
  WrenError,
  wireSubject,
} from "@wren/contracts";
import { ATTR, counter, histogram, MESSAGING_SYSTEM_NATS } from "@wren/telemetry";
import { type NatsAuth, natsAuthFromEnv } from "./auth.js";
import { BUDGET_HEADER, CODEC_HEADER, headerSetter, readHeader } from "./context.js";
import { DeadlineExceededError, errorShapeFromHeaders, NoRespondersError, RemoteError } from "./errors.js";
import { RetryBudget } from "./retry-budget.js";
import type { HandlerContext } from "./serve.js";

export interface BusConfig {
  /** NATS server URL(s), e.g. `nats://127.0.0.1:4222` (`NATS_URL`). */
  servers: string | string[];
  /** Connection name shown by `nats server report connections`; use the service name. */
  name: string;
  /** Prepended to every subject (test isolation); see `wireSubject`. */
  subjectPrefix?: string;
  /** Codec for requests and the replies we accept (default `columnar`). */
  codec?: CodecName;
  /** Credentials; default: `NATS_USER`/`NATS_PASSWORD`, `NATS_TOKEN`, `NATS_CREDS` from the environment. */
  auth?: NatsAuth;
}

export interface RequestOptions {
  /** Total budget for all attempts (default 1000 ms), capped by the deadline of `within`. */
  timeoutMs?: number;
  /**
   * The request being handled, when this one is made on its behalf: its deadline caps this one's and its
   * span is this one's parent. Default: no cap, and the active trace context.
   */
  within?: Pick<HandlerContext, "deadline" | "trace">;
  /** Budget of one attempt (default: all that is left), so a retry has time left after a dead replica. */
  attemptTimeoutMs?: number;
  /** Extra attempts for idempotent endpoints on no-responders, timeouts and retryable remote errors. */
  retries?: number;
}

const tracer = trace.getTracer("@wren/bus");
const requestSeconds = histogram(
  "wren_bus_request_duration_seconds",
  "NATS request/reply latency seen by the requester, all attempts included",
  ["subject", "outcome"],
);
const retryCount = counter("wren_bus_request_retries_total", "Request attempts after the first", ["subject"]);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function isNoResponders(e: unknown): boolean {
  return (
    e instanceof errors.NoRespondersError ||
    (e instanceof errors.RequestError && e.isNoResponders()) ||
    (e instanceof Error && e.cause instanceof errors.NoRespondersError)
  );
}

/** Typed request/reply and events over one NATS connection. */
export class Bus {
  readonly codec: CodecName;
  private readonly retryBudgets = new Map<string, RetryBudget>();

  private constructor(
    readonly nc: NatsConnection,
    readonly subjectPrefix: string | undefined,
    codec: CodecName,
  ) {
    this.codec = codec;
  }

  static async connect(config: BusConfig): Promise<Bus> {
    // Validate the prefix before connecting so a typo fails at boot with a clear message.
    wireSubject("wren", config.subjectPrefix);
    const nc = await connect({
      servers: config.servers,
      name: config.name,
      ...(config.auth ?? natsAuthFromEnv(process.env)),
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      // Otherwise every request builds two Error objects up front for their stacks; under tsx's source
      // maps that was ~5% of a service's CPU. Our errors name the subject, which is what a stack would add.
      noAsyncTraces: true,
    });
    return new Bus(nc, config.subjectPrefix, config.codec ?? "columnar");
  }

  /** The subject on the wire for a catalogue subject. */
  subject(subject: string): string {
    return wireSubject(subject, this.subjectPrefix);
  }

  /**
   * Sends a validated request and returns the validated reply. Throws NoRespondersError,
   * DeadlineExceededError, RemoteError (the service's `{code,type,message,retryable}`), or a 400 WrenError
   * when `payload` itself is invalid. Retries only idempotent endpoints, within the deadline and, for
   * timeouts and refusals, within the subject's retry budget (about one retry per ten successes).
   */
  async request<E extends Endpoint>(
    endpoint: E,
    payload: RequestOf<E>,
    options: RequestOptions = {},
  ): Promise<ResponseOf<E>> {
    const retries = options.retries ?? 0;
    if (retries > 0 && !endpoint.idempotent) {
      throw new Error(`${endpoint.subject} is not idempotent: requests to it must not be retried`);
    }
    assertValid(endpoint.request, payload, `request to ${endpoint.subject}`);
    const started = performance.now();
    const now = Date.now();
    const deadline = Math.min(
      now + (options.timeoutMs ?? 1000),
      options.within?.deadline ?? Number.POSITIVE_INFINITY,
    );
    const data = encodePayload(payload, this.codec);
    const wire = this.subject(endpoint.subject);
    let retryBudget = this.retryBudgets.get(endpoint.subject);
    if (!retryBudget) {
      retryBudget = new RetryBudget();
      this.retryBudgets.set(endpoint.subject, retryBudget);
    }

    const parent = options.within?.trace ?? context.active();
    const span = tracer.startSpan(
      `send ${endpoint.subject}`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          [ATTR.messagingSystem]: MESSAGING_SYSTEM_NATS,
          [ATTR.messagingDestination]: endpoint.subject,
          [ATTR.messagingOperationType]: "send",
          [ATTR.messagingOperationName]: "request",
          [ATTR.messagingBodySize]: data.byteLength,
        },
      },
      parent,
    );
    const sent = trace.setSpan(parent, span);
    let outcome = "ok";
    try {
      for (let attempt = 1; ; attempt++) {
        const remaining = deadline - Date.now();
        if (remaining < 1) throw new DeadlineExceededError(endpoint.subject, deadline - now);
        const budget = Math.min(remaining, options.attemptTimeoutMs ?? remaining);
        try {
          span.setAttribute(ATTR.busAttempt, attempt);
          const reply = await this.attempt(endpoint, wire, data, budget, sent);
          retryBudget.earn();
          return reply;
        } catch (e) {
          const err = this.translate(e, endpoint.subject, budget);
          const retryable = err instanceof Error && "retryable" in err && err.retryable === true;
          if (!retryable || attempt > retries || deadline - Date.now() < 1) throw err;
          // Nobody listening costs the service nothing; a timeout or a refusal may mean it is overloaded.
          if (!(err instanceof NoRespondersError) && !retryBudget.trySpend()) throw err;
          retryCount.inc({ subject: endpoint.subject });
          span.addEvent("retry", { [ATTR.errorType]: (err as Error).name });
          // No responders: give a restarting replica a moment. Timeouts already waited.
          if (err instanceof NoRespondersError) {
            await sleep(Math.min(10 * 2 ** (attempt - 1), Math.max(0, deadline - Date.now() - 1)));
          }
        }
      }
    } catch (e) {
      outcome = e instanceof Error ? e.name : "error";
      span.setStatus({ code: SpanStatusCode.ERROR, message: e instanceof Error ? e.message : String(e) });
      span.setAttribute(ATTR.errorType, outcome);
      throw e;
    } finally {
      requestSeconds.observe({ subject: endpoint.subject, outcome }, (performance.now() - started) / 1000);
      span.end();
    }
  }

  private async attempt<E extends Endpoint>(
    endpoint: E,
    wire: string,
    data: Uint8Array,
    budgetMs: number,
    traceContext: Context,
  ): Promise<ResponseOf<E>> {
    const h = headers();
    h.set(BUDGET_HEADER, String(Math.floor(budgetMs)));
    h.set(CODEC_HEADER, this.codec);
    propagation.inject(traceContext, h, headerSetter);
    const reply = await this.nc.request(wire, data, {
      timeout: Math.max(1, Math.floor(budgetMs)),
      headers: h,
    });
    const shape = errorShapeFromHeaders((name) => readHeader(reply.headers, name));
    if (shape) throw new RemoteError(endpoint.subject, shape);
    let body: unknown;
    try {
      body = decodePayload(reply.data);
    } catch (e) {
      throw new RemoteError(endpoint.subject, {
        code: 502,
        type: "bad_response",
        message: `undecodable reply from ${endpoint.subject}: ${(e as Error).message}`,
        retryable: false,
      });
    }
    if (!isValid(endpoint.response, body)) {
      try {
        assertValid(endpoint.response, body, `reply from ${endpoint.subject}`);
      } catch (e) {
        throw new RemoteError(endpoint.subject, {
          code: 502,
          type: "bad_response",
          message: (e as Error).message,
          retryable: false,
        });
      }
    }
    return body as ResponseOf<E>;
  }

  private translate(e: unknown, subject: string, budgetMs: number): unknown {
    if (isNoResponders(e)) return new NoRespondersError(subject);
    if (e instanceof errors.TimeoutError) return new DeadlineExceededError(subject, budgetMs);
    // Connection lost / closed / draining: the caller sees one retryable 503, not a NATS internals error.
    if (
      e instanceof errors.RequestError ||
      e instanceof errors.ClosedConnectionError ||
      e instanceof errors.DrainingConnectionError ||
      e instanceof errors.ConnectionError
    ) {
      return WrenError.unavailable(`NATS: ${e.message} (${subject})`, { cause: e });
    }
    return e;
  }

  /** Publishes a validated event (JSON: events are small and read by other tools too). */
  publish<E extends EventSubject>(event: E, message: MessageOf<E>): void {
    assertValid(event.message, message, `event on ${event.subject}`);
    const h = headers();
    propagation.inject(context.active(), h, headerSetter);
    this.nc.publish(this.subject(event.subject), encodePayload(message, "json"), { headers: h });
  }

  /**
   * Subscribes to an event subject; invalid messages are reported to `onInvalid` and skipped. With
   * `queue`, replicas share the stream instead of each getting every event.
   */
  subscribe<E extends EventSubject>(
    event: E,
    handler: (message: MessageOf<E>) => void,
    options: { queue?: string; onInvalid?: (error: Error) => void } = {},
  ): { unsubscribe(): void } {
    return this.nc.subscribe(this.subject(event.subject), {
      queue: options.queue,
      callback: (err, msg) => {
        if (err) return options.onInvalid?.(err);
        try {
          handler(assertValid(event.message, decodePayload(msg.data), `event on ${event.subject}`));
        } catch (e) {
          options.onInvalid?.(e as Error);
        }
      },
    });
  }

  /** Lets in-flight work finish, flushes, closes. */
  async drain(): Promise<void> {
    if (!this.nc.isClosed()) await this.nc.drain();
  }
}

export type { MsgHdrs };
