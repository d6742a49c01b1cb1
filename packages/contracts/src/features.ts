import { type Static, Type } from "@sinclair/typebox";
import { Id, IdList, MAX_CANDIDATES } from "./common.js";

const FieldNames = Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 64 });

/** A feature value: numbers for statistics and ids, strings for categorical features (genres). */
export const FeatureValue = Type.Union([Type.Number(), Type.String()]);
/** One feature column, index-aligned with `movieIds`. Numeric columns travel as binary columns. */
export const FeatureColumn = Type.Union([Type.Array(Type.Number()), Type.Array(Type.String())]);

/** `wren.features.v1.batch` request: only the fields the caller's model needs. */
export const FeaturesRequest = Type.Object(
  {
    userId: Id,
    movieIds: IdList(MAX_CANDIDATES),
    userFields: FieldNames,
    movieFields: FieldNames,
  },
  { additionalProperties: false },
);
export type FeaturesRequest = Static<typeof FeaturesRequest>;

/**
 * Features from ONE feature-store version. Missing users / movies get the training defaults (0 and "")
 * and are reported so the caller can tell cold from warm.
 */
export const FeaturesResponse = Type.Object(
  {
    featureVersion: Type.String(),
    userId: Id,
    userFound: Type.Boolean(),
    user: Type.Record(Type.String(), FeatureValue),
    movieIds: IdList(MAX_CANDIDATES),
    /** Columnar: `movieColumns[field][i]` belongs to `movieIds[i]`. */
    movieColumns: Type.Record(Type.String(), FeatureColumn),
    missingMovieIds: IdList(MAX_CANDIDATES),
  },
  { additionalProperties: false },
);
export type FeaturesResponse = Static<typeof FeaturesResponse>;
