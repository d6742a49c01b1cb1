import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { convertToMlLatest, openDataset } from "../src/index.js";
import { collect, tempDataset } from "./fixtures.js";

describe("convertToMlLatest", () => {
  it("rewrites ml-1m as ml-latest CSV that reads back the same, UTF-8 and quoted", async () => {
    const src = await tempDataset({
      "movies.dat": Buffer.from(
        "1::Toy Story (1995)::Animation|Children's|Comedy\n73::Misérables, Les (1995)::Drama|Musical\n",
        "latin1",
      ),
      "ratings.dat": "1::73::5::978300760\n2::1::3::978302109\n",
    });
    const out = await tempDataset();
    const summary = await convertToMlLatest(src, out);
    expect(summary).toMatchObject({ from: "ml-1m", movies: 2, ratings: 2, links: 0 });
    expect(await readFile(join(out, "movies.csv"), "utf8")).toBe(
      'movieId,title,genres\n1,Toy Story (1995),Animation|Children|Comedy\n73,"Misérables, Les (1995)",Drama|Musical\n',
    );
    const before = await openDataset(src);
    const after = await openDataset(out);
    expect(after.format).toBe("ml-latest");
    expect(await collect(after.movies())).toEqual(await collect(before.movies()));
    expect(await collect(after.ratings())).toEqual(await collect(before.ratings()));
  });

  it("refuses to write over its input", async () => {
    const src = await tempDataset({ "movies.dat": "1::A (1990)::Drama\n", "ratings.dat": "1::1::5::1\n" });
    await expect(convertToMlLatest(src, src)).rejects.toThrow(/output directory other than/);
  });
});
