import { WrenError, type WrenErrorShape, type WrenErrorType } from "@wren/contracts";

/** Nobody serves the subject (no replica running): retryable after a short wait; 503 at the gateway. */
export class NoRespondersError extends WrenError {
  constructor(readonly subject: string) {
    super({ code: 503, type: "unavailable", message: `no responders for ${subject}`, retryable: true });
    this.name = "NoRespondersError";
  }
}

/** The deadline passed before a reply arrived (or before the request could be sent); 504. */
export class DeadlineExceededError extends WrenError {
  constructor(
    readonly subject: string,
    readonly budgetMs: number,
  ) {
    super({
      code: 504,
      type: "deadline_exceeded",
      message: `no reply from ${subject} within ${Math.round(budgetMs)} ms`,
      retryable: true,
    });
    this.name = "DeadlineExceededError";
  }
}

/** The service answered with an error (its shape travelled in headers), or with an invalid reply. */
export class RemoteError extends WrenError {
  constructor(
    readonly subject: string,
    shape: WrenErrorShape,
  ) {
    super(shape);
    this.name = "RemoteError";
  }
}

/** Header names of the error shape. The first two are the `@nats-io/services` standard ones. */
export const ERROR_HEADERS = {
  code: "Nats-Service-Error-Code",
  message: "Nats-Service-Error",
  type: "Wren-Error-Type",
  retryable: "Wren-Error-Retryable",
} as const;

const TYPES: readonly WrenErrorType[] = [
  "bad_request",
  "not_found",
  "internal",
  "unavailable",
  "deadline_exceeded",
  "bad_response",
];

/** Maps anything a handler threw to the wire shape; unknown errors become 500 `internal`. */
export function toErrorShape(e: unknown): WrenErrorShape {
  if (e instanceof WrenError) return e.toJSON();
  return {
    code: 500,
    type: "internal",
    message: e instanceof Error ? e.message : String(e),
    retryable: false,
  };
}

/** Reads the error shape from reply headers (null when the reply is not an error). */
export function errorShapeFromHeaders(get: (name: string) => string): WrenErrorShape | null {
  const code = get(ERROR_HEADERS.code);
  if (!code) return null;
  const type = get(ERROR_HEADERS.type) as WrenErrorType;
  return {
    code: Number(code),
    type: TYPES.includes(type) ? type : Number(code) >= 500 ? "internal" : "bad_request",
    message: get(ERROR_HEADERS.message) || "remote error",
    retryable: get(ERROR_HEADERS.retryable) === "1",
  };
}
