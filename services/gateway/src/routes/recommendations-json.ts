import type { MovieSummary } from "../domain/types.js";
import type { RecommendOutcome } from "./context.js";

/**
 * The body of `GET /api/users/:userId/recommendations`, written by hand. The schema serializer re-encoded
 * every movie's display fields on every request (with the object copies feeding it, a fifth of the gateway's
 * CPU at saturation). A movie's fields do not change within a feature version and the display cache hands out
 * the same objects, so their JSON is kept per object; only score and channels are written per request. The
 * text is byte for byte what the route's schema serializer writes (test/recommendations-json.test.ts).
 */
const movieFieldsJson = new WeakMap<MovieSummary, string>();

/** `{"movieId":…,"averageRating":…` — the object left open for the per-request fields. */
function movieFields(m: MovieSummary): string {
  let json = movieFieldsJson.get(m);
  if (json === undefined) {
    json =
      `{"movieId":${JSON.stringify(m.movieId)},"title":${JSON.stringify(m.title)},` +
      `"releaseYear":${JSON.stringify(m.releaseYear)},"genres":${JSON.stringify(m.genres)},` +
      `"imdbId":${JSON.stringify(m.imdbId)},"tmdbId":${JSON.stringify(m.tmdbId)},` +
      `"ratingNumber":${JSON.stringify(m.ratingNumber)},"averageRating":${JSON.stringify(m.averageRating)}`;
    movieFieldsJson.set(m, json);
  }
  return json;
}

export function recommendationsJson(userId: number, { result, experiment }: RecommendOutcome): string {
  let items = "";
  for (const r of result.items) {
    if (items !== "") items += ",";
    items += `${movieFields(r.movie)},"score":${JSON.stringify(r.score)},"why":${JSON.stringify(r.channels)}}`;
  }
  const exp =
    experiment === null
      ? "null"
      : `{"name":${JSON.stringify(experiment.name)},"variant":${JSON.stringify(experiment.variant)}}`;
  return (
    `{"userId":${JSON.stringify(userId)},"model":${JSON.stringify(result.model)},` +
    `"version":${JSON.stringify(result.version)},"degraded":${result.degraded},` +
    `"degradedReasons":${JSON.stringify(result.degradedReasons)},"coldStart":${result.coldStart},` +
    `"experiment":${exp},"items":[${items}]}`
  );
}
