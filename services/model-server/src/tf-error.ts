/** tensorflow.error.Code, numerically identical to gRPC status codes. */
export enum TfCode {
  OK = 0,
  CANCELLED = 1,
  UNKNOWN = 2,
  INVALID_ARGUMENT = 3,
  DEADLINE_EXCEEDED = 4,
  NOT_FOUND = 5,
  ALREADY_EXISTS = 6,
  PERMISSION_DENIED = 7,
  RESOURCE_EXHAUSTED = 8,
  FAILED_PRECONDITION = 9,
  ABORTED = 10,
  OUT_OF_RANGE = 11,
  UNIMPLEMENTED = 12,
  INTERNAL = 13,
  UNAVAILABLE = 14,
  DATA_LOSS = 15,
  UNAUTHENTICATED = 16,
}

/** An error carrying a TF Serving status code; adapters map it to HTTP or gRPC status. */
export class TfError extends Error {
  constructor(
    readonly code: TfCode,
    message: string,
  ) {
    super(message);
    this.name = "TfError";
  }

  /** absl::Status::ToString(), used when TF nests one error message in another. */
  toStatusString(): string {
    return `${TfCode[this.code]}: ${this.message}`;
  }
}

export const invalidArgument = (message: string) => new TfError(TfCode.INVALID_ARGUMENT, message);
export const notFound = (message: string) => new TfError(TfCode.NOT_FOUND, message);

const HTTP_STATUS: Record<TfCode, number> = {
  [TfCode.OK]: 200,
  [TfCode.CANCELLED]: 499,
  [TfCode.UNKNOWN]: 500,
  [TfCode.INVALID_ARGUMENT]: 400,
  [TfCode.DEADLINE_EXCEEDED]: 504,
  [TfCode.NOT_FOUND]: 404,
  [TfCode.ALREADY_EXISTS]: 409,
  [TfCode.PERMISSION_DENIED]: 403,
  [TfCode.RESOURCE_EXHAUSTED]: 429,
  [TfCode.FAILED_PRECONDITION]: 400,
  [TfCode.ABORTED]: 409,
  [TfCode.OUT_OF_RANGE]: 400,
  [TfCode.UNIMPLEMENTED]: 501,
  [TfCode.INTERNAL]: 500,
  [TfCode.UNAVAILABLE]: 503,
  [TfCode.DATA_LOSS]: 500,
  [TfCode.UNAUTHENTICATED]: 401,
};

/** TF Serving's ToHTTPStatusCode table. */
export function httpStatusFor(code: TfCode): number {
  return HTTP_STATUS[code] ?? 500;
}

/** Any thrown value as a TfError; unexpected errors become INTERNAL. */
export function asTfError(err: unknown): TfError {
  if (err instanceof TfError) return err;
  return new TfError(TfCode.INTERNAL, err instanceof Error ? err.message : String(err));
}
