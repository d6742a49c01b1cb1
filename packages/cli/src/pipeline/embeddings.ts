import { type EmbeddingTable, writeEmbeddingFile } from "@wren/feature-store";
import { positiveSequences } from "@wren/features";
import { trainItem2Vec, userEmbeddings } from "@wren/trainer/item2vec";

export interface EmbeddingSummary {
  space: string;
  count: number;
  dim: number;
}

/**
 * The embedding hook of the pipeline: trains the online embeddings from a features output directory and
 * writes them to `<out>/embeddings/` (see @wren/feature-store embedding-files), from where the loader puts
 * them into Redis. Item2Vec over each user's positively rated movies in time order → `i2v`; a user's
 * vector = mean of the vectors of those movies → `i2v-user`. Other trainers (two-tower: `tt-item`,
 * `tt-user`) write their files into the same directory and `wren features load` picks them up.
 */
export async function trainOnlineEmbeddings(
  outDir: string,
  opts: {
    dim?: number;
    epochs?: number;
    seed?: number;
    onEpoch?: (epoch: number, epochs: number) => void;
  } = {},
): Promise<EmbeddingSummary[]> {
  const sequences = await positiveSequences(outDir);
  const items: EmbeddingTable = trainItem2Vec(
    sequences.map(([, movies]) => movies),
    {
      dim: opts.dim ?? 10,
      window: 5,
      epochs: opts.epochs ?? 5,
      seed: opts.seed ?? 42,
      onEpoch: opts.onEpoch,
    },
  );
  const users: EmbeddingTable = userEmbeddings(sequences, items);
  await writeEmbeddingFile(outDir, "i2v", items);
  await writeEmbeddingFile(outDir, "i2v-user", users);
  return [
    { space: "i2v", count: items.ids.length, dim: items.dim },
    { space: "i2v-user", count: users.ids.length, dim: users.dim },
  ];
}
