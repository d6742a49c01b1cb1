import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  DatasetNotFoundError,
  detectFormat,
  MovieLensParseError,
  openDataset,
  titleYear,
} from "../src/index.js";
import { collect, tempDataset } from "./fixtures.js";

const BOM = "\uFEFF";
const RATINGS_HEADER = "userId,movieId,rating,timestamp\n";
const MOVIES_HEADER = "movieId,title,genres\n";

function latin1(text: string): Buffer {
  return Buffer.from(text, "latin1");
}

/** Expects `run` to reject with a MovieLensParseError for `file` at `line` whose problem matches `problem`. */
async function expectParseError(run: () => Promise<unknown>, file: string, line: number, problem: RegExp) {
  const err = await run().then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MovieLensParseError);
  const parseError = err as MovieLensParseError;
  expect(parseError.file.endsWith(file)).toBe(true);
  expect(parseError.line).toBe(line);
  expect(parseError.message).toContain(`${file}:${line}: `);
  expect(parseError.problem).toMatch(problem);
}

describe("titleYear", () => {
  it("reads the trailing year, year ranges and titles with trailing spaces", () => {
    expect(titleYear("Toy Story (1995)")).toBe(1995);
    expect(titleYear("American President, The (1995)")).toBe(1995);
    expect(titleYear("Dream of Light (a.k.a. Quince Tree Sun, The) (Sol del membrillo, El) (1992)")).toBe(
      1992,
    );
    expect(titleYear("Babylon 5 (1993-1998)")).toBe(1993);
    expect(titleYear("Fawlty Towers (1975-1979)")).toBe(1975);
    expect(titleYear("The Big Bang Theory (2007-)")).toBe(2007);
    expect(titleYear("Hostage (2005)  ")).toBe(2005);
    expect(titleYear("Hyena Road")).toBeNull();
    expect(titleYear("1984 (a.k.a. Nineteen Eighty-Four)")).toBeNull();
  });
});

