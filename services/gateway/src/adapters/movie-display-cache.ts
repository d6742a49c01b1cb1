import type { MovieInfo } from "@wren/contracts";

/**
 * Movies' display data by feature version. Within a version a movie's record never changes (the pipeline
 * writes it once; real-time ratings touch users only), so "guess you like" asks the catalogue only for the
 * movies this gateway has not shown under that version: one NATS round trip less on almost every request.
 */
export class MovieDisplayCache {
  private version = "";
  private readonly movies = new Map<number, MovieInfo>();

  /** Bounded so a huge catalogue cannot grow the gateway without limit: past it, start over. */
  constructor(private readonly maxEntries = 200_000) {}

  /** The cached movies of `ids` under `version` and the ids still to fetch; a new version empties the cache. */
  lookup(version: string, ids: readonly number[]): { found: Map<number, MovieInfo>; missing: number[] } {
    // "" = an answer that names no version (recall failed): nothing to reuse, nothing to forget.
    if (version !== "" && version !== this.version) {
      this.movies.clear();
      this.version = version;
    }
    const found = new Map<number, MovieInfo>();
    const missing: number[] = [];
    for (const id of ids) {
      const movie = version === this.version ? this.movies.get(id) : undefined;
      if (movie) found.set(id, movie);
      else missing.push(id);
    }
    return { found, missing };
  }

  /** Keeps movies fetched under `version` (ignored if the cache moved on to another version meanwhile). */
  store(version: string, movies: Iterable<MovieInfo>): void {
    if (version === "" || version !== this.version) return;
    if (this.movies.size >= this.maxEntries) this.movies.clear();
    for (const m of movies) this.movies.set(m.movieId, m);
  }
}
