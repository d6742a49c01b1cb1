import { channelsOf, RECALL_CHANNELS } from "@wren/contracts";
import { describe, expect, it, vi as vitest } from "vitest";
import {
  buildCatalogIndex,
  CandidateMerge,
  DEFAULT_RECALL_CONFIG,
  genreMovies,
  mergeChannels,
  recallCandidates,
  similarMovies,
  userProfile,
  VectorIndex,
  warmCatalogIndex,
} from "../src/index.js";
import { fixtureHistory, fixtureMovies, GENRES } from "./fixture-store.js";

function axis(g: number, jitter: number): Float32Array {
  const v = new Float32Array(8);
  v[g] = 1;
  v[4 + g] = jitter;
  return v;
}

const movies = fixtureMovies().map((m) => ({
  movieId: m.movieId,
  title: `Movie ${m.movieId}`,
  releaseYear: m.releaseYear,
  genres: [m.genre],
  imdbId: "",
  tmdbId: "",
  ratingNumber: m.ratingNumber,
  averageRating: m.averageRating,
}));
const genreOf = new Map(fixtureMovies().map((m) => [m.movieId, m.genre]));
const vectors = new Map(
  fixtureMovies().map((m) => [String(m.movieId), axis(GENRES.indexOf(m.genre as never), m.movieId / 1000)]),
);
const index = buildCatalogIndex({
  version: "v1",
  movies,
  i2v: vectors,
  twoTowerItems: vectors,
  minRatingCount: 150,
});
const config = { ...DEFAULT_RECALL_CONFIG, size: 40 };

describe("recallCandidates", () => {
  it("never returns a rated movie, tags every candidate, de-duplicates, honours size", () => {
    for (let u = 2; u <= 40; u++) {
      const history = fixtureHistory(u);
      const r = recallCandidates(index, { history, twoTowerVector: axis(u % 4, 0.1) }, config);
      const rated = new Set(history.map((h) => h.movieId));
      expect(r.movieIds.some((id) => rated.has(id))).toBe(false);
      expect(new Set(r.movieIds).size).toBe(r.movieIds.length);
      expect(r.movieIds).toHaveLength(40);
      expect(r.channelMasks.every((m) => m > 0)).toBe(true);
      expect(r.coldStart).toBe(false);
    }
  });

  it("puts personal channels first: the first candidates share the user's genre, with i2v/two-tower/genre tags", () => {
    const history = fixtureHistory(6); // genre 2 = Drama
    const r = recallCandidates(index, { history, twoTowerVector: axis(2, 0.1) }, config);
    expect(r.movieIds.slice(0, 7).every((id) => genreOf.get(id) === "Drama")).toBe(true);
    const tags = new Set(r.channelMasks.flatMap(channelsOf));
    for (const c of ["two-tower", "i2v", "genre", "top-rated", "popular"]) expect(tags).toContain(c);
    // A movie proposed by several channels keeps every tag.
    expect(r.channelMasks.some((m) => channelsOf(m).length >= 2)).toBe(true);
  });

  it("skips the two-tower channel when the space is absent", () => {
    const noTT = { ...index, twoTowerItems: null };
    const r = recallCandidates(noTT, { history: fixtureHistory(6), twoTowerVector: null }, config);
    expect(r.channelMasks.flatMap(channelsOf)).not.toContain("two-tower");
  });

  it("gives unknown and nearly unknown users a cold-start mix across genres", () => {
    for (const history of [[], fixtureHistory(1)]) {
      const r = recallCandidates(index, { history, twoTowerVector: null }, config);
      expect(r.coldStart).toBe(true);
      expect(r.channelMasks.every((m) => channelsOf(m).includes("cold-start"))).toBe(true);
      const genres = new Set(r.movieIds.slice(0, 8).map((id) => genreOf.get(id)));
      expect(genres.size).toBe(4);
      expect(r.movieIds.some((id) => history.some((h) => h.movieId === id))).toBe(false);
    }
  });

  it("merge keeps first position and ORs masks", () => {
    const r = mergeChannels(
      [
        { mask: 1, ids: [5, 6] },
        { mask: 2, ids: [6, 7] },
      ],
      10,
    );
    expect(r.movieIds).toEqual([5, 6, 7]);
    expect(r.channelMasks).toEqual([1, 3, 2]);
    expect(RECALL_CHANNELS[0]).toBe("popular");
  });

  it("merges as a plain Map-based merge does: duplicates, colliding ids, successive adds, capacity", () => {
    type Lists = { mask: number; ids: number[] }[];
    // The obvious implementation, as the oracle.
    const reference = (capacity: number) => {
      const ids: number[] = [];
      const masks: number[] = [];
      const at = new Map<number, number>();
      return {
        add(lists: Lists, size: number) {
          const longest = Math.max(0, ...lists.map((l) => l.ids.length));
          for (let i = 0; i < longest; i++)
            for (const l of lists) {
              if (i >= l.ids.length) continue;
              const p = at.get(l.ids[i]);
              if (p !== undefined) masks[p] |= l.mask;
              else if (ids.length < Math.min(size, capacity)) {
                at.set(l.ids[i], ids.length);
                ids.push(l.ids[i]);
                masks.push(l.mask);
              }
            }
        },
        result: () => ({ movieIds: ids, channelMasks: masks }),
      };
    };
    const unit = (i: number) => {
      const x = Math.sin(i * 78.233 + 1.7) * 43758.5453;
      return x - Math.floor(x);
    };
    let draw = 0;
    const int = (n: number) => Math.floor(unit(draw++) * n);
    for (let c = 0; c < 300; c++) {
      const capacity = 1 + int(900);
      // Few distinct ids (heavy overlap) or sparse ones up to MovieLens' largest, multiples of a power of two
      // among them so that many share their low bits.
      const idRange = [40, 2000, 300_000][c % 3];
      const ours = new CandidateMerge(capacity);
      const theirs = reference(capacity);
      for (let round = 0; round < 3; round++) {
        const lists: Lists = Array.from({ length: 1 + int(5) }, () => ({
          mask: 1 << int(6),
          ids: Array.from({ length: int(400) }, () =>
            int(4) === 0 ? 1024 * (1 + int(200)) : 1 + int(idRange),
          ),
        }));
        // Sizes past the capacity too: the merge stops at its capacity.
        const size = round === 2 ? capacity + int(200) : int(capacity + 1);
        ours.add(lists, size);
        theirs.add(lists, size);
      }
      expect(ours.result()).toEqual(theirs.result());
      expect(ours.length).toBe(theirs.result().movieIds.length);
    }
  });
});

