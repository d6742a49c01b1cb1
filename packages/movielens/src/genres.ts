/** The genre vocabulary of ml-latest / ml-25m; the ml-1m and ml-100k readers map their names onto it. */
export const GENRES = [
  "Action",
  "Adventure",
  "Animation",
  "Children",
  "Comedy",
  "Crime",
  "Documentary",
  "Drama",
  "Fantasy",
  "Film-Noir",
  "Horror",
  "IMAX",
  "Musical",
  "Mystery",
  "Romance",
  "Sci-Fi",
  "Thriller",
  "War",
  "Western",
] as const;

export type Genre = (typeof GENRES)[number];

/** What movies.csv writes for a movie without genres. */
export const NO_GENRES = "(no genres listed)";

/** Older MovieLens releases spell one genre differently. */
const LEGACY_GENRE_NAMES: Record<string, string> = { "Children's": "Children" };

export function normaliseGenre(name: string): string {
  return LEGACY_GENRE_NAMES[name] ?? name;
}
