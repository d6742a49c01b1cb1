/**
 * The one error shape every Wren service answers with, over NATS headers and in HTTP bodies:
 * `{ code, type, message, retryable }`. `code` is an HTTP-style status so the gateway maps it directly
 * (400 bad input, 404 unknown entity, 503 no responders / dependency down, 504 deadline).
 */
export interface WrenErrorShape {
  code: number;
  type: WrenErrorType;
  message: string;
  retryable: boolean;
}

export type WrenErrorType =
  | "bad_request"
  | "not_found"
  | "internal"
  | "unavailable"
  | "deadline_exceeded"
  | "bad_response";

/** Thrown by domain code and transports alike; carries the wire shape. */
export class WrenError extends Error implements WrenErrorShape {
  readonly code: number;
  readonly type: WrenErrorType;
  readonly retryable: boolean;

  constructor(shape: Omit<WrenErrorShape, "message"> & { message: string }, options?: ErrorOptions) {
    super(shape.message, options);
    this.name = "WrenError";
    this.code = shape.code;
    this.type = shape.type;
    this.retryable = shape.retryable;
  }

  toJSON(): WrenErrorShape {
    return { code: this.code, type: this.type, message: this.message, retryable: this.retryable };
  }

  /** The caller sent something invalid; naming the parameter is the caller-facing part of `message`. */
  static badRequest(message: string): WrenError {
    return new WrenError({ code: 400, type: "bad_request", message, retryable: false });
  }

  static notFound(message: string): WrenError {
    return new WrenError({ code: 404, type: "not_found", message, retryable: false });
  }

  static unavailable(message: string, options?: ErrorOptions): WrenError {
    return new WrenError({ code: 503, type: "unavailable", message, retryable: true }, options);
  }
}

export function isWrenError(e: unknown): e is WrenError {
  return e instanceof WrenError;
}
