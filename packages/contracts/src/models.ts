/**
 * Model names clients may send that mean another model. The reference's front end sends `nerualcf`
 * (sic), so that spelling must keep working.
 */
export const MODEL_ALIASES: Readonly<Record<string, string>> = Object.freeze({ nerualcf: "neuralcf" });

/** The canonical (served) name of a model as a client spelled it. */
export function canonicalModelName(name: string): string {
  const lower = name.toLowerCase();
  return MODEL_ALIASES[lower] ?? lower;
}
