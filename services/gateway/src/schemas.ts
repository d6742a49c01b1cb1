import { type Static, Type } from "@fastify/type-provider-typebox";

/** One source for validation, serialisation and the OpenAPI document at /docs. */

/** Ids are positive 32-bit integers (what the models' int32 inputs take). */
export const MAX_ID = 2_147_483_647;
export const MAX_SIZE = 500;

export const Id = (description: string) => Type.Integer({ minimum: 1, maximum: MAX_ID, description });
export const Size = (dflt: number) =>
  Type.Integer({ minimum: 1, maximum: MAX_SIZE, default: dflt, description: "How many movies to return" });

export const ErrorBody = Type.Object(
  {
    error: Type.String({ description: "bad_request, not_found, unavailable, timeout, …" }),
    message: Type.String(),
    parameter: Type.Optional(Type.String({ description: "The request parameter at fault" })),
  },
  { $id: "Error" },
);

/** The error statuses every data route can answer with, all in the ErrorBody shape. */
export const ERROR_RESPONSES = {
  400: ErrorBody,
  404: ErrorBody,
  429: ErrorBody,
  502: ErrorBody,
  503: ErrorBody,
  504: ErrorBody,
};

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const MovieSummary = Type.Object({
  movieId: Type.Integer(),
  title: Type.String(),
  releaseYear: Nullable(Type.Integer()),
  genres: Type.Array(Type.String()),
  imdbId: Type.String(),
  tmdbId: Type.String(),
  ratingNumber: Type.Integer(),
  averageRating: Type.Number(),
});

const Rating = Type.Object({
  userId: Type.Integer(),
  movieId: Type.Integer(),
  score: Type.Number(),
  timestamp: Type.Integer(),
});

export const MovieDetails = Type.Object({ ...MovieSummary.properties, topRatings: Type.Array(Rating) });

export const RecommendationItem = Type.Object({
  ...MovieSummary.properties,
  score: Nullable(Type.Number({ description: "Ranking score; null when ranking was skipped (degraded)" })),
  why: Type.Array(Type.String(), { description: "Recall channels that proposed the movie" }),
});

export const Recommendations = Type.Object({
  userId: Type.Integer(),
  model: Nullable(Type.String({ description: "Model that ranked the list; null when none answered" })),
  version: Nullable(Type.Integer({ description: "Model version that ranked the list" })),
  degraded: Type.Boolean(),
  degradedReasons: Type.Array(Type.String()),
  coldStart: Type.Boolean(),
  experiment: Nullable(Type.Object({ name: Type.String(), variant: Type.String() })),
  items: Type.Array(RecommendationItem),
});

export const UserPage = Type.Object({
  userId: Type.Integer(),
  ratingCount: Type.Integer(),
  averageRating: Type.Number(),
  highestRating: Type.Number(),
  lowestRating: Type.Number(),
  favouriteGenres: Type.Array(Type.Object({ genre: Type.String(), count: Type.Integer() })),
  ratings: Type.Array(Type.Object({ ...Rating.properties, movie: Nullable(MovieSummary) })),
});

export const SimilarMovies = Type.Object({ movieId: Type.Integer(), movies: Type.Array(MovieSummary) });

export const GenreSortParam = Type.Union([Type.Literal("rating"), Type.Literal("releaseYear")], {
  default: "rating",
});

export const GenreMovies = Type.Object({
  genre: Type.String(),
  sort: GenreSortParam,
  page: Type.Integer(),
  pageSize: Type.Integer(),
  total: Type.Integer(),
  movies: Type.Array(MovieSummary),
});

export const Models = Type.Object({
  defaultModel: Type.String(),
  models: Type.Array(
    Type.Object({
      name: Type.String(),
      versions: Type.Array(
        Type.Object({
          version: Type.Integer(),
          createdAt: Nullable(Type.String()),
          metrics: Type.Record(Type.String(), Type.Number()),
        }),
      ),
    }),
  ),
});

const RefRating = Type.Object({ rating: Rating });

/** The reference's Movie JSON. */
export const RefMovie = Type.Object({
  movieId: Type.Integer(),
  title: Type.String(),
  releaseYear: Type.Integer(),
  imdbId: Type.String(),
  tmdbId: Type.String(),
  genres: Type.Array(Type.String()),
  ratingNumber: Type.Integer(),
  averageRating: Type.Number(),
  topRatings: Type.Array(RefRating),
});

/** The reference's User JSON. */
export const RefUser = Type.Object({
  userId: Type.Integer(),
  averageRating: Type.Number(),
  highestRating: Type.Number(),
  lowestRating: Type.Number(),
  ratingCount: Type.Integer(),
  ratings: Type.Array(RefRating),
});

export type RecommendationsBody = Static<typeof Recommendations>;
