import { type Static, Type } from "@sinclair/typebox";
import { Id } from "./common.js";

/**
 * `wren.experiments.v1.exposure` (publish, no reply): one record per response that an experiment shaped,
 * so a readout can join exposures with later ratings. Carries ids only, no personal data.
 */
export const ExposureEvent = Type.Object(
  {
    experiment: Type.String({ minLength: 1 }),
    variant: Type.String({ minLength: 1 }),
    userId: Id,
    model: Type.String(),
    modelVersion: Type.Union([Type.Integer(), Type.Null()]),
    /** Ranked movie ids shown, in order. */
    movieIds: Type.Array(Id),
    /** Whether an explicit `model` parameter overrode the assignment. */
    overridden: Type.Boolean(),
    traceId: Type.Optional(Type.String()),
    /** Epoch milliseconds. */
    timestamp: Type.Integer(),
  },
  { additionalProperties: false },
);
export type ExposureEvent = Static<typeof ExposureEvent>;
