import { sqlString } from "./input.js";
import { SAMPLE_COLUMNS, type SampleColumn } from "./sample-columns.js";

/**
 * The feature SQL. Standard window functions only, so it moves to a distributed engine (Spark SQL,
 * Trino) by swapping the few list helpers (list_sort/list_filter ↔ array_sort/filter).
 *
 * Point in time: every feature of the sample (u, m, t) reads ratings with timestamp < t only. Aggregates use
 * `RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING` on the integer timestamp, so ratings at the same second
 * as the sample (ties) are excluded. The "last positively rated movies" and "favourite genres" are computed
 * once per positive rating (table pos_state, numbered in (ts, movieId) order) and joined to each sample on
 * (userId, number of the user's positive ratings before t): no per-row lists over the history.
 */

export const POSITIVE_RATING = 3.5;

/**
 * Genres travel through the big sorts and joins as small integer codes (1-based index in the sorted genre
 * list, 0 = none), several packed into one BIGINT, and become strings only in the final projection.
 */
export class GenreCodes {
  readonly bits: number;
  constructor(readonly genres: string[]) {
    this.bits = Math.max(1, Math.ceil(Math.log2(genres.length + 1)));
    if (this.bits * 5 > 63) throw new Error(`too many genres (${genres.length}) to pack five to a BIGINT`);
  }
  /** BIGINT with `exprs[k]` (codes) in field k. */
  pack(exprs: string[]): string {
    return exprs.map((e, k) => `((${e})::BIGINT << ${this.bits * k})`).join(" | ");
  }
  /** The genre name in field k of `packed`; "" for code 0. */
  name(packed: string, k: number): string {
    const names = ["", ...this.genres].map(sqlString).join(", ");
    return `[${names}][((${packed} >> ${this.bits * k}) & ${2 ** this.bits - 1}) + 1]`;
  }
  /** Code of the i-th genre (1-based) of a movie's genreList, 0 when it has fewer. */
  movieGenre(list: string, i: number): string {
    const names = this.genres.map(sqlString).join(", ");
    return `coalesce(list_position([${names}], ${list}[${i}]), 0)`;
  }
}

/**
 * pos_state(userId, seq, rm1..rm5, topGenres): after the user's seq-th positive rating (in (ts, movieId)
 * order), the last five positively rated movies (rm1 = latest) and the top five genres among all of them
 * (packed codes, see GenreCodes). One window sort: row number, lags and running per-genre counts share it.
 * The counts are bit-packed into HUGEINT running sums, each field just wide enough for `maxPositives` (the
 * most positive ratings of any user, which bounds every count): with 19 genres and up to 16,383 positives
 * per user, 3 window aggregates (fixed 21-bit fields, three to a BIGINT, took 7 and ~40% more CPU). No field
 * straddles bit 64, so each sum is cut once into two BIGINT halves and the 19 counts are read with BIGINT
 * shifts (reading each from the HUGEINT took ~12% more of this query's CPU at 5M ratings).
 *
 * Top five: genre i gets the key (count << codes.bits) | (G − 1 − i), so a larger key means a higher count,
 * then the name first in order; keys are distinct and below 2^bits only for count 0. The k-th largest key is
 * the greatest key below the (k−1)-th: five vectorised greatest() per row instead of a list sort, in bit
 * operations (no overflow-checked arithmetic).
 */