describe("ml-latest CSV", () => {
  it("reads quoted titles, doubled quotes, BOM, CRLF, line breaks in quotes and (no genres listed)", async () => {
    const dir = await tempDataset({
      "movies.csv":
        `${BOM}movieId,title,genres\r\n` +
        "1,Toy Story (1995),Adventure|Animation|Children|Comedy|Fantasy\r\n" +
        '11,"American President, The (1995)",Comedy|Drama|Romance\r\n' +
        '2000,"Big ""Fan"" (2000)",Comedy\r\n' +
        "131260,Rentun Ruusu (2001),(no genres listed)\r\n" +
        '149352,"Line\r\nBreak, A (1999)",Drama\r\n' +
        "160000,Trailing Spaces (2004)  ,Drama\r\n" +
        "170000,Café Society (2016),Comedy|Drama|Romance\r\n" +
        "180000,Babylon 5 (1993-1998),Sci-Fi\r\n" +
        "190000,Hyena Road,Drama",
      "ratings.csv": `${BOM}userId,movieId,rating,timestamp\r\n1,1,4.0,964982703\r\n1,11,0.5,964981247\r\n2,2000,5,1445714835\r\n\r\n`,
      "links.csv": "movieId,imdbId,tmdbId\n1,0114709,862\n11,0112346,\n",
    });
    const ds = await openDataset(dir);
    expect(ds.format).toBe("ml-latest");
    const movies = await collect(ds.movies());
    expect(movies.map((m) => m.title)).toEqual([
      "Toy Story (1995)",
      "American President, The (1995)",
      'Big "Fan" (2000)',
      "Rentun Ruusu (2001)",
      "Line\r\nBreak, A (1999)",
      "Trailing Spaces (2004)",
      "Café Society (2016)",
      "Babylon 5 (1993-1998)",
      "Hyena Road",
    ]);
    expect(movies[1]).toEqual({
      movieId: 11,
      title: "American President, The (1995)",
      genres: ["Comedy", "Drama", "Romance"],
      releaseYear: 1995,
    });
    expect(movies[3].genres).toEqual([]);
    expect(movies.map((m) => m.releaseYear)).toEqual([1995, 1995, 2000, 2001, 1999, 2004, 2016, 1993, null]);
    expect(await collect(ds.ratings())).toEqual([
      { userId: 1, movieId: 1, rating: 4, timestamp: 964982703 },
      { userId: 1, movieId: 11, rating: 0.5, timestamp: 964981247 },
      { userId: 2, movieId: 2000, rating: 5, timestamp: 1445714835 },
    ]);
    expect(await collect(ds.links())).toEqual([
      { movieId: 1, imdbId: "0114709", tmdbId: "862" },
      { movieId: 11, imdbId: "0112346", tmdbId: "" },
    ]);
  });

  it("reads a ratings file whose last line has no newline, and reports bytes read", async () => {
    const dir = await tempDataset({
      "movies.csv": `${MOVIES_HEADER}1,A (1990),Drama\n`,
      "ratings.csv": `${RATINGS_HEADER}7,1,3.5,1000\n7,1,2.5,1001`,
    });
    const progress: Array<[number, number | null]> = [];
    const ds = await openDataset(dir);
    const ratings = await collect(ds.ratings({ onProgress: (done, total) => progress.push([done, total]) }));
    expect(ratings.map((r) => r.rating)).toEqual([3.5, 2.5]);
    const size = RATINGS_HEADER.length + "7,1,3.5,1000\n7,1,2.5,1001".length;
    expect(progress.at(-1)).toEqual([size, size]);
  });

  it("closes the file when a reader stops early", async () => {
    const lines = Array.from({ length: 200_000 }, (_, i) => `1,${1 + i},4.0,${i}\n`).join("");
    const dir = await tempDataset({
      "movies.csv": `${MOVIES_HEADER}1,A (1990),Drama\n`,
      "ratings.csv": RATINGS_HEADER + lines,
    });
    const ds = await openDataset(dir);
    const openFiles = async () => (await readdir("/proc/self/fd")).length;
    const before = await openFiles();
    for await (const r of ds.ratings()) {
      expect(await openFiles()).toBe(before + 1);
      expect(r.movieId).toBe(1);
      break;
    }
    await new Promise((ok) => setTimeout(ok, 50)); // the stream closes its descriptor asynchronously
    expect(await openFiles()).toBe(before);
  });

  it("has no links when links.csv is absent", async () => {
    const dir = await tempDataset({
      "movies.csv": `${MOVIES_HEADER}1,A (1990),Drama\n`,
      "ratings.csv": `${RATINGS_HEADER}1,1,3,1\n`,
    });
    expect(await collect((await openDataset(dir)).links())).toEqual([]);
  });
});

describe("ml-1m .dat files", () => {
  it("reads Latin-1 titles, :: separators and maps Children's to Children", async () => {
    const dir = await tempDataset({
      "movies.dat": latin1(
        "1::Toy Story (1995)::Animation|Children's|Comedy\n" +
          "73::Misérables, Les (1995)::Drama|Musical\n" +
          "3904::Uninvited Guest, An (2000)::Drama\n",
      ),
      "ratings.dat": "1::1193::5::978300760\n1::661::3::978302109\n",
      "users.dat": "1::F::1::10::48067\n",
    });
    expect(await detectFormat(dir)).toBe("ml-1m");
    const ds = await openDataset(dir);
    const movies = await collect(ds.movies());
    expect(movies[0].genres).toEqual(["Animation", "Children", "Comedy"]);
    expect(movies[1]).toEqual({
      movieId: 73,
      title: "Misérables, Les (1995)",
      genres: ["Drama", "Musical"],
      releaseYear: 1995,
    });
    expect(await collect(ds.ratings())).toEqual([
      { userId: 1, movieId: 1193, rating: 5, timestamp: 978300760 },
      { userId: 1, movieId: 661, rating: 3, timestamp: 978302109 },
    ]);
    expect(await collect(ds.links())).toEqual([]);
  });
});

