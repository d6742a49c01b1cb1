import { type FastifyPluginAsyncTypebox, type Static, Type } from "@fastify/type-provider-typebox";
import { NotFound } from "../plugins/errors.js";
import {
  ERROR_RESPONSES,
  GenreMovies,
  GenreSortParam,
  Id,
  MAX_SIZE,
  Models,
  MovieDetails,
  Recommendations,
  SimilarMovies,
  Size,
  UserPage,
} from "../schemas.js";
import { knownGenre, knownModel, type RouteDeps, recommend } from "./context.js";
import { recommendationsJson } from "./recommendations-json.js";

const GENRE_PAGE_SIZE = 24;
const MAX_PAGE = Math.floor(1_000_000 / GENRE_PAGE_SIZE);

/** Wren's own JSON API under /api. */
export const apiRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, deps) => {
  app.get(
    "/users/:userId/recommendations",
    {
      schema: {
        summary: '"Guess you like": ranked movies the user has not rated, with score and recall channels',
        tags: ["recommendations"],
        params: Type.Object({ userId: Id("User id") }),
        querystring: Type.Object({
          model: Type.Optional(
            Type.String({
              maxLength: 64,
              description: "Ranking model; default: the A/B variant or the default model",
            }),
          ),
          size: Size(20),
        }),
        response: { 200: Recommendations, ...ERROR_RESPONSES },
      },
    },
    async (req, reply) => {
      const { userId } = req.params;
      const model =
        req.query.model === undefined ? undefined : await knownModel(deps, req.query.model, "model");
      const outcome = await recommend(app, deps, userId, model, req.query.size);
      // A string body is sent as is: the schema above documents it (OpenAPI) but no longer serializes it.
      // The type provider types send() by that schema; the string is that schema's JSON, hence the cast.
      const body = recommendationsJson(userId, outcome) as unknown as Static<typeof Recommendations>;
      return reply.type("application/json; charset=utf-8").send(body);
    },
  );

  app.get(
    "/users/:userId",
    {
      schema: {
        summary: "A user's statistics, favourite genres and every rating with its movie, in one response",
        tags: ["users"],
        params: Type.Object({ userId: Id("User id") }),
        response: { 200: UserPage, ...ERROR_RESPONSES },
      },
    },
    async (req) => {
      const user = await deps.backend.getUser(req.params.userId);
      if (!user) throw new NotFound("userId", `user ${req.params.userId} has no ratings`);
      return user;
    },
  );

  app.get(
    "/movies/:movieId",
    {
      schema: {
        summary: "A movie with its rating statistics and its highest ratings",
        tags: ["movies"],
        params: Type.Object({ movieId: Id("Movie id") }),
        response: { 200: MovieDetails, ...ERROR_RESPONSES },
      },
    },
    async (req) => {
      const movie = await deps.backend.getMovie(req.params.movieId);
      if (!movie) throw new NotFound("movieId", `no movie ${req.params.movieId}`);
      return movie;
    },
  );

  app.get(
    "/movies/:movieId/similar",
    {
      schema: {
        summary: "Movies nearest to this one in item-embedding space",
        tags: ["movies"],
        params: Type.Object({ movieId: Id("Movie id") }),
        querystring: Type.Object({ size: Size(12) }),
        response: { 200: SimilarMovies, ...ERROR_RESPONSES },
      },
    },
    async (req) => {
      const movies = await deps.backend.getSimilar(req.params.movieId, req.query.size);
      if (!movies) throw new NotFound("movieId", `no movie ${req.params.movieId}`);
      return { movieId: req.params.movieId, movies };
    },
  );

  app.get(
    "/genres/:genre/movies",
    {
      schema: {
        summary: "Every movie of a genre, sorted by average rating or release year, paged",
        tags: ["movies"],
        params: Type.Object({ genre: Type.String({ minLength: 1, maxLength: 64 }) }),
        querystring: Type.Object({
          sort: GenreSortParam,
          page: Type.Integer({ minimum: 1, maximum: MAX_PAGE, default: 1 }),
          pageSize: Type.Integer({ minimum: 1, maximum: MAX_SIZE, default: GENRE_PAGE_SIZE }),
        }),
        response: { 200: GenreMovies, ...ERROR_RESPONSES },
      },
    },
    async (req) => {
      const genre = await knownGenre(deps, req.params.genre, "genre");
      const { sort, page, pageSize } = req.query;
      const { total, movies } = await deps.backend.getGenreMovies(
        genre,
        sort,
        (page - 1) * pageSize,
        pageSize,
      );
      return { genre, sort, page, pageSize, total, movies };
    },
  );

  app.get(
    "/genres",
    {
      schema: {
        summary: "Every genre of the catalogue",
        tags: ["movies"],
        response: { 200: Type.Object({ genres: Type.Array(Type.String()) }), ...ERROR_RESPONSES },
      },
    },
    async () => ({ genres: await deps.backend.genres() }),
  );

  app.get(
    "/models",
    {
      schema: {
        summary: "Trained models and their versions (the highest is served)",
        tags: ["models"],
        response: { 200: Models },
      },
    },
    async () => ({ defaultModel: deps.defaultModel, models: await deps.models.list() }),
  );
};