export function posStateSql(codes: GenreCodes, maxPositives: number): string {
  const genres = codes.genres;
  const g = genres.length;
  const fieldBits = Math.max(1, Math.ceil(Math.log2(maxPositives + 1)));
  if (fieldBits + codes.bits > 63) throw new Error(`too many positive ratings per user (${maxPositives})`);
  // field j of a pack: bits fieldBits·j of the low half, then of the high half (from bit 64)
  const perHalf = Math.floor(63 / fieldBits);
  const perPack = 2 * perHalf;
  const packs = Math.ceil(g / perPack);
  const half = (j: number) => (j < perHalf ? "lo" : "hi");
  const shift = (j: number) => fieldBits * (j % perHalf);
  const packOf = (k: number) =>
    genres
      .slice(k * perPack, (k + 1) * perPack)
      .map(
        (name, j) =>
          `CASE WHEN list_contains(genreList, ${sqlString(name)}) THEN 1::HUGEINT << ${(half(j) === "hi" ? 64 : 0) + shift(j)} ELSE 0::HUGEINT END`,
      )
      .join(" + ");
  const movieFlags = Array.from({ length: packs }, (_, k) => `${packOf(k)} AS f${k}`);
  const running = Array.from({ length: packs }, (_, k) => `sum(f${k}) OVER w AS p${k}`);
  const halves = Array.from(
    { length: packs },
    (_, k) => `(p${k} & ${2n ** 63n - 1n})::BIGINT AS lo${k}, (p${k} >> 64)::BIGINT AS hi${k}`,
  );
  const count = (i: number) => {
    const j = i % perPack;
    return `((${half(j)}${Math.floor(i / perPack)} >> ${shift(j)}) & ${2 ** fieldBits - 1})`;
  };
  const keys = genres.map((_, i) => `(${count(i)} << ${codes.bits}) | ${g - 1 - i} AS k${i}`);
  const lags = [1, 2, 3, 4].map((k) => `coalesce(lag(movieId, ${k}) OVER w, 0) AS rm${k + 1}`);
  const ks = genres.map((_, i) => `k${i}`);
  // top1 .. top5, each in its own CTE so the previous one is a column, not an inlined expression
  const tops = [1, 2, 3, 4, 5].map((k) => {
    const args = k === 1 ? ks : ks.map((x) => `${x} & -(${x} < top${k - 1})::BIGINT`);
    return `top${k} AS (SELECT *, greatest(${args.join(", ")}) AS top${k} FROM ${k === 1 ? "keyed" : `top${k - 1}`})`;
  });
  const code = (k: number) =>
    `(${g} - (top${k} & ${2 ** codes.bits - 1})) * least(top${k} >> ${codes.bits}, 1)`;
  const ranked =
    g === 0
      ? "\n  SELECT userId, seq, rm1, rm2, rm3, rm4, rm5, 0::BIGINT AS topGenres FROM counted"
      : `, split AS (SELECT userId, seq, rm1, rm2, rm3, rm4, rm5, ${halves.join(", ")} FROM counted),
  keyed AS (SELECT userId, seq, rm1, rm2, rm3, rm4, rm5, ${keys.join(", ")} FROM split),
  ${tops.join(",\n  ")}
  SELECT userId, seq, rm1, rm2, rm3, rm4, rm5, ${codes.pack([1, 2, 3, 4, 5].map(code))} AS topGenres FROM top5`;
  return `CREATE TABLE pos_state AS
  WITH flags AS (
    SELECT movieId${packs > 0 ? `, ${movieFlags.join(", ")}` : ""} FROM movies
  ), counted AS (
    SELECT r.userId, row_number() OVER w AS seq, r.movieId AS rm1, ${[...lags, ...running].join(",\n      ")}
    FROM ratings r JOIN flags f USING (movieId)
    WHERE r.rating >= ${POSITIVE_RATING}
    WINDOW w AS (PARTITION BY r.userId ORDER BY r.ts, r.movieId ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
  )${ranked}`;
}

/** The most positive ratings of any user (0 when none): the width of pos_state's genre counters. */
export const maxPositivesSql = `SELECT coalesce(max(n), 0) FROM
  (SELECT count(*) AS n FROM ratings WHERE rating >= ${POSITIVE_RATING} GROUP BY userId)`;

const r4 = (expr: string) => `round(coalesce(${expr}, 0), 4)`;

/**
 * Point-in-time means and sample standard deviations from running count, sum and sum of squares: two cheap
 * running sums instead of windowed avg/stddev aggregates. Years are centred on YEAR_ORIGIN so the sums of
 * squares stay small and the subtraction exact enough. NULL when undefined (n = 0, or n < 2 for stddev).
 */
