import { type Static, Type } from "@sinclair/typebox";
import { Id, IdList, MAX_CANDIDATES } from "./common.js";

/** One rating as the reference's JSON has it. */
export const RatingInfo = Type.Object({
  userId: Id,
  movieId: Id,
  score: Type.Number({ minimum: 0, maximum: 5 }),
  timestamp: Type.Integer(),
});
export type RatingInfo = Static<typeof RatingInfo>;

/** A movie with its display fields and statistics (the reference's Movie JSON minus `topRatings`). */
export const MovieInfo = Type.Object({
  movieId: Id,
  title: Type.String(),
  releaseYear: Type.Union([Type.Integer(), Type.Null()]),
  genres: Type.Array(Type.String()),
  imdbId: Type.String(),
  tmdbId: Type.String(),
  ratingNumber: Type.Integer({ minimum: 0 }),
  averageRating: Type.Number(),
});
export type MovieInfo = Static<typeof MovieInfo>;

/** `wren.catalog.v1.movies`: display data for a batch of ids (e.g. a ranked list). */
export const MoviesRequest = Type.Object(
  { movieIds: IdList(MAX_CANDIDATES), withTopRatings: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);
export type MoviesRequest = Static<typeof MoviesRequest>;

/** Found movies in request order; ids the catalogue does not know are listed in `missingMovieIds`. */
export const MoviesResponse = Type.Object(
  {
    movies: Type.Array(MovieInfo),
    /** Present when asked: `topRatings[i]` are the 10 best ratings of `movies[i]`, best first. */
    topRatings: Type.Optional(Type.Array(Type.Array(RatingInfo))),
    missingMovieIds: IdList(MAX_CANDIDATES),
  },
  { additionalProperties: false },
);
export type MoviesResponse = Static<typeof MoviesResponse>;

/** `wren.catalog.v1.similar`: Item2Vec neighbours of one movie. 404 when the movie is unknown. */
export const SimilarRequest = Type.Object(
  { movieId: Id, size: Type.Integer({ minimum: 1, maximum: 1000 }) },
  { additionalProperties: false },
);
export type SimilarRequest = Static<typeof SimilarRequest>;

/** Most similar first; `source` says whether embeddings or (no embedding) same-genre popularity answered. */
export const SimilarResponse = Type.Object(
  {
    movies: Type.Array(MovieInfo),
    scores: Type.Array(Type.Number()),
    source: Type.Union([Type.Literal("i2v"), Type.Literal("genre")]),
  },
  { additionalProperties: false },
);
export type SimilarResponse = Static<typeof SimilarResponse>;

export const GenreSort = Type.Union([Type.Literal("rating"), Type.Literal("releaseYear")]);
export type GenreSort = Static<typeof GenreSort>;

/** `wren.catalog.v1.genre`: movies of one genre. 404 (naming `genre`) for a genre the catalogue lacks. */
export const GenreRequest = Type.Object(
  {
    genre: Type.String({ minLength: 1, maxLength: 64 }),
    size: Type.Integer({ minimum: 1, maximum: 1000 }),
    sortBy: GenreSort,
  },
  { additionalProperties: false },
);
export type GenreRequest = Static<typeof GenreRequest>;

export const GenreResponse = Type.Object(
  { genre: Type.String(), movies: Type.Array(MovieInfo) },
  { additionalProperties: false },
);
export type GenreResponse = Static<typeof GenreResponse>;

/** `wren.catalog.v1.genres`: every genre of the live catalogue, most movies first. */
export const GenresRequest = Type.Object({}, { additionalProperties: false });
export type GenresRequest = Static<typeof GenresRequest>;
export const GenresResponse = Type.Object(
  { genres: Type.Array(Type.Object({ genre: Type.String(), movieCount: Type.Integer() })) },
  { additionalProperties: false },
);
export type GenresResponse = Static<typeof GenresResponse>;

/** `wren.catalog.v1.user`: the reference's User JSON with the watched movies (most recent first). */
export const UserRequest = Type.Object(
  { userId: Id, maxRatings: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })) },
  { additionalProperties: false },
);
export type UserRequest = Static<typeof UserRequest>;

export const UserResponse = Type.Object(
  {
    /** Null for an unknown user (the gateway answers with a cold-start page, not an error). */
    user: Type.Union([
      Type.Object({
        userId: Id,
        averageRating: Type.Number(),
        highestRating: Type.Number(),
        lowestRating: Type.Number(),
        ratingCount: Type.Integer({ minimum: 0 }),
        /** Genres of the positively rated (≥ 3.5) movies, most frequent first. */
        favouriteGenres: Type.Array(
          Type.Object({ genre: Type.String(), count: Type.Integer({ minimum: 1 }) }),
        ),
        ratings: Type.Array(RatingInfo),
      }),
      Type.Null(),
    ]),
  },
  { additionalProperties: false },
);
export type UserResponse = Static<typeof UserResponse>;
