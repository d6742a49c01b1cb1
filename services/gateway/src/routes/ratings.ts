import { type FastifyPluginAsyncTypebox, Type } from "@fastify/type-provider-typebox";
import { NotFound } from "../plugins/errors.js";
import { ErrorBody, Id } from "../schemas.js";
import type { RouteDeps } from "./context.js";

const RatingInput = Type.Object(
  {
    movieId: Id("Movie id"),
    rating: Type.Number({ minimum: 0.5, maximum: 5, multipleOf: 0.5, description: "0.5–5 in steps of 0.5" }),
    timestamp: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1, description: "Seconds since the epoch; default now" }),
    ),
  },
  { additionalProperties: false },
);

const RatingAccepted = Type.Object({
  status: Type.Literal("accepted"),
  applied: Type.Boolean({ description: "Whether the rating already changes features and recommendations" }),
  rating: Type.Object({
    userId: Type.Integer(),
    movieId: Type.Integer(),
    score: Type.Number(),
    timestamp: Type.Integer(),
  }),
  note: Type.String(),
});

/**
 * Rating a movie from the pages. Checked (movie exists, 0.5–5 in half steps) and echoed with 202, but
 * not yet applied or kept: issue #8 (real-time updates) publishes it to JetStream for the nearline
 * worker. The response says so, and the pages show it, rather than pretending the rating counted.
 */
export const ratingRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, deps) => {
  app.post(
    "/users/:userId/ratings",
    {
      schema: {
        summary: "Rate a movie (validated and echoed; applied once real-time updates land)",
        tags: ["users"],
        params: Type.Object({ userId: Id("User id") }),
        body: RatingInput,
        response: { 202: RatingAccepted, 400: ErrorBody, 404: ErrorBody, 429: ErrorBody, 503: ErrorBody },
      },
    },
    async (req, reply) => {
      const { movieId, rating, timestamp } = req.body;
      if (!(await deps.backend.getMovie(movieId))) throw new NotFound("movieId", `no movie ${movieId}`);
      return reply.code(202).send({
        status: "accepted",
        applied: false,
        rating: {
          userId: req.params.userId,
          movieId,
          score: rating,
          timestamp: timestamp ?? Math.floor(Date.now() / 1000),
        },
        note: "checked but not yet applied: real-time updates (issue #8) will publish ratings to JetStream",
      });
    },
  );
};