const YEAR_ORIGIN = 2000;
const mean = (sum: string, n: string) => `${sum} / nullif(${n}, 0)`;
const stddev = (sum: string, sq: string, n: string) =>
  `CASE WHEN ${n} > 1 THEN sqrt(greatest(0, (${sq} - ${sum} * ${sum} / ${n}) / (${n} - 1))) END`;

/**
 * Three exact integer running sums of the user window in one HUGEINT aggregate (one segment tree instead
 * of three): yN (ratings of movies with a year) in bits 0–31, posBefore (positive ratings) in bits 32–63,
 * and the sum of (year − YEAR_ORIGIN + YEAR_BIAS), never negative for 4-digit years, from bit 64.
 * ySum = that sum − YEAR_BIAS × yN. Holds up to 2^32 ratings per user.
 */
const YEAR_BIAS = 2048;
const USER_COUNTS = {
  pack: (year: string, rating: string) =>
    `(${year} IS NOT NULL)::HUGEINT + ((${rating} >= ${POSITIVE_RATING})::HUGEINT << 32)
      + (coalesce(${year} - ${YEAR_ORIGIN} + ${YEAR_BIAS}, 0)::HUGEINT << 64)`,
  unpack: (packed: string) =>
    `(${packed} & 4294967295)::BIGINT AS yN, ((${packed} >> 32) & 4294967295)::BIGINT AS posBefore,
      (${packed} >> 64) - ${YEAR_BIAS} * (${packed} & 4294967295) AS ySum`,
};

/** The first test row in (ts, userId, movieId) order: every row from it on is a test sample. */
export interface SplitPoint {
  ts: number;
  userId: number;
  movieId: number;
}

/**
 * The split point putting the latest `testCount` ratings in (ts, userId, movieId) order into the test set,
 * found from per-timestamp counts instead of numbering every row (one less sort of the whole table).
 * Returns two queries: the timestamp of the split (and how many rows precede it), then the row within it.
 */
export function splitTimestampSql(trainCount: number): string {
  return `WITH c AS (SELECT ts, count(*) AS n FROM ratings GROUP BY ts),
    cum AS (SELECT ts, n, sum(n) OVER (ORDER BY ts) AS upto FROM c)
  SELECT ts, ${trainCount} - (upto - n) AS offsetInTs FROM cum WHERE upto > ${trainCount} ORDER BY ts LIMIT 1`;
}

export function splitRowSql(ts: number, offsetInTs: number): string {
  return `SELECT ts, userId, movieId FROM ratings WHERE ts = ${ts}
  ORDER BY userId, movieId LIMIT 1 OFFSET ${offsetInTs}`;
}

/** SQL condition: the rating (alias `p`: ts, userId, movieId) is a test sample. */
export function isTestSql(split: SplitPoint, p: string): string {
  return `(${p}.ts > ${split.ts} OR (${p}.ts = ${split.ts} AND (${p}.userId > ${split.userId}
    OR (${p}.userId = ${split.userId} AND ${p}.movieId >= ${split.movieId}))))`;
}

/**
 * samples: one row per rating with the numeric reference columns, the genres as packed codes
 * (movieGenres, userGenres) and `isTest`, stored in (ts, userId, movieId) order. The window sorts and the
 * final sort carry numbers only; `sampleOutputSql` names the genres while writing. `GROUPS … 1 PRECEDING`
 * = every earlier timestamp (peer groups are equal ts): the same frame as `RANGE … 1 PRECEDING` on integer
 * seconds, found from peer boundaries instead of a search per row.
 */
