import { type Static, Type } from "@sinclair/typebox";
import { Id } from "./common.js";
import { wireSubject } from "./endpoints.js";

/** A rating score: 0.5–5 in steps of 0.5 (MovieLens' scale). */
export const RatingScore = Type.Number({
  minimum: 0.5,
  maximum: 5,
  multipleOf: 0.5,
  description: "0.5–5 in steps of 0.5",
});

/** Whole seconds since the epoch, as MovieLens timestamps are. */
export const RatingTimestamp = Type.Integer({
  minimum: 0,
  maximum: 2 ** 31 - 1,
  description: "seconds since the epoch",
});

/** An idempotency key: the JetStream `Nats-Msg-Id`, so a retried publish is stored once. */
export const RatingEventId = Type.String({ pattern: "^[A-Za-z0-9_-]{1,64}$" });

/**
 * `wren.ratings.v1.submitted`: one user rated one movie. Published by the gateway to the JetStream stream
 * `ratingsStreamName(prefix)` and applied by the nearline worker to the live feature-store version.
 */
export const RatingSubmitted = Type.Object(
  {
    eventId: RatingEventId,
    userId: Id,
    movieId: Id,
    rating: RatingScore,
    timestamp: RatingTimestamp,
    /** When the gateway accepted it (ms since the epoch): the start of event-to-visible latency. */
    acceptedAtMs: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type RatingSubmitted = Static<typeof RatingSubmitted>;

/** Why an event went to the dead-letter subject (header `Wren-Dead-Letter-Reason`, plus a message). */
export type DeadLetterReason =
  | "malformed-json"
  | "invalid-event"
  | "unknown-movie"
  | "unknown-user"
  | "no-feature-version"
  | "max-deliveries";

export const DEAD_LETTER_REASON_HEADER = "Wren-Dead-Letter-Reason";
export const DEAD_LETTER_DETAIL_HEADER = "Wren-Dead-Letter-Detail";
/** Stream sequence of the dead-lettered original, to find it in the ratings stream. */
export const DEAD_LETTER_SEQ_HEADER = "Wren-Original-Seq";

export const RATING_SUBJECTS = {
  submitted: "wren.ratings.v1.submitted",
  deadLetter: "wren.ratings.v1.dead-letter",
} as const;

/** The durable pull consumer every nearline-worker replica shares. */
export const RATINGS_CONSUMER = "nearline-worker";

/** Stream names cannot hold dots: the subject prefix (test isolation) becomes a suffix, dots as `_`. */
function streamSuffix(prefix: string | undefined): string {
  return prefix ? `_${prefix.replace(/[^A-Za-z0-9_-]/g, "_")}` : "";
}

/** JetStream streams and subjects of the rating pipeline under one subject prefix. */
export function ratingTopology(prefix?: string) {
  return {
    stream: `WREN_RATINGS${streamSuffix(prefix)}`,
    deadLetterStream: `WREN_RATINGS_DLQ${streamSuffix(prefix)}`,
    submitted: wireSubject(RATING_SUBJECTS.submitted, prefix),
    deadLetter: wireSubject(RATING_SUBJECTS.deadLetter, prefix),
    consumer: RATINGS_CONSUMER,
  };
}
export type RatingTopology = ReturnType<typeof ratingTopology>;
