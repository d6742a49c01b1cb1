import { sqlString } from "./input.js";

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

/** Top 5 genres by count (ties: genre name ascending), as g1..g5 ("" when fewer). */
function topGenres(genres: string[]): string {
  const items = genres.map((g, i) => `{'n': -g${i}, 'g': ${sqlString(g)}}`).join(", ");
  const ranked = `list_transform(list_sort(list_filter([${items}], x -> x.n < 0)), x -> x.g)`;
  return [1, 2, 3, 4, 5].map((k) => `coalesce(${ranked}[${k}], '') AS g${k}`).join(",\n    ");
}

/** Genre counters packed per BIGINT: 3 fields of 21 bits (counts up to 2,097,151 per user and genre). */
const PACK = 3;
const PACK_BITS = 21;

/**
 * pos_state(userId, seq, rm1..rm5, g1..g5): after the user's seq-th positive rating (in (ts, movieId) order),
 * the last five positively rated movies (rm1 = latest) and the top five genres among all of them.
 * The per-genre running counts are bit-packed, three genres per running sum, so G genres cost G/3 window
 * aggregates instead of G.
 */
export function posStateSql(genres: string[]): string {
  const packs = Math.ceil(genres.length / PACK);
  const packOf = (k: number) =>
    genres
      .slice(k * PACK, (k + 1) * PACK)
      .map(
        (g, j) =>
          `CASE WHEN list_contains(genreList, ${sqlString(g)}) THEN ${2 ** (PACK_BITS * j)} ELSE 0 END`,
      )
      .join(" + ");
  const movieFlags = Array.from({ length: packs }, (_, k) => `(${packOf(k)})::BIGINT AS f${k}`);
  const running = Array.from({ length: packs }, (_, k) => `sum(f${k}) OVER running AS p${k}`);
  const unpack = genres.map(
    (_, i) =>
      `(p${Math.floor(i / PACK)}::BIGINT >> ${PACK_BITS * (i % PACK)}) & ${2 ** PACK_BITS - 1} AS g${i}`,
  );
  const lags = [1, 2, 3, 4].map((k) => `coalesce(lag(movieId, ${k}) OVER running, 0) AS rm${k + 1}`);
  return `CREATE TABLE pos_state AS
  WITH flags AS (
    SELECT movieId${packs > 0 ? `, ${movieFlags.join(", ")}` : ""} FROM movies
  ), pos AS (
    SELECT r.userId, r.movieId, r.ts, f.*,
      row_number() OVER (PARTITION BY r.userId ORDER BY r.ts, r.movieId) AS seq
    FROM ratings r JOIN flags f USING (movieId)
    WHERE r.rating >= ${POSITIVE_RATING}
  ), counted AS (
    SELECT userId, seq, movieId AS rm1, ${[...lags, ...running].join(",\n      ")}
    FROM pos
    WINDOW running AS (PARTITION BY userId ORDER BY seq ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
  ), unpacked AS (
    SELECT userId, seq, rm1, rm2, rm3, rm4, rm5${genres.length > 0 ? `, ${unpack.join(", ")}` : ""} FROM counted
  )
  SELECT userId, seq, rm1, rm2, rm3, rm4, rm5,
    ${genres.length > 0 ? topGenres(genres) : "'' AS g1, '' AS g2, '' AS g3, '' AS g4, '' AS g5"}
  FROM unpacked`;
}

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

/**
 * samples: one row per rating with the reference columns and `isTest`, in (ts, userId, movieId) order.
 */