export function samplesSql(split: SplitPoint, codes: GenreCodes): string {
  return `CREATE TABLE samples AS
    WITH pit AS (
      SELECT r.userId, r.movieId, r.rating, r.ts, m.releaseYear, m.movieGenres,
        rank() OVER mo - 1 AS movieRatingCount,
        sum(r.rating) OVER mw AS mSum,
        sum(r.rating * r.rating) OVER mw AS mSq,
        rank() OVER uo - 1 AS userRatingCount,
        sum(r.rating) OVER uw AS uSum,
        sum(r.rating * r.rating) OVER uw AS uSq,
        sum(${USER_COUNTS.pack("m.releaseYear", "r.rating")}) OVER uw AS userCounts,
        sum((m.releaseYear - ${YEAR_ORIGIN}) * (m.releaseYear - ${YEAR_ORIGIN})) OVER uw AS ySq
      FROM ratings r JOIN (
        SELECT movieId, releaseYear, ${codes.pack([1, 2, 3].map((i) => codes.movieGenre("genreList", i)))} AS movieGenres
        FROM movies
      ) m USING (movieId)
      WINDOW
        mo AS (PARTITION BY r.movieId ORDER BY r.ts),
        mw AS (mo GROUPS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING),
        uo AS (PARTITION BY r.userId ORDER BY r.ts),
        uw AS (uo GROUPS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
    ), pit_counts AS (
      SELECT *, ${USER_COUNTS.unpack("userCounts")} FROM pit
    )
    SELECT
      p.movieId, p.userId, p.rating, p.ts,
      coalesce(p.releaseYear, 0) AS releaseYear,
      p.movieGenres,
      p.movieRatingCount::INTEGER AS movieRatingCount,
      ${r4(mean("p.mSum", "p.movieRatingCount"))} AS movieAvgRating,
      ${r4(stddev("p.mSum", "p.mSq", "p.movieRatingCount"))} AS movieRatingStddev,
      coalesce(s.rm1, 0) AS userRatedMovie1,
      coalesce(s.rm2, 0) AS userRatedMovie2,
      coalesce(s.rm3, 0) AS userRatedMovie3,
      coalesce(s.rm4, 0) AS userRatedMovie4,
      coalesce(s.rm5, 0) AS userRatedMovie5,
      p.userRatingCount::INTEGER AS userRatingCount,
      ${r4(`${YEAR_ORIGIN} + ${mean("p.ySum", "p.yN")}`)} AS userAvgReleaseYear,
      ${r4(stddev("p.ySum", "p.ySq", "p.yN"))} AS userReleaseYearStddev,
      ${r4(mean("p.uSum", "p.userRatingCount"))} AS userAvgRating,
      ${r4(stddev("p.uSum", "p.uSq", "p.userRatingCount"))} AS userRatingStddev,
      coalesce(s.topGenres, 0) AS userGenres,
      ${isTestSql(split, "p")} AS isTest
    FROM pit_counts p LEFT JOIN pos_state s ON s.userId = p.userId AND s.seq = p.posBefore
    ORDER BY p.ts, p.userId, p.movieId`;
}

/** The samples matching `where` with the reference columns, in table (= time) order. */
export function sampleOutputSql(codes: GenreCodes, where: string): string {
  const column = (c: SampleColumn) => {
    const genre = /^(movie|user)Genre(\d)$/.exec(c);
    if (genre) return `coalesce(${codes.name(`${genre[1]}Genres`, Number(genre[2]) - 1)}, '') AS ${c}`;
    // the table keeps narrow types (less to sort and spill); the files keep the reference types
    if (c === "label") return `CASE WHEN rating >= ${POSITIVE_RATING} THEN 1 ELSE 0 END AS label`;
    if (c === "movieRatingCount" || c === "userRatingCount") return `${c}::BIGINT AS ${c}`;
    return c === "timestamp" ? `ts AS "timestamp"` : c;
  };
  return `SELECT ${SAMPLE_COLUMNS.map(column).join(", ")} FROM samples WHERE ${where}`;
}

const DOUBLE_COLUMNS = new Set<SampleColumn>([
  "movieAvgRating",
  "movieRatingStddev",
  "userAvgReleaseYear",
  "userReleaseYearStddev",
  "userAvgRating",
  "userRatingStddev",
]);

/**
 * The samples of a Parquet file (written by `sampleOutputSql`) for the CSV copy: fixed-point text for the
 * doubles (DuckDB formats DECIMAL several times faster than DOUBLE). A scan of one file keeps its row order.
 */
