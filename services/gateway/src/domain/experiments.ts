import { createHash } from "node:crypto";

/**
 * A/B experiments on the ranking model of "guess you like". A user's variant is a pure function of the
 * experiment's salt and the user id, so it is stable across requests, processes and replicas, and a new
 * salt reshuffles users between experiments (the reference's unsalted bucket defect).
 */
export interface Variant {
  name: string;
  model: string;
  /** Relative share of users; positive. */
  weight: number;
}

export interface Experiment {
  name: string;
  salt: string;
  /** When true the variant's model wins over an explicit `model` parameter. */
  forced: boolean;
  variants: Variant[];
}

export interface ExperimentsConfig {
  /** The one running experiment, or null for none. */
  active: Experiment | null;
}

export interface ModelChoice {
  model: string;
  /** The user's experiment and variant; null when no experiment runs. */
  assignment: { experiment: string; variant: string } | null;
  /** True when an explicit model won over the assignment (still logged, so a readout can exclude it). */
  overridden: boolean;
}

/** Parses and checks an experiments file's JSON; throws with the offending field named. */
export function parseExperimentsConfig(raw: unknown, source: string): ExperimentsConfig {
  const fail = (field: string, problem: string): never => {
    throw new Error(`${source}: ${field} ${problem}`);
  };
  if (typeof raw !== "object" || raw === null) fail("(root)", "must be an object");
  const root = raw as Record<string, unknown>;
  const list = root.experiments ?? [];
  if (!Array.isArray(list)) fail("experiments", "must be an array");
  const parsed = (list as unknown[]).map((e, i) => parseExperiment(e, `experiments[${i}]`, fail));
  const enabled = parsed.filter((e) => e.enabled);
  if (enabled.length > 1)
    fail("experiments", `has ${enabled.length} enabled experiments; at most one may run`);
  return { active: enabled[0]?.experiment ?? null };
}

function parseExperiment(
  raw: unknown,
  at: string,
  fail: (field: string, problem: string) => never,
): { experiment: Experiment; enabled: boolean } {
  if (typeof raw !== "object" || raw === null) fail(at, "must be an object");
  const e = raw as Record<string, unknown>;
  const str = (key: string): string => {
    const v = e[key];
    if (typeof v !== "string" || v.length === 0) fail(`${at}.${key}`, "must be a non-empty string");
    return v as string;
  };
  const bool = (key: string, dflt: boolean): boolean => {
    const v = e[key] ?? dflt;
    if (typeof v !== "boolean") fail(`${at}.${key}`, "must be true or false");
    return v as boolean;
  };
  const name = str("name");
  const salt = str("salt");
  if (!Array.isArray(e.variants) || e.variants.length === 0)
    fail(`${at}.variants`, "must be a non-empty array");
  const variants = (e.variants as unknown[]).map((v, j): Variant => {
    const vat = `${at}.variants[${j}]`;
    if (typeof v !== "object" || v === null) fail(vat, "must be an object");
    const o = v as Record<string, unknown>;
    if (typeof o.name !== "string" || o.name === "") fail(`${vat}.name`, "must be a non-empty string");
    if (typeof o.model !== "string" || o.model === "") fail(`${vat}.model`, "must be a non-empty string");
    if (typeof o.weight !== "number" || !Number.isFinite(o.weight) || o.weight <= 0)
      fail(`${vat}.weight`, "must be a positive number");
    return {
      name: o.name as string,
      model: normaliseModelName(o.model as string),
      weight: o.weight as number,
    };
  });
  const names = new Set(variants.map((v) => v.name));
  if (names.size !== variants.length) fail(`${at}.variants`, "has duplicate names");
  return {
    experiment: { name, salt, forced: bool("forced", false), variants },
    enabled: bool("enabled", true),
  };
}

/** Uniform in [0, 1): the first 48 bits of sha256(salt:userId). */
export function bucketOf(salt: string, userId: number): number {
  const digest = createHash("sha256").update(`${salt}:${userId}`).digest();
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

export function assignVariant(experiment: Experiment, userId: number): Variant {
  const total = experiment.variants.reduce((s, v) => s + v.weight, 0);
  let point = bucketOf(experiment.salt, userId) * total;
  for (const v of experiment.variants) {
    if (point < v.weight) return v;
    point -= v.weight;
  }
  // Only reachable through floating-point rounding at the top edge.
  return experiment.variants[experiment.variants.length - 1] as Variant;
}

/**
 * The model for one request: an explicit model wins unless the experiment is forced; otherwise the
 * user's variant decides; with no experiment, the default.
 */
export function chooseModel(
  config: ExperimentsConfig,
  userId: number,
  requested: string | undefined,
  defaultModel: string,
): ModelChoice {
  const exp = config.active;
  if (!exp) return { model: requested ?? defaultModel, assignment: null, overridden: false };
  const v = assignVariant(exp, userId);
  const assignment = { experiment: exp.name, variant: v.name };
  if (requested === undefined || exp.forced) return { model: v.model, assignment, overridden: false };
  return { model: requested, assignment, overridden: true };
}

/** The reference's clients send `nerualcf` (sic); both spellings mean NeuralCF. */
export function normaliseModelName(name: string): string {
  const lower = name.toLowerCase();
  return lower === "nerualcf" ? "neuralcf" : lower;
}
