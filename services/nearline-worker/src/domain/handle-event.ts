import { assertValid, type DeadLetterReason, RatingSubmitted } from "@wren/contracts";
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
  let event: RatingSubmitted;
  try {
    event = assertValid(RatingSubmitted, json, "rating event");
  } catch (err) {
    return { kind: "dead-letter", reason: "invalid-event", detail: (err as Error).message };
  }
  try {
    const r = await applier.apply({ ...event, seq });
    return { kind: "done", outcome: r.outcome, event, version: r.version };
  } catch (err) {
    if (err instanceof RatingRejectedError) {
      return { kind: "dead-letter", reason: err.reason, detail: err.message };
    }
    if (err instanceof RatingNotAppliedError) return { kind: "retry", detail: err.message };
    return { kind: "retry", detail: `redis: ${(err as Error).message}` };
  }
}