export function sampleCsvSql(parquetFile: string): string {
  const cols = SAMPLE_COLUMNS.map((c) =>
    c === "rating"
      ? `"${c}"::DECIMAL(3, 1) AS "${c}"`
      : DOUBLE_COLUMNS.has(c)
        ? `"${c}"::DECIMAL(12, 4) AS "${c}"`
        : `"${c}"`,
  );
  return `SELECT ${cols.join(", ")} FROM ${sqlString(parquetFile)}`;
}

/** Online movie features as at the end of the data, with display fields and the top 10 ratings. */
export function movieFeaturesSql(): string {
  return `WITH stats AS (
    SELECT movieId, count(*) AS n, avg(rating) AS avgRating, stddev_samp(rating) AS sd
    FROM ratings GROUP BY movieId
  ), top AS (
    -- per-movie top-N aggregate over (rating, ts, -userId) descending: no sort of all ratings
    SELECT movieId, list_transform(max({'r': rating, 't': ts, 'u': -userId}, 10),
        x -> (-x.u) || ':' || x.r || ':' || x.t) AS top
    FROM ratings GROUP BY movieId
  )
  SELECT m.movieId,
    coalesce(m.releaseYear, 0) AS releaseYear,
    coalesce(m.genreList[1], '') AS movieGenre1,
    coalesce(m.genreList[2], '') AS movieGenre2,
    coalesce(m.genreList[3], '') AS movieGenre3,
    coalesce(s.n, 0) AS movieRatingCount,
    ${r4("s.avgRating")} AS movieAvgRating,
    ${r4("s.sd")} AS movieRatingStddev,
    m.title,
    array_to_string(m.genreList, '|') AS genres,
    coalesce(l.imdbId, '') AS imdbId,
    coalesce(l.tmdbId, '') AS tmdbId,
    coalesce(s.n, 0) AS ratingNumber,
    ${r4("s.avgRating")} AS averageRating,
    coalesce(array_to_string(t.top, ','), '') AS topRatings
  FROM movies m
    LEFT JOIN stats s USING (movieId)
    LEFT JOIN links l USING (movieId)
    LEFT JOIN top t USING (movieId)
  ORDER BY m.movieId`;
}

/** Online user features as at the end of the data (every rating counts), same definitions as the samples. */
export function userFeaturesSql(codes: GenreCodes): string {
  return `WITH stats AS (
    SELECT r.userId, count(*) AS n, avg(m.releaseYear) AS avgYear, stddev_samp(m.releaseYear) AS sdYear,
      avg(r.rating) AS avgRating, stddev_samp(r.rating) AS sdRating,
      max(r.rating) AS highestRating, min(r.rating) AS lowestRating
    FROM ratings r JOIN movies m USING (movieId) GROUP BY r.userId
  ), last AS (
    SELECT * FROM pos_state QUALIFY row_number() OVER (PARTITION BY userId ORDER BY seq DESC) = 1
  )
  SELECT s.userId,
    coalesce(l.rm1, 0) AS userRatedMovie1,
    coalesce(l.rm2, 0) AS userRatedMovie2,
    coalesce(l.rm3, 0) AS userRatedMovie3,
    coalesce(l.rm4, 0) AS userRatedMovie4,
    coalesce(l.rm5, 0) AS userRatedMovie5,
    s.n AS userRatingCount,
    ${r4("s.avgYear")} AS userAvgReleaseYear,
    ${r4("s.sdYear")} AS userReleaseYearStddev,
    ${r4("s.avgRating")} AS userAvgRating,
    ${r4("s.sdRating")} AS userRatingStddev,
    coalesce(${codes.name("l.topGenres", 0)}, '') AS userGenre1,
    coalesce(${codes.name("l.topGenres", 1)}, '') AS userGenre2,
    coalesce(${codes.name("l.topGenres", 2)}, '') AS userGenre3,
    coalesce(${codes.name("l.topGenres", 3)}, '') AS userGenre4,
    coalesce(${codes.name("l.topGenres", 4)}, '') AS userGenre5,
    s.highestRating,
    s.lowestRating
  FROM stats s LEFT JOIN last l USING (userId)
  ORDER BY s.userId`;
}
