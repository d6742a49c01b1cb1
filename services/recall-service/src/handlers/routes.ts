import { type Route, route } from "@wren/bus";
import { ENDPOINTS, type RecallRequest, type RecallResponse, WrenError } from "@wren/contracts";
import type { FeatureStore } from "@wren/feature-store";
import { type LiveCatalog, readUserSignals } from "../adapters/live-catalog.js";
import { genreMovies, lookupMovies, similarMovies, userProfile } from "../domain/catalog.js";
import { type RecallConfig, recallCandidates } from "../domain/recall.js";

export interface RecallDeps {
  catalog: LiveCatalog;
  store: FeatureStore;
  recall: RecallConfig;
}

/** Redis failures become 503s the caller can act on instead of 500s. */
async function fromStore<T>(what: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (e) {
    throw WrenError.unavailable(`feature store unavailable while reading ${what}: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

/**
 * Candidates for a user from the live index and the user's history (also used in-process). The pointer
 * is read in the same round trip as the history: when it moved (a new load, or Redis lost the data), the
 * index is rebuilt first, because a history read from a version that is gone would look empty and let
 * rated movies through.
 */
export async function recallForUser(
  deps: RecallDeps,
  req: RecallRequest,
  deadline = Number.POSITIVE_INFINITY,
): Promise<RecallResponse> {
  let index = deps.catalog.current();
  const read = (version: string, withTwoTower: boolean) =>
    fromStore("user history", () => readUserSignals(deps.store.at(version), req.userId, withTwoTower));
  const [live, first] = await Promise.all([
    fromStore("version pointer", () => deps.store.currentVersion()),
    read(index.version, index.twoTowerItems !== null),
  ]);
  let signals = first;
  if (live !== index.version) {
    await fromStore("catalogue", () => deps.catalog.refresh());
    index = deps.catalog.current();
    if (live === null || index.version !== live) {
      throw WrenError.unavailable("feature-store version is changing or missing; try again");
    }
    signals = await read(index.version, index.twoTowerItems !== null);
  }
  // Queued behind a burst past the caller's deadline: the answer would be dropped, so skip the work.
  if (Date.now() >= deadline) {
    throw new WrenError({
      code: 504,
      type: "deadline_exceeded",
      message: "recall skipped: the caller's deadline passed while the request waited",
      retryable: true,
    });
  }
  const result = recallCandidates(index, signals, { ...deps.recall, size: req.size ?? deps.recall.size });
  return { userId: req.userId, featureVersion: index.version, ...result };
}

/** Handlers of every subject the recall service serves: candidates and the catalogue lookups. */
export function recallRoutes(deps: RecallDeps): Route[] {
  const { catalog, store } = deps;
  return [
    route(ENDPOINTS.recallCandidates, (req, ctx) => recallForUser(deps, req, ctx.deadline)),
    route(ENDPOINTS.catalogMovies, async (req) => {
      const index = catalog.current();
      const found = lookupMovies(index, req.movieIds);
      if (!req.withTopRatings) return found;
      const top = await fromStore("top ratings", () =>
        store.at(index.version).getTopRatings(found.movies.map((m) => m.movieId)),
      );
      const topRatings = top.map((list, i) =>
        list.map((r) => ({
          userId: r.userId,
          movieId: found.movies[i].movieId,
          score: r.rating,
          timestamp: r.timestamp,
        })),
      );
      return { ...found, topRatings };
    }),
    route(ENDPOINTS.catalogSimilar, async (req) => similarMovies(catalog.current(), req.movieId, req.size)),
    route(ENDPOINTS.catalogGenre, async (req) =>
      genreMovies(catalog.current(), req.genre, req.size, req.sortBy),
    ),
    route(ENDPOINTS.catalogGenres, async () => ({ genres: catalog.current().genres })),
    route(ENDPOINTS.catalogUser, async (req) => {
      const index = catalog.current();
      const history = await fromStore("user history", () =>
        store.at(index.version).getUserHistory(req.userId),
      );
      return userProfile(index, req.userId, history, req.maxRatings ?? 1000, deps.recall.positiveRating);
    }),
  ];
}