describe("ml-100k files", () => {
  const flags = (...on: number[]) =>
    Array.from({ length: 19 }, (_, g) => (on.includes(g) ? "1" : "0")).join("|");
  it("reads u.item genre flags, Latin-1 titles, unknown movies and tab-separated u.data", async () => {
    const dir = await tempDataset({
      "u.item": latin1(
        `1|Toy Story (1995)|01-Jan-1995||http://us.imdb.com/M/title-exact?Toy%20Story%20(1995)|${flags(3, 4, 5)}\n` +
          `267|unknown||||${flags(0)}\n` +
          `1300|'Til There Was You|01-Jan-1997||http://us.imdb.com/x|${flags(8, 14)}\n` +
          `1682|Scream of Stone (Schrei aus Stein) (1991)|08-Mar-1996||http://x|${flags(8)}\n` +
          `1500|Santa with Muscles (1996)|08-Nov-1996||http://x|${flags(5)}\n` +
          `1001|Stupids, The (1996)|01-Jan-1996||http://x|${flags(5)}\n` +
          `999|Clean Slate (Coup de Torchon) (1981)|01-Jan-1981||http://x|${flags(5, 6)}\n` +
          `1201|Marlene Dietrich: Shadow and Light (1996) |02-Apr-1996||http://x|${flags(7)}\n` +
          `1536|Aiqing wansui (1994)|22-Jul-1996||http://x|${flags(8)}\n` +
          `1633|Á köldum klaka (Cold Fever) (1994)|08-Mar-1996||http://x|${flags(5, 8)}\n`,
      ),
      "u.data": "196\t242\t3\t881250949\r\n186\t302\t3\t891717742\r\n",
    });
    expect(await detectFormat(dir)).toBe("ml-100k");
    const ds = await openDataset(dir);
    const movies = await collect(ds.movies());
    expect(movies[0]).toEqual({
      movieId: 1,
      title: "Toy Story (1995)",
      genres: ["Animation", "Children", "Comedy"],
      releaseYear: 1995,
    });
    expect(movies[1]).toEqual({ movieId: 267, title: "unknown", genres: [], releaseYear: null });
    expect(movies[2].releaseYear).toBe(1997); // from the release date: the title has no year
    expect(movies[7].title).toBe("Marlene Dietrich: Shadow and Light (1996)");
    expect(movies[9].title).toBe("Á köldum klaka (Cold Fever) (1994)");
    expect(await collect(ds.ratings())).toEqual([
      { userId: 196, movieId: 242, rating: 3, timestamp: 881250949 },
      { userId: 186, movieId: 302, rating: 3, timestamp: 891717742 },
    ]);
    expect(await collect(ds.links())).toEqual([]);
  });

  it("names the file and line of a bad genre flag or a short row", async () => {
    const dir = await tempDataset({
      "u.item": latin1(
        `1|A (1995)|01-Jan-1995||http://x|${flags(3)}\n2|B (1996)|||http://x|${flags(3).replace(/1/, "2")}\n`,
      ),
      "u.data": "1\t1\t3\t1\n",
    });
    await expectParseError(
      async () => collect((await openDataset(dir)).movies()),
      "u.item",
      2,
      /genre flag 4 is "2"/,
    );
    const short = await tempDataset({ "u.item": "1|A (1995)|x\n", "u.data": "1\t1\t3\t1\n" });
    await expectParseError(
      async () => collect((await openDataset(short)).movies()),
      "u.item",
      1,
      /expected 24 .* found 3/,
    );
  });
});

