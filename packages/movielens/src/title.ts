/** "(1995)" at the end of a title; TV series in ml-25m carry ranges like "(2007-)" or "(2007-2013)". */
const TRAILING_YEAR = /\((\d{4})(?:[-–](?:\d{4})?)?\)$/;

/** Release year from a MovieLens title, or null when the title has none. */
export function titleYear(title: string): number | null {
  const m = TRAILING_YEAR.exec(title.trimEnd());
  return m ? Number(m[1]) : null;
}
