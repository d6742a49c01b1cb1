import { type Static, Type } from "@sinclair/typebox";
import { Id, IdList, MAX_CANDIDATES, ModelName, NumberColumn } from "./common.js";

const ChannelMasks = Type.Array(Type.Integer({ minimum: 0 }), { maxItems: MAX_CANDIDATES });

/** `wren.ranking.v1.rank` request: score these candidates for this user with this model. */
export const RankRequest = Type.Object(
  {
    userId: Id,
    movieIds: IdList(MAX_CANDIDATES),
    /** Recall tags, carried through so the ranked list can still say "why". */
    channelMasks: ChannelMasks,
    model: ModelName,
    /** Return only the best `limit` candidates (default: all), so nobody sorts what nobody reads. */
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_CANDIDATES })),
  },
  { additionalProperties: false },
);
export type RankRequest = Static<typeof RankRequest>;

/**
 * Candidates sorted by descending score. When degraded, the order is the recall order, `scores` are
 * empty and `degradedReason` says why (model server down, deadline, ...).
 */
export const RankResponse = Type.Object(
  {
    /** Canonical model name (`nerualcf` comes back as `neuralcf`). */
    model: Type.String(),
    /** Version the model server reported; null when degraded before any answer. */
    modelVersion: Type.Union([Type.Integer(), Type.Null()]),
    movieIds: IdList(MAX_CANDIDATES),
    channelMasks: ChannelMasks,
    scores: NumberColumn,
    degraded: Type.Boolean(),
    degradedReason: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type RankResponse = Static<typeof RankResponse>;

/** `wren.recommend.v1.for-user` request: the whole "guess you like" pipeline in one call. */
export const RecommendRequest = Type.Object(
  {
    userId: Id,
    model: ModelName,
    /** How many ranked movies to return. */
    size: Type.Integer({ minimum: 1, maximum: 1000 }),
    /** How many recall candidates to rank (default 800). */
    candidates: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_CANDIDATES })),
  },
  { additionalProperties: false },
);
export type RecommendRequest = Static<typeof RecommendRequest>;

/** The top `size` movies with scores and recall tags; `degradedReasons` lists every soft failure. */
export const RecommendResponse = Type.Object(
  {
    userId: Id,
    model: Type.String(),
    modelVersion: Type.Union([Type.Integer(), Type.Null()]),
    movieIds: IdList(1000),
    scores: NumberColumn,
    channelMasks: ChannelMasks,
    coldStart: Type.Boolean(),
    featureVersion: Type.String(),
    degraded: Type.Boolean(),
    degradedReasons: Type.Array(Type.String()),
  },
  { additionalProperties: false },
);
export type RecommendResponse = Static<typeof RecommendResponse>;
