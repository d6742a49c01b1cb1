import { WrenError } from "@wren/contracts";
import {
  MOVIE_DISPLAY_FIELDS,
  MOVIE_FEATURE_FIELDS,
  USER_DISPLAY_FIELDS,
  USER_FEATURE_FIELDS,
} from "@wren/feature-store";

/** Raw hash fields as Redis stores them. */
export type FieldMap = Record<string, string>;

const MOVIE_FIELDS = new Set<string>([...MOVIE_FEATURE_FIELDS, ...MOVIE_DISPLAY_FIELDS]);
const USER_FIELDS = new Set<string>([...USER_FEATURE_FIELDS, ...USER_DISPLAY_FIELDS]);
/** Fields whose values are names, not numbers: genres and display text. */
const STRING_FIELDS = /Genre\d*$|^(title|genres|imdbId|tmdbId)$/;

/** 400 naming the first field the store does not have. */
export function checkFields(userFields: readonly string[], movieFields: readonly string[]): void {
  const badUser = userFields.find((f) => !USER_FIELDS.has(f));
  if (badUser) throw WrenError.badRequest(`userFields: unknown user feature ${JSON.stringify(badUser)}`);
  const badMovie = movieFields.find((f) => !MOVIE_FIELDS.has(f));
  if (badMovie) throw WrenError.badRequest(`movieFields: unknown movie feature ${JSON.stringify(badMovie)}`);
}

export function isStringField(field: string): boolean {
  return STRING_FIELDS.test(field);
}

/**
 * A stored value as the models take it: strings for categorical fields ("" when missing), numbers for the
 * rest (0 when missing or unparsable), the defaults the training samples use.
 */
export function featureValue(field: string, raw: string | undefined): number | string {
  if (isStringField(field)) return raw ?? "";
  const n = Number(raw);
  return raw === undefined || raw === "" || !Number.isFinite(n) ? 0 : n;
}

/** Columnar movie features: `columns[field][i]` for `movieIds[i]`; unknown movies get defaults. */
export function movieColumns(
  movieIds: readonly number[],
  rows: readonly (FieldMap | null)[],
  fields: readonly string[],
): { movieColumns: Record<string, number[] | string[]>; missingMovieIds: number[] } {
  const columns: Record<string, number[] | string[]> = {};
  for (const f of fields) {
    const col = new Array(movieIds.length);
    for (let i = 0; i < movieIds.length; i++) col[i] = featureValue(f, rows[i]?.[f]);
    columns[f] = col;
  }
  const missingMovieIds = movieIds.filter((_, i) => rows[i] === null);
  return { movieColumns: columns, missingMovieIds };
}

/** The user's requested features with defaults for missing ones. */
export function userRow(row: FieldMap | null, fields: readonly string[]): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  for (const f of fields) out[f] = featureValue(f, row?.[f]);
  return out;
}
