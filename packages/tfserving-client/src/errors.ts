export type TfServingErrorKind = "timeout" | "unavailable" | "bad_request" | "not_found" | "server";

/**
 * A failed TF Serving call. `message` is the server's own error text (TF's `{"error": …}` body or gRPC
 * details) when there is one; `status` is the HTTP status or gRPC code.
 */
export class TfServingError extends Error {
  constructor(
    readonly kind: TfServingErrorKind,
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "TfServingError";
  }

  /** Worth retrying on another replica or later. */
  get retryable(): boolean {
    return this.kind === "timeout" || this.kind === "unavailable";
  }
}

export function kindForHttpStatus(status: number): TfServingErrorKind {
  if (status === 404) return "not_found";
  if (status === 503) return "unavailable";
  if (status === 504) return "timeout";
  if (status >= 400 && status < 500) return "bad_request";
  return "server";
}

/** gRPC status code → kind (codes as in @grpc/grpc-js `status`). */
export function kindForGrpcCode(code: number): TfServingErrorKind {
  switch (code) {
    case 4: // DEADLINE_EXCEEDED
      return "timeout";
    case 14: // UNAVAILABLE
      return "unavailable";
    case 5: // NOT_FOUND
      return "not_found";
    case 3: // INVALID_ARGUMENT
    case 9: // FAILED_PRECONDITION
    case 11: // OUT_OF_RANGE
      return "bad_request";
    default:
      return "server";
  }
}