export function samplesSql(split: SplitPoint): string {
  const isTest = `(p.ts > ${split.ts} OR (p.ts = ${split.ts} AND (p.userId > ${split.userId}
    OR (p.userId = ${split.userId} AND p.movieId >= ${split.movieId}))))`;
  return `CREATE TABLE samples AS
  WITH pit AS (
    SELECT r.userId, r.movieId, r.rating, r.ts, m.releaseYear, m.genreList,
      rank() OVER (PARTITION BY r.movieId ORDER BY r.ts) - 1 AS movieRatingCount,
      sum(r.rating) OVER mw AS mSum,
      sum(r.rating * r.rating) OVER mw AS mSq,
      rank() OVER (PARTITION BY r.userId ORDER BY r.ts) - 1 AS userRatingCount,
      sum(r.rating) OVER uw AS uSum,
      sum(r.rating * r.rating) OVER uw AS uSq,
      count(m.releaseYear) OVER uw AS yN,
      sum(m.releaseYear - ${YEAR_ORIGIN}) OVER uw AS ySum,
      sum((m.releaseYear - ${YEAR_ORIGIN}) * (m.releaseYear - ${YEAR_ORIGIN})) OVER uw AS ySq,
      sum(CASE WHEN r.rating >= ${POSITIVE_RATING} THEN 1 ELSE 0 END) OVER uw AS posBefore
    FROM ratings r JOIN movies m USING (movieId)
    WINDOW
      mw AS (PARTITION BY r.movieId ORDER BY r.ts RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING),
      uw AS (PARTITION BY r.userId ORDER BY r.ts RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
  )
  SELECT
    p.movieId, p.userId, p.rating, p.ts AS "timestamp",
    CASE WHEN p.rating >= ${POSITIVE_RATING} THEN 1 ELSE 0 END AS label,
    coalesce(p.releaseYear, 0) AS releaseYear,
    coalesce(p.genreList[1], '') AS movieGenre1,
    coalesce(p.genreList[2], '') AS movieGenre2,
    coalesce(p.genreList[3], '') AS movieGenre3,
    p.movieRatingCount,
    ${r4(mean("p.mSum", "p.movieRatingCount"))} AS movieAvgRating,
    ${r4(stddev("p.mSum", "p.mSq", "p.movieRatingCount"))} AS movieRatingStddev,
    coalesce(s.rm1, 0) AS userRatedMovie1,
    coalesce(s.rm2, 0) AS userRatedMovie2,
    coalesce(s.rm3, 0) AS userRatedMovie3,
    coalesce(s.rm4, 0) AS userRatedMovie4,
    coalesce(s.rm5, 0) AS userRatedMovie5,
    p.userRatingCount,
    ${r4(`${YEAR_ORIGIN} + ${mean("p.ySum", "p.yN")}`)} AS userAvgReleaseYear,
    ${r4(stddev("p.ySum", "p.ySq", "p.yN"))} AS userReleaseYearStddev,
    ${r4(mean("p.uSum", "p.userRatingCount"))} AS userAvgRating,
    ${r4(stddev("p.uSum", "p.uSq", "p.userRatingCount"))} AS userRatingStddev,
    coalesce(s.g1, '') AS userGenre1,
    coalesce(s.g2, '') AS userGenre2,
    coalesce(s.g3, '') AS userGenre3,
    coalesce(s.g4, '') AS userGenre4,
    coalesce(s.g5, '') AS userGenre5,
    ${isTest} AS isTest
  FROM pit p LEFT JOIN pos_state s ON s.userId = p.userId AND s.seq = p.posBefore
  ORDER BY p.ts, p.userId, p.movieId`;
}

/** Online movie features as at the end of the data, with display fields and the top 10 ratings. */
export function movieFeaturesSql(): string {
  return `CREATE TABLE movie_features AS
  WITH stats AS (
    SELECT movieId, count(*) AS n, avg(rating) AS avgRating, stddev_samp(rating) AS sd
    FROM ratings GROUP BY movieId
  ), top AS (
    SELECT movieId,
      string_agg(userId || ':' || rating || ':' || ts, ',' ORDER BY rating DESC, ts DESC, userId) AS topRatings
    FROM (
      SELECT *, row_number() OVER (PARTITION BY movieId ORDER BY rating DESC, ts DESC, userId) AS k FROM ratings
    ) WHERE k <= 10
    GROUP BY movieId
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
    coalesce(t.topRatings, '') AS topRatings
  FROM movies m
    LEFT JOIN stats s USING (movieId)
    LEFT JOIN links l USING (movieId)
    LEFT JOIN top t USING (movieId)
  ORDER BY m.movieId`;
}

/** Online user features as at the end of the data (every rating counts), same definitions as the samples. */
export function userFeaturesSql(): string {
  return `CREATE TABLE user_features AS
  WITH stats AS (
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
    coalesce(l.g1, '') AS userGenre1,
    coalesce(l.g2, '') AS userGenre2,
    coalesce(l.g3, '') AS userGenre3,
    coalesce(l.g4, '') AS userGenre4,
    coalesce(l.g5, '') AS userGenre5,
    s.highestRating,
    s.lowestRating
  FROM stats s LEFT JOIN last l USING (userId)
  ORDER BY s.userId`;
}
