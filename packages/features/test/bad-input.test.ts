import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { engineerFeatures, FeatureInputError } from "../src/index.js";
import { type RawMovie, writeDataset } from "./helpers.js";

const movies: RawMovie[] = [
  { movieId: 1, title: "Toy Story (1995)", genres: ["Animation"] },
  { movieId: 2, title: "Heat (1995)", genres: ["Action", "Crime"] },
];
const HEADER = "userId,movieId,rating,timestamp\n";

async function failure(dir: string): Promise<FeatureInputError> {
  const err = await engineerFeatures({ dataDir: dir, outDir: join(dir, "out") }).then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof FeatureInputError))
    throw new Error(`expected a FeatureInputError, got ${String(err)}`);
  return err;
}

const withRatings = (text: string) => writeDataset(movies, [], { ratingsText: text });

describe("bad input: file, line and problem", () => {
  it.each([
    ["a non-number", `${HEADER}1,1,4.0,100\n1,2,abc,101\n`, 3, /malformed row "1,2,abc,101".*rating/],
    ["a missing column", `${HEADER}1,1,4.0,100\n1,2,4.0\n`, 3, /malformed row.*Expected Number of Columns/],
    ["an extra column", `${HEADER}1,1,4.0,100,7\n`, 2, /malformed row/],
    ["an empty value", `${HEADER}1,1,4.0,100\n2,,4.0,100\n`, 3, /missing value/],
    ["a rating above 5", `${HEADER}1,1,4.0,100\n1,2,5.5,100\n`, 3, /rating outside 0.5–5: rating 5.5/],
    ["a rating below 0.5", `${HEADER}1,1,0.0,100\n`, 2, /rating outside 0.5–5/],
    [
      "a rating between half stars",
      `${HEADER}1,1,4.5,100\n1,2,3.7,100\n`,
      3,
      /rating not a multiple of 0\.5: rating 3\.7/,
    ],
    ["an unknown movie id", `${HEADER}1,1,4.0,100\n1,99,4.0,100\n`, 3, /unknown movie id.*movieId 99/],
    [
      "a duplicate (user, movie)",
      `${HEADER}1,1,4.0,100\n1,2,3.0,100\n1,1,2.0,200\n`,
      4,
      /duplicate .*userId 1, movieId 1.*line 2/,
    ],
    ["a wrong header", "user,movie,rating,time\n1,1,4.0,100\n", 1, /expected header/],
  ])("ratings.csv with %s", async (_name, text, line, problem) => {
    const dir = await withRatings(text);
    const err = await failure(dir);
    expect(err.file).toBe(join(dir, "ratings.csv"));
    expect(err.line).toBe(line);
    expect(err.problem).toMatch(problem);
    expect(err.message).toContain(`ratings.csv:${line}: `);
  });

  it("an empty ratings file and a header-only one", async () => {
    expect((await failure(await withRatings(""))).problem).toBe("file is empty");
    expect((await failure(await withRatings(HEADER))).problem).toMatch(/no ratings/);
  });

  it("movies.csv: duplicate id, malformed quoting", async () => {
    const dup = await writeDataset(movies, [], {
      moviesText: "movieId,title,genres\n1,A (1990),Drama\n1,B (1991),Drama\n",
      ratingsText: `${HEADER}1,1,4.0,100\n`,
    });
    const e1 = await failure(dup);
    expect([e1.file, e1.line]).toEqual([join(dup, "movies.csv"), 3]);
    expect(e1.problem).toMatch(/duplicate movie id/);
    const quote = await writeDataset(movies, [], {
      moviesText: 'movieId,title,genres\n1,"Unclosed (1990),Drama\n',
      ratingsText: `${HEADER}1,1,4.0,100\n`,
    });
    expect((await failure(quote)).file).toBe(join(quote, "movies.csv"));
  });

  it("a wrong directory", async () => {
    const missing = join(tmpdir(), "wren-no-such-dir");
    expect((await failure(missing)).problem).toBe("directory not found");
    const empty = await mkdtemp(join(tmpdir(), "wren-empty-"));
    expect((await failure(empty)).problem).toMatch(/missing movies.csv and ratings.csv/);
    await writeFile(join(empty, "ratings.dat"), "1::1::5::978300760\n");
    expect((await failure(empty)).problem).toMatch(/found ratings.dat/);
  });
});
