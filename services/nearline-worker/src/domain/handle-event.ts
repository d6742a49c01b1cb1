import { type DeadLetterReason, isValid, RatingSubmitted } from "@wren/contracts";
import {
  type ApplyOutcome,
  type ApplyResult,
  RatingNotAppliedError,
  RatingRejectedError,
  type RatingToApply,
} from "@wren/feature-store";

/** What the transport does with a delivered event. */
export type Verdict =
  | { kind: "done"; outcome: ApplyOutcome; event: RatingSubmitted; version: string }
  | { kind: "dead-letter"; reason: DeadLetterReason; detail: string }
  | { kind: "retry"; detail: string };

export interface RatingApplier {
  apply(e: RatingToApply): Promise<ApplyResult>;
}

/** First schema problem of an event, e.g. `/rating Expected number to be less or equal to 5`. */
function invalidDetail(value: unknown): string {
  if (typeof value !== "object" || value === null) return "the event is not a JSON object";
  const v = value as Record<string, unknown>;
  for (const key of ["eventId", "userId", "movieId", "rating", "timestamp", "acceptedAtMs"]) {
    if (!(key in v)) return `/${key} is missing`;
  }
  if (typeof v.rating === "number" && (v.rating < 0.5 || v.rating > 5 || (v.rating * 2) % 1 !== 0)) {
    return `/rating ${v.rating} is not 0.5–5 in steps of 0.5`;
  }
  return "the event does not match wren.ratings.v1.submitted";
}

/**
 * Decodes, validates and applies one event. Bad events (malformed JSON, schema, unknown movie or user) are
 * dead-lettered with the reason; trouble that is not the event's fault (Redis down, nothing loaded, a hot
 * user) asks for a retry. Never throws.
 */
export async function handleEvent(data: Uint8Array, seq: number, applier: RatingApplier): Promise<Verdict> {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(data));
  } catch (err) {
    return { kind: "dead-letter", reason: "malformed-json", detail: (err as Error).message };
  }
  if (!isValid(RatingSubmitted, json)) {
    return { kind: "dead-letter", reason: "invalid-event", detail: invalidDetail(json) };
  }
  try {
    const r = await applier.apply({ ...json, seq });
    return { kind: "done", outcome: r.outcome, event: json, version: r.version };
  } catch (err) {
    if (err instanceof RatingRejectedError) {
      return { kind: "dead-letter", reason: err.reason, detail: err.message };
    }
    if (err instanceof RatingNotAppliedError) return { kind: "retry", detail: err.message };
    return { kind: "retry", detail: `redis: ${(err as Error).message}` };
  }
}
