/** Why a dependency could not answer; the HTTP layer maps each kind to a status (no responders → 503,
 *  timeout → 504, anything else → 502) and hides the details from clients. */
export type BackendErrorKind = "no-responders" | "timeout" | "remote";

export class BackendError extends Error {
  constructor(
    readonly kind: BackendErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "BackendError";
  }
}

export const statusOfBackendError: Record<BackendErrorKind, number> = {
  "no-responders": 503,
  timeout: 504,
  remote: 502,
};
