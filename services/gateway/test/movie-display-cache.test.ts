import type { MovieInfo } from "@wren/contracts";
import { describe, expect, it } from "vitest";
import { MovieDisplayCache } from "../src/adapters/movie-display-cache.js";

const movie = (movieId: number, title = `Movie ${movieId}`): MovieInfo =>
  ({
    movieId,
    title,
    releaseYear: 2000,
    genres: [],
    imdbId: "",
    tmdbId: "",
    ratingNumber: 1,
    averageRating: 4,
  }) as MovieInfo;

describe("MovieDisplayCache", () => {
  it("asks only for the movies it has not seen under the same version", () => {
    const cache = new MovieDisplayCache();
    expect(cache.lookup("v1", [1, 2]).missing).toEqual([1, 2]);
    cache.store("v1", [movie(1), movie(2)]);
    const { found, missing } = cache.lookup("v1", [2, 3, 1]);
    expect(missing).toEqual([3]);
    expect([...found.keys()]).toEqual([2, 1]);
    expect(found.get(2)?.title).toBe("Movie 2");
  });

  it("forgets everything when the feature version changes, and keeps nothing for an unknown version", () => {
    const cache = new MovieDisplayCache();
    cache.lookup("v1", [1]);
    cache.store("v1", [movie(1, "old title")]);
    expect(cache.lookup("v2", [1]).missing).toEqual([1]);
    cache.store("v1", [movie(1, "old title")]); // a late answer for the old version is not kept
    expect(cache.lookup("v2", [1]).missing).toEqual([1]);
    cache.store("v2", [movie(1, "new title")]);
    expect(cache.lookup("", [1]).missing).toEqual([1]); // no version: no reuse…
    cache.store("", [movie(1)]);
    expect(cache.lookup("v2", [1]).found.get(1)?.title).toBe("new title"); // …and nothing forgotten
  });

  it("starts over instead of growing past its bound", () => {
    const cache = new MovieDisplayCache(2);
    cache.lookup("v1", []);
    cache.store("v1", [movie(1), movie(2)]);
    cache.store("v1", [movie(3)]);
    expect(cache.lookup("v1", [1, 2, 3]).missing).toEqual([1, 2]);
  });
});
