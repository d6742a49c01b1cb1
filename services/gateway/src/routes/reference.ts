import { type FastifyPluginAsyncTypebox, Type } from "@fastify/type-provider-typebox";
import { normaliseModelName } from "../domain/experiments.js";
import { refMovie, refUser } from "../domain/reference-shapes.js";
import { NotFound } from "../plugins/errors.js";
import { ERROR_RESPONSES, Id, RefMovie, RefUser, Size } from "../schemas.js";
import { knownGenre, type RouteDeps, recommend } from "./context.js";

const tags = ["reference (SparrowRecSys-compatible)"];

/**
 * The reference server's routes, parameters and JSON shapes, so its front end works unchanged. Where it
 * failed (unknown user → empty list, model server down → empty body) these answer like /api does.
 */
export const referenceRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, deps) => {
  app.get(
    "/getmovie",
    {
      schema: {
        tags,
        querystring: Type.Object({ id: Id("Movie id") }),
        response: { 200: RefMovie, ...ERROR_RESPONSES },
      },
    },
    async (req) => {
      const movie = await deps.backend.getMovie(req.query.id);
      if (!movie) throw new NotFound("id", `no movie ${req.query.id}`);
      return refMovie(movie);
    },
  );

  app.get(
    "/getuser",
    {
      schema: {
        tags,
        querystring: Type.Object({ id: Id("User id") }),
        response: { 200: RefUser, ...ERROR_RESPONSES },
      },
    },
    async (req) => {
      const user = await deps.backend.getUser(req.query.id);
      if (!user) throw new NotFound("id", `user ${req.query.id} has no ratings`);
      return refUser(user);
    },
  );

  app.get(
    "/getsimilarmovie",
    {
      schema: {
        tags,
        querystring: Type.Object({
          movieId: Id("Movie id"),
          size: Size(12),
          model: Type.Optional(
            Type.String({ maxLength: 64, description: "emb (the only kind Wren has) or other" }),
          ),
        }),
        response: { 200: Type.Array(RefMovie), ...ERROR_RESPONSES },
      },
    },
    async (req) => {
      const movies = await deps.backend.getSimilar(req.query.movieId, req.query.size);
      if (!movies) throw new NotFound("movieId", `no movie ${req.query.movieId}`);
      return movies.map(refMovie);
    },
  );

  app.get(
    "/getrecommendation",
    {
      schema: {
        tags,
        querystring: Type.Object({
          genre: Type.String({ minLength: 1, maxLength: 64 }),
          size: Size(12),
          sortby: Type.Union([Type.Literal("rating"), Type.Literal("releaseYear")], { default: "rating" }),
        }),
        response: { 200: Type.Array(RefMovie), ...ERROR_RESPONSES },
      },
    },
    async (req) => {
      const genre = await knownGenre(deps, req.query.genre, "genre");
      const page = await deps.backend.getGenreMovies(genre, req.query.sortby, 0, req.query.size);
      return page.movies.map(refMovie);
    },
  );

  app.get(
    "/getrecforyou",
    {
      schema: {
        tags,
        querystring: Type.Object({
          id: Id("User id"),
          size: Size(32),
          model: Type.Optional(
            Type.String({
              maxLength: 64,
              description:
                "nerualcf (sic) or neuralcf, another trained model, or anything else for the default",
            }),
          ),
        }),
        response: { 200: Type.Array(RefMovie), ...ERROR_RESPONSES },
      },
    },
    async (req) => {
      // The reference falls back to its default ordering for any model it does not know ("emb", "other").
      const requested = req.query.model === undefined ? undefined : normaliseModelName(req.query.model);
      const trained = (await deps.models.list()).map((m) => m.name);
      const model =
        requested && (requested === deps.defaultModel || trained.includes(requested)) ? requested : undefined;
      const { result } = await recommend(app, deps, req.query.id, model, req.query.size);
      return result.items.map((r) => refMovie(r.movie));
    },
  );
};