describe("bad ratings lines", () => {
  const cases: Array<[string, string, number, RegExp]> = [
    ["rating above 5", "1,1,5.5,100", 3, /rating 5.5 is outside 0.5–5/],
    ["rating 0", "1,1,0,100", 3, /rating 0 is outside 0.5–5/],
    ["negative rating", "1,1,-1,100", 3, /rating -1 is outside 0.5–5/],
    ["rating off the half-star grid", "1,1,3.3,100", 3, /rating 3.3 is not a multiple of 0.5/],
    ["rating not a number", "1,1,good,100", 3, /rating "good" is not a number/],
    ["non-numeric userId", "abc,1,4.0,100", 3, /userId "abc" is not a positive integer/],
    ["userId 0", "0,1,4.0,100", 3, /userId "0" is not a positive integer/],
    ["non-numeric movieId", "1,tt0114709,4.0,100", 3, /movieId "tt0114709" is not a positive integer/],
    ["too few fields", "1,1,4.0", 3, /expected 4 fields .* found 3/],
    ["too many fields", "1,1,4.0,100,extra", 3, /expected 4 fields .* found 5/],
    ["timestamp with a fraction", "1,1,4.0,100.5", 3, /timestamp "100.5" is not a whole number of seconds/],
    ["spaces", "1, 1,4.0,100", 3, /movieId " 1" is not a positive integer/],
  ];
  for (const [name, line, lineNo, problem] of cases) {
    it(`reports ${name} with file and line`, async () => {
      const dir = await tempDataset({
        "movies.csv": `${MOVIES_HEADER}1,A (1990),Drama\n`,
        "ratings.csv": `${RATINGS_HEADER}1,1,4.0,99\n${line}\n1,1,4.0,101\n`,
      });
      await expectParseError(
        async () => collect((await openDataset(dir)).ratings()),
        "ratings.csv",
        lineNo,
        problem,
      );
    });
  }

  it("reports a line error deep in a multi-block file with its true line number", async () => {
    const good = Array.from(
      { length: 120_000 },
      (_, i) => `${1 + (i % 500)},${1 + (i % 97)},3.5,${1_000_000 + i}\n`,
    );
    good[99_999] = "5,5,9,5\n";
    const dir = await tempDataset({
      "movies.csv": `${MOVIES_HEADER}1,A (1990),Drama\n`,
      "ratings.csv": RATINGS_HEADER + good.join(""),
    });
    await expectParseError(
      async () => collect((await openDataset(dir)).ratingBatches()),
      "ratings.csv",
      100_001,
      /rating 9 is outside/,
    );
  });

  it("reports bad lines in ml-1m and ml-100k ratings with their separators", async () => {
    const dat = await tempDataset({
      "movies.dat": "1::A (1990)::Drama\n",
      "ratings.dat": "1::1::5::1\n1,1,5,1\n",
    });
    await expectParseError(
      async () => collect((await openDataset(dat)).ratings()),
      "ratings.dat",
      2,
      /expected 4 fields .*"::".* found 1/,
    );
    const u = await tempDataset({ "u.item": "", "u.data": "1\t1\t3\t1\n1\t1\t6\t1\n" });
    await expectParseError(
      async () => collect((await openDataset(u)).ratings()),
      "u.data",
      2,
      /rating 6 is outside/,
    );
  });

  it("rejects an empty file, a header-only file and a missing header", async () => {
    const empty = await tempDataset({ "movies.csv": MOVIES_HEADER, "ratings.csv": "" });
    await expectParseError(
      async () => collect((await openDataset(empty)).ratings()),
      "ratings.csv",
      1,
      /file is empty/,
    );
    const headerOnly = await tempDataset({ "movies.csv": MOVIES_HEADER, "ratings.csv": RATINGS_HEADER });
    await expectParseError(
      async () => collect((await openDataset(headerOnly)).ratings()),
      "ratings.csv",
      1,
      /no ratings/,
    );
    const noHeader = await tempDataset({ "movies.csv": MOVIES_HEADER, "ratings.csv": "1,1,4.0,100\n" });
    await expectParseError(
      async () => collect((await openDataset(noHeader)).ratings()),
      "ratings.csv",
      1,
      /expected the header "userId,movieId,rating,timestamp", found "1,1,4.0,100"/,
    );
    const emptyDat = await tempDataset({ "movies.dat": "", "ratings.dat": "" });
    await expectParseError(
      async () => collect((await openDataset(emptyDat)).ratings()),
      "ratings.dat",
      1,
      /file is empty/,
    );
    await expectParseError(
      async () => collect((await openDataset(emptyDat)).movies()),
      "movies.dat",
      1,
      /file is empty/,
    );
  });

  it("rejects a binary file with one endless line", async () => {
    const dir = await tempDataset({
      "movies.csv": MOVIES_HEADER,
      "ratings.csv": Buffer.alloc(3 << 20, 0x41),
    });
    await expectParseError(
      async () => collect((await openDataset(dir)).ratings()),
      "ratings.csv",
      1,
      /longer than 1 MiB/,
    );
  });
});