describe("catalogue look-ups", () => {
  it("similar movies come from the same genre, best first, never the movie itself", () => {
    const s = similarMovies(index, 201, 5);
    expect(s.source).toBe("i2v");
    expect(s.movies.map((m) => genreOf.get(m.movieId))).toEqual(Array(5).fill("Drama"));
    expect(s.movies.map((m) => m.movieId)).not.toContain(201);
    expect([...s.scores].sort((a, b) => b - a)).toEqual(s.scores);
    expect(() => similarMovies(index, 99999, 5)).toThrow(/99999/);
  });

  it("genre lists sort by rating or year, case-insensitively, and 404 on an unknown genre", () => {
    const byRating = genreMovies(index, "comedy", 100, "rating").movies;
    expect(byRating.every((m) => m.ratingNumber >= 150)).toBe(true);
    expect(byRating.map((m) => m.averageRating)).toEqual(
      [...byRating.map((m) => m.averageRating)].sort((a, b) => b - a),
    );
    const byYear = genreMovies(index, "Comedy", 3, "releaseYear").movies;
    expect(byYear.map((m) => m.releaseYear)).toEqual([1994, 1993, 1992]);
    expect(() => genreMovies(index, "Western", 3, "rating")).toThrow(/genre "Western"/);
  });

  it("user profile has stats and favourite genres; null for unknown users", () => {
    const p = userProfile(index, 6, fixtureHistory(6), 3, 3.5).user;
    expect(p?.ratingCount).toBe(8);
    expect(p?.ratings).toHaveLength(3);
    expect(p?.highestRating).toBe(4.5);
    expect(p?.favouriteGenres[0]).toEqual({ genre: "Drama", count: 8 });
    expect(userProfile(index, 99, [], 3, 3.5).user).toBeNull();
  });

  it("vector index returns exact top-k", () => {
    const vi = VectorIndex.build(
      new Map([
        ["1", new Float32Array([1, 0])],
        ["2", new Float32Array([0.6, 0.8])],
        ["3", new Float32Array([0, 1])],
      ]),
    );
    expect(vi?.nearest(new Float32Array([1, 0.1]), 2).ids).toEqual([1, 2]);
    expect(vi?.nearest(new Float32Array([1, 0.1]), 2, new Set([1])).ids).toEqual([2, 3]);
  });

  it("cached item-to-item neighbours equal a full scan, with ties and with exclusions past the slack", () => {
    // A hash, not a generator: deterministic values without another seeded RNG.
    const unit = (i: number) => {
      const x = Math.sin(i * 12.9898) * 43758.5453;
      return x - Math.floor(x);
    };
    const vectors = new Map<number, Float32Array>();
    for (let id = 1; id <= 600; id++) {
      // Every fifth movie copies an earlier vector, so equal scores (ties) are common.
      const base = id % 5 === 0 ? id - 3 : id;
      vectors.set(
        id,
        Float32Array.from({ length: 6 }, (_, j) => unit(base * 7 + j) - 0.5),
      );
    }
    const vi = VectorIndex.build(vectors) as VectorIndex;
    for (const [seed, excluded, k] of [
      [1, 0, 60],
      [10, 40, 60],
      [33, 350, 60], // more exclusions than the cached slack: falls back to a scan
      [77, 0, 700], // k beyond the catalogue
      [2, 20, 0],
    ] as const) {
      const exclude = new Set(
        Array.from({ length: excluded }, (_, i) => 1 + Math.floor(unit(seed + i) * 600)),
      );
      exclude.add(seed);
      const scan = vi.nearest(vi.vector(seed) as Float32Array, k, exclude).ids;
      expect(vi.nearestToId(seed, k, exclude)).toEqual(scan);
      expect(vi.nearestToId(seed, k, exclude)).toEqual(scan); // second call: from the cache
    }
    expect(vi.nearestToId(9999, 5)).toBeNull();
  });

  it("warming fills the neighbour lists recall reads, within its budget, yielding to the event loop", async () => {
    const unit = (i: number) => {
      const x = Math.sin(i * 78.233) * 43758.5453;
      return x - Math.floor(x);
    };
    const build = () => {
      const vectors = new Map<number, Float32Array>();
      for (let id = 1; id <= 3000; id++) {
        vectors.set(
          id,
          Float32Array.from({ length: 32 }, (_, j) => unit(id * 33 + j) - 0.5),
        );
      }
      return VectorIndex.build(vectors) as VectorIndex;
    };
    const cold = build();
    const warm = build();
    expect(await warm.warmNeighbours([1, 2, 3], 60, 0)).toBe(0);

    const order: string[] = [];
    setImmediate(() => order.push("event loop"));
    const ids = Array.from({ length: 400 }, (_, i) => i + 1);
    const filled = await warm.warmNeighbours([...ids, 99_999], 60, 60_000);
    order.push("warmed");
    expect(filled).toBe(400); // the unknown id fills nothing
    // 400 scans of 3,000 × 32 take far longer than one 5 ms slice: something else ran in between
    expect(order).toEqual(["event loop", "warmed"]);

    const scans = vitest.spyOn(warm, "nearest");
    for (const id of [1, 57, 400]) {
      const exclude = new Set([id, id + 1, id + 2]);
      expect(warm.nearestToId(id, 60, exclude)).toEqual(cold.nearestToId(id, 60, exclude));
    }
    expect(scans).not.toHaveBeenCalled();
    expect(warm.nearestToId(401, 60)).toEqual(cold.nearestToId(401, 60));
    expect(scans).toHaveBeenCalledTimes(1); // not warmed: scanned
  });

  it("warms a catalogue's most rated movies first, sized for a user with every seed", async () => {
    const fresh = buildCatalogIndex({ version: "v1", movies, i2v: vectors, minRatingCount: 150 });
    const i2vIndex = fresh.i2v as VectorIndex;
    const scans = vitest.spyOn(i2vIndex, "nearest");
    const filled = await warmCatalogIndex(fresh, DEFAULT_RECALL_CONFIG, 60_000);
    expect(filled).toBe(movies.length);
    expect(scans.mock.calls[0][0]).toEqual(i2vIndex.vector(fresh.popular[0]));
    const k = Math.ceil(DEFAULT_RECALL_CONFIG.quotas.i2v / DEFAULT_RECALL_CONFIG.i2vSeeds);
    scans.mockClear();
    i2vIndex.nearestToId(fresh.popular[5], k, new Set([fresh.popular[5]]));
    expect(scans).not.toHaveBeenCalled();
  });
});
