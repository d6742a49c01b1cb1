import type { Rng } from "./rng.js";

const ADJECTIVES = [
  "Silent",
  "Broken",
  "Golden",
  "Last",
  "Hidden",
  "Crimson",
  "Lonely",
  "Wild",
  "Frozen",
  "Dark",
  "Electric",
  "Lost",
  "Burning",
  "Secret",
  "Midnight",
  "Little",
  "Endless",
  "Savage",
  "Gentle",
  "Iron",
  "Velvet",
  "Distant",
  "Haunted",
  "Brave",
  "Forgotten",
  "Quiet",
  "Bitter",
  "Sweet",
  "Northern",
  "Restless",
];
const NOUNS = [
  "River",
  "Kingdom",
  "Summer",
  "Garden",
  "Stranger",
  "Machine",
  "Harbor",
  "Empire",
  "Letter",
  "Storm",
  "Island",
  "Mirror",
  "Road",
  "Night",
  "Promise",
  "Detective",
  "Circus",
  "Frontier",
  "Orchard",
  "Signal",
  "Winter",
  "Station",
  "Witness",
  "Voyage",
  "Echo",
  "Dragon",
  "Planet",
  "Sister",
  "Village",
  "Heist",
];
/** Non-ASCII words so readers and writers are exercised on multi-byte UTF-8. */
const ACCENTED = ["Café", "Amélie", "Señorita", "Über", "Mädchen", "Noël", "Déjà Vu", "Straße"];

/**
 * A MovieLens-looking title without the year. A few follow MovieLens's awkward conventions: the article
 * moved to the end after a comma ("Garden, The"), double quotes inside the title, "a.k.a." alternates and
 * accented letters, so that anything reading the files must handle RFC 4180 quoting and UTF-8.
 */
export function movieTitle(rng: Rng): string {
  const adj = rng.pick(ADJECTIVES);
  const noun = rng.pick(NOUNS);
  const roll = rng.next();
  if (roll < 0.08) return `${adj} ${noun}, The`;
  if (roll < 0.11) return `${adj} "${noun}"`;
  if (roll < 0.13) return `${noun} (a.k.a. ${adj} ${rng.pick(NOUNS)}, The)`;
  if (roll < 0.15) return `${rng.pick(ACCENTED)} ${noun}`;
  if (roll < 0.2) return `${noun} of the ${rng.pick(NOUNS)}s`;
  if (roll < 0.24) return `${adj} ${noun} ${2 + rng.int(3)}`;
  if (roll < 0.3) return `${adj} ${noun}: ${rng.pick(ADJECTIVES)} ${rng.pick(NOUNS)}`;
  return `${adj} ${noun}`;
}
