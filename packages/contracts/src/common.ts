import { Type } from "@sinclair/typebox";

/** Largest id we accept: int32, which is what the models' id inputs are. */
export const MAX_ID = 2_147_483_647;

/** A MovieLens user or movie id: a positive int32. */
export const Id = Type.Integer({ minimum: 1, maximum: MAX_ID, description: "positive int32 id" });

/** Ids as a plain array; the columnar codec sends long ones as Int32 columns. */
export const IdList = (maxItems: number) => Type.Array(Id, { maxItems });

/** A numeric column, index-aligned with the message's id list. */
export const NumberColumn = Type.Array(Type.Number());

/** Most candidates a request may carry (recall keeps ~800; the cap leaves headroom). */
export const MAX_CANDIDATES = 2000;

/** Model names as clients send them; `nerualcf` (sic) is accepted and normalised by the model registry. */
export const ModelName = Type.String({ minLength: 1, maxLength: 64, pattern: "^[a-z0-9][a-z0-9_-]*$" });
