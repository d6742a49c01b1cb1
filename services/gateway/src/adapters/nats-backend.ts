import { type Bus, DeadlineExceededError, NoRespondersError, RemoteError } from "@wren/bus";
import {
  channelsOf,
  ENDPOINTS,
  type Endpoint,
  encodePayload,
  MAX_CANDIDATES,
  type MovieInfo,
  type RequestOf,
  type ResponseOf,
  type WrenError,
} from "@wren/contracts";
import { BackendError } from "../domain/errors.js";
import type { ReadinessReport } from "../domain/ports.js";
import type {
  GenreSort,
  MovieDetails,
  MovieSummary,
  Recommendation,
  RecommendationBackend,
  RecommendationResult,
} from "../domain/types.js";
import { userProfile } from "../domain/user-profile.js";
import { MovieDisplayCache } from "./movie-display-cache.js";

export interface NatsBackendOptions {
  /** Budget of catalogue look-ups (movies, user, genre, similar). */
  lookupDeadlineMs: number;
  /** Share of a recommendation's budget for ranking; the rest fetches the movies' display data. */
  rankingShare?: number;
  /** How long the genre list is reused (it changes only with a new feature version). */
  genresTtlMs?: number;
}

/** The catalogue answers at most this many movies of a genre (GenreRequest.size). */
const GENRE_WINDOW = 1000;

function translate(e: unknown): unknown {
  if (e instanceof NoRespondersError) return new BackendError("no-responders", e.message, { cause: e });
  if (e instanceof DeadlineExceededError) return new BackendError("timeout", e.message, { cause: e });
  if (e instanceof RemoteError) {
    const kind = e.code === 503 ? "no-responders" : e.code === 504 ? "timeout" : "remote";
    return new BackendError(kind, e.message, { cause: e });
  }
  return e;
}

function isNotFound(e: unknown): boolean {
  return e instanceof RemoteError && (e as WrenError).code === 404;
}

/**
 * The gateway's backend over NATS: "guess you like" is one request to `wren.recommend.v1.for-user`
 * (ranking-service runs recall → features → predict), then display data from the catalogue for the movies
 * not already cached under the answer's feature version.
 * Idempotent requests are retried once within their deadline, so a replica that dies mid-request costs
 * a retry on another replica, not an error.
 */
export class NatsBackend implements RecommendationBackend {
  private genreCache: { at: number; genres: { genre: string; movieCount: number }[] } | null = null;
  private readonly displayCache = new MovieDisplayCache();
  private readonly rankingShare: number;
  private readonly genresTtlMs: number;

  constructor(
    private readonly bus: Bus,
    private readonly opts: NatsBackendOptions,
  ) {
    this.rankingShare = opts.rankingShare ?? 0.75;
    this.genresTtlMs = opts.genresTtlMs ?? 30_000;
  }

  private async call<E extends Endpoint>(
    endpoint: E,
    payload: RequestOf<E>,
    timeoutMs: number,
  ): Promise<ResponseOf<E>> {
    try {
      return await this.bus.request(endpoint, payload, {
        timeoutMs,
        attemptTimeoutMs: Math.max(20, Math.floor(timeoutMs / 2)),
        retries: 1,
      });
    } catch (e) {
      throw translate(e);
    }
  }

  private async movies(ids: readonly number[], timeoutMs: number): Promise<Map<number, MovieInfo>> {
    const out = new Map<number, MovieInfo>();
    const chunks: number[][] = [];
    for (let i = 0; i < ids.length; i += MAX_CANDIDATES) chunks.push(ids.slice(i, i + MAX_CANDIDATES));
    const replies = await Promise.all(
      chunks.map((movieIds) => this.call(ENDPOINTS.catalogMovies, { movieIds }, timeoutMs)),
    );
    for (const r of replies) for (const m of r.movies) out.set(m.movieId, m);
    return out;
  }

