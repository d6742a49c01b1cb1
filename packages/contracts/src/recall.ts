import { type Static, Type } from "@sinclair/typebox";
import { Id, IdList, MAX_CANDIDATES } from "./common.js";

/** `wren.recall.v1.candidates` request: personalised candidates for one user. */
export const RecallRequest = Type.Object(
  {
    userId: Id,
    /** How many candidates to keep after merging (default 800). */
    size: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_CANDIDATES })),
  },
  { additionalProperties: false },
);
export type RecallRequest = Static<typeof RecallRequest>;

/**
 * Candidates in recall order (channel priority, then each channel's own order). Never contains a movie
 * the user rated. `channelMasks[i]` tags `movieIds[i]` with every channel that produced it
 * (see RECALL_CHANNELS).
 */
export const RecallResponse = Type.Object(
  {
    userId: Id,
    movieIds: IdList(MAX_CANDIDATES),
    channelMasks: Type.Array(Type.Integer({ minimum: 1 }), { maxItems: MAX_CANDIDATES }),
    /** True when the user has no or too few ratings and got the popular + diverse-genre mix. */
    coldStart: Type.Boolean(),
    /** Feature-store version the indexes were built from. */
    featureVersion: Type.String(),
  },
  { additionalProperties: false },
);
export type RecallResponse = Static<typeof RecallResponse>;
