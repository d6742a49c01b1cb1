export {
  type Embeddings,
  type Neighbour,
  nearestNeighbours,
  rowOf,
  userEmbeddings,
  vectorOf,
} from "./embeddings.js";
export { POSITIVE_RATING, positiveSequences, type RatingEvent, type SequenceOptions } from "./sequences.js";
export { type Item2VecOptions, trainItem2Vec, trainItem2VecParallel } from "./skipgram.js";