  async getRecommendations(req: {
    userId: number;
    model: string;
    size: number;
    deadlineMs: number;
  }): Promise<RecommendationResult> {
    const deadline = Date.now() + req.deadlineMs;
    const ranked = await this.call(
      ENDPOINTS.recommend,
      { userId: req.userId, model: req.model, size: req.size },
      Math.floor(req.deadlineMs * this.rankingShare),
    );
    const { found: movies, missing } = this.displayCache.lookup(ranked.featureVersion, ranked.movieIds);
    if (missing.length > 0) {
      const fetched = await this.movies(missing, Math.max(20, deadline - Date.now()));
      this.displayCache.store(ranked.featureVersion, fetched.values());
      for (const [id, movie] of fetched) movies.set(id, movie);
    }
    const items: Recommendation[] = [];
    ranked.movieIds.forEach((id, i) => {
      const movie = movies.get(id);
      // A movie the catalogue no longer has (new feature version mid-request) is dropped, not shown blank.
      if (!movie) return;
      items.push({
        movie,
        score: ranked.scores.length > 0 ? (ranked.scores[i] ?? null) : null,
        channels: channelsOf(ranked.channelMasks[i] ?? 0),
      });
    });
    return {
      items,
      model: ranked.model,
      version: ranked.modelVersion,
      degraded: ranked.degraded,
      degradedReasons: ranked.degradedReasons,
      coldStart: ranked.coldStart,
    };
  }

  async getUser(userId: number) {
    const { user } = await this.call(ENDPOINTS.catalogUser, { userId }, this.opts.lookupDeadlineMs);
    if (!user) return null;
    const { ratings, ...stats } = user;
    const movies = await this.movies([...new Set(ratings.map((r) => r.movieId))], this.opts.lookupDeadlineMs);
    return userProfile(stats, ratings, movies);
  }

  async getMovie(movieId: number): Promise<MovieDetails | null> {
    const r = await this.call(
      ENDPOINTS.catalogMovies,
      { movieIds: [movieId], withTopRatings: true },
      this.opts.lookupDeadlineMs,
    );
    const movie = r.movies[0];
    if (!movie) return null;
    return { ...movie, topRatings: r.topRatings?.[0] ?? [] };
  }

  async getSimilar(movieId: number, size: number): Promise<MovieSummary[] | null> {
    try {
      return (await this.call(ENDPOINTS.catalogSimilar, { movieId, size }, this.opts.lookupDeadlineMs))
        .movies;
    } catch (e) {
      if (isNotFound((e as Error).cause)) return null;
      throw e;
    }
  }

  async getGenreMovies(genre: string, sort: GenreSort, offset: number, limit: number) {
    const counts = await this.genreCounts();
    const total = Math.min(GENRE_WINDOW, counts.find((g) => g.genre === genre)?.movieCount ?? 0);
    if (offset >= total) return { total, movies: [] };
    const size = Math.min(GENRE_WINDOW, offset + limit);
    const r = await this.call(
      ENDPOINTS.catalogGenre,
      { genre, size, sortBy: sort },
      this.opts.lookupDeadlineMs,
    );
    return { total, movies: r.movies.slice(offset, offset + limit) };
  }

  async genres(): Promise<string[]> {
    return (await this.genreCounts()).map((g) => g.genre);
  }

  private async genreCounts() {
    if (this.genreCache && Date.now() - this.genreCache.at < this.genresTtlMs) return this.genreCache.genres;
    const { genres } = await this.call(ENDPOINTS.catalogGenres, {}, this.opts.lookupDeadlineMs);
    this.genreCache = { at: Date.now(), genres };
    return genres;
  }

  /**
   * Ready when NATS is connected and every endpoint the gateway calls has a responder under this bus's
   * subject prefix. The probe is an empty request, which a live replica rejects at once with 400 before
   * any work; "no responders" means nobody serves the subject.
   */
  async readiness(): Promise<ReadinessReport> {
    const checks: Record<string, string> = {};
    if (this.bus.nc.isClosed()) return { ready: false, checks: { nats: "closed" } };
    checks.nats = "connected";
    const probes = [ENDPOINTS.recommend, ENDPOINTS.catalogMovies] as const;
    let ready = true;
    await Promise.all(
      probes.map(async (endpoint) => {
        try {
          await this.bus.nc.request(this.bus.subject(endpoint.subject), encodePayload(null, "json"), {
            timeout: 1000,
          });
          checks[endpoint.service] = "responding";
        } catch (e) {
          ready = false;
          checks[endpoint.service] = /no responders/i.test((e as Error).message)
            ? "no responders"
            : `no answer: ${(e as Error).message}`;
        }
      }),
    );
    return { ready, checks };
  }
}