describe("bad movies and links lines", () => {
  const ratings = `${RATINGS_HEADER}1,1,4.0,100\n`;
  const cases: Array<[string, string, number, RegExp]> = [
    [
      "an unterminated quote",
      '1,A (1990),Drama\n2,"Never closed (1991),Drama\n3,C (1992),Drama\n',
      3,
      /quoted field never closed/,
    ],
    [
      "text after a closing quote",
      '1,A (1990),Drama\n2,"B" (1991),Drama\n',
      3,
      /unexpected " " after a closing quote/,
    ],
    [
      "a missing field",
      "1,A (1990),Drama\n2,B (1991)\n",
      3,
      /expected 3 fields \(movieId, title, genres\), found 2/,
    ],
    ["an unquoted comma", "1,A (1990),Drama\n2,B, The (1991),Drama\n", 3, /expected 3 fields .* found 4/],
    [
      "a non-numeric movieId",
      "1,A (1990),Drama\nx1,B (1991),Drama\n",
      3,
      /movieId "x1" is not a positive integer/,
    ],
    ["an empty title", "1,A (1990),Drama\n2,,Drama\n", 3, /empty title/],
  ];
  for (const [name, body, line, problem] of cases) {
    it(`reports ${name} in movies.csv with its line`, async () => {
      const dir = await tempDataset({ "movies.csv": MOVIES_HEADER + body, "ratings.csv": ratings });
      await expectParseError(
        async () => collect((await openDataset(dir)).movies()),
        "movies.csv",
        line,
        problem,
      );
    });
  }

  it("rejects a movies.csv that is empty, header-only or has the wrong header", async () => {
    const empty = await tempDataset({ "movies.csv": "", "ratings.csv": ratings });
    await expectParseError(
      async () => collect((await openDataset(empty)).movies()),
      "movies.csv",
      1,
      /file is empty/,
    );
    const headerOnly = await tempDataset({ "movies.csv": MOVIES_HEADER, "ratings.csv": ratings });
    await expectParseError(
      async () => collect((await openDataset(headerOnly)).movies()),
      "movies.csv",
      2,
      /no movies/,
    );
    const wrong = await tempDataset({ "movies.csv": "id,name\n1,A\n", "ratings.csv": ratings });
    await expectParseError(
      async () => collect((await openDataset(wrong)).movies()),
      "movies.csv",
      1,
      /expected the header "movieId,title,genres", found "id,name"/,
    );
  });

  it("reports a bad imdbId in links.csv", async () => {
    const dir = await tempDataset({
      "movies.csv": `${MOVIES_HEADER}1,A (1990),Drama\n`,
      "ratings.csv": ratings,
      "links.csv": "movieId,imdbId,tmdbId\n1,0114709,862\n2,tt0113497,8844\n",
    });
    await expectParseError(
      async () => collect((await openDataset(dir)).links()),
      "links.csv",
      3,
      /imdbId "tt0113497" is not digits/,
    );
  });
});

describe("detectFormat", () => {
  async function notFound(dir: string): Promise<string> {
    const err = await detectFormat(dir).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DatasetNotFoundError);
    return (err as Error).message;
  }

  it("explains a missing directory, an empty one and one with other files", async () => {
    const root = await tempDataset({ "notes.txt": "hi", "tags.csv": "" });
    expect(await notFound(join(root, "nope"))).toMatch(/nope does not exist .*wren data generate/);
    const empty = await tempDataset();
    expect(await notFound(empty)).toMatch(
      /no MovieLens files .*expected movies.csv \+ ratings.csv .*movies.dat \+ ratings.dat .*u.item \+ u.data .*it is empty/,
    );
    expect(await notFound(root)).toMatch(/found notes.txt, tags.csv|found tags.csv, notes.txt/);
    expect(await notFound(join(root, "notes.txt"))).toMatch(/is a file, not a directory/);
  });

  it("names the missing half of a data set and points into a nested data set", async () => {
    const half = await tempDataset({ "movies.csv": MOVIES_HEADER });
    expect(await notFound(half)).toMatch(/has movies.csv but no ratings.csv/);
    const outer = await tempDataset();
    const { mkdir, writeFile } = await import("node:fs/promises");
    await mkdir(join(outer, "ml-1m"));
    await writeFile(join(outer, "ml-1m", "movies.dat"), "1::A (1990)::Drama\n");
    await writeFile(join(outer, "ml-1m", "ratings.dat"), "1::1::5::1\n");
    expect(await notFound(outer)).toContain(`did you mean ${join(outer, "ml-1m")}?`);
    expect(await detectFormat(join(outer, "ml-1m"))).toBe("ml-1m");
  });
});
