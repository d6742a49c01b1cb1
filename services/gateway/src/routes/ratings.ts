import { randomUUID } from "node:crypto";
import { type FastifyPluginAsyncTypebox, Type } from "@fastify/type-provider-typebox";
import { RatingEventId, RatingScore, type RatingSubmitted, RatingTimestamp } from "@wren/contracts";
import { BadParameter } from "../plugins/errors.js";
import { ErrorBody, Id } from "../schemas.js";
import type { RouteDeps } from "./context.js";

/** Where accepted ratings go: the JetStream ratings stream in production (`RatingPublisher`). */
export interface RatingSink {
  /** Resolves once the event is stored durably (JetStream PubAck). */
  publish(event: RatingSubmitted): Promise<{ stream: string; seq: number; duplicate: boolean }>;
}

const RatingInput = Type.Object(
  {
    movieId: Id("Movie id"),
    rating: RatingScore,
    timestamp: Type.Optional({ ...RatingTimestamp, description: "Seconds since the epoch; default now" }),
  },
  { additionalProperties: false },
);

const RatingAccepted = Type.Object({
  status: Type.Literal("accepted"),
  applied: Type.Boolean({
    description: "Always false: the nearline worker applies the stored event moments after this answer",
  }),
  eventId: Type.String(),
  stream: Type.String(),
  seq: Type.Integer({ description: "Sequence of the event in the ratings stream" }),
  duplicate: Type.Boolean({ description: "The Idempotency-Key was seen before: nothing new was stored" }),
  rating: Type.Object({
    userId: Type.Integer(),
    movieId: Type.Integer(),
    score: Type.Number(),
    timestamp: Type.Integer(),
  }),
  note: Type.String(),
});

/**
 * Rating a movie. The movie must exist (400 otherwise); any valid user id may rate — an unknown user is a
 * new user, whose first ratings end the cold start. The event is stored in JetStream before the 202, so an
 * accepted rating is never lost; `Idempotency-Key` (else a random id) is the `Nats-Msg-Id`, so a client
 * retrying the same POST stores it once. The nearline worker applies it to the live feature version.
 */
export const ratingRoutes: FastifyPluginAsyncTypebox<RouteDeps & { ratings?: RatingSink }> = async (
  app,
  deps,
) => {
  app.post(
    "/users/:userId/ratings",
    {
      schema: {
        summary: "Rate a movie (stored in the ratings stream, applied to recommendations nearline)",
        tags: ["users"],
        params: Type.Object({ userId: Id("User id") }),
        headers: Type.Object({ "idempotency-key": Type.Optional(RatingEventId) }),
        body: RatingInput,
        response: { 202: RatingAccepted, 400: ErrorBody, 429: ErrorBody, 503: ErrorBody },
      },
    },
    async (req, reply) => {
      const { movieId, rating, timestamp } = req.body;
      if (!(await deps.backend.getMovie(movieId))) {
        throw new BadParameter("movieId", `movieId ${movieId} is not a movie of the catalogue`);
      }
      if (!deps.ratings) {
        return reply
          .code(503)
          .send({ error: "unavailable", message: "ratings are not accepted: no ratings stream configured" });
      }
      const event: RatingSubmitted = {
        eventId: req.headers["idempotency-key"] ?? randomUUID(),
        userId: req.params.userId,
        movieId,
        rating,
        timestamp: timestamp ?? Math.floor(Date.now() / 1000),
        acceptedAtMs: Date.now(),
      };
      let ack: Awaited<ReturnType<RatingSink["publish"]>>;
      try {
        ack = await deps.ratings.publish(event);
      } catch (err) {
        req.log.warn({ err }, "rating not stored");
        return reply
          .code(503)
          .send({ error: "unavailable", message: "the ratings stream did not store the rating; try again" });
      }
      return reply.code(202).send({
        status: "accepted",
        applied: false,
        eventId: event.eventId,
        stream: ack.stream,
        seq: ack.seq,
        duplicate: ack.duplicate,
        rating: { userId: event.userId, movieId, score: rating, timestamp: event.timestamp },
        note: "stored in the ratings stream; recommendations reflect it once the nearline worker applied it",
      });
    },
  );
};
