import type { Static, TSchema } from "@sinclair/typebox";
import {
  GenreRequest,
  GenreResponse,
  GenresRequest,
  GenresResponse,
  MoviesRequest,
  MoviesResponse,
  SimilarRequest,
  SimilarResponse,
  UserRequest,
  UserResponse,
} from "./catalog.js";
import { ExposureEvent } from "./experiments.js";
import { FeaturesRequest, FeaturesResponse } from "./features.js";
import { RankRequest, RankResponse, RecommendRequest, RecommendResponse } from "./ranking.js";
import { RecallRequest, RecallResponse } from "./recall.js";

/** Service names: folder = NATS service name = queue group = compose service = OTEL_SERVICE_NAME. */
export const SERVICES = {
  recall: "recall-service",
  features: "feature-service",
  ranking: "ranking-service",
  gateway: "gateway",
} as const;
export type ServiceName = (typeof SERVICES)[keyof typeof SERVICES];

/** A request/reply endpoint: subject, schemas of both directions and who serves it. */
export interface Endpoint<Req extends TSchema = TSchema, Res extends TSchema = TSchema> {
  /** Versioned subject without prefix, e.g. `wren.recall.v1.candidates`. */
  subject: string;
  /** Endpoint name in `@nats-io/services` info/stats. */
  name: string;
  service: ServiceName;
  request: Req;
  response: Res;
  /** Safe to retry: the handler has no side effects. */
  idempotent: boolean;
}

/** A fire-and-forget event subject. */
export interface EventSubject<Msg extends TSchema = TSchema> {
  subject: string;
  message: Msg;
}

export type RequestOf<E extends Endpoint> = Static<E["request"]>;
export type ResponseOf<E extends Endpoint> = Static<E["response"]>;
export type MessageOf<E extends EventSubject> = Static<E["message"]>;

function endpoint<Req extends TSchema, Res extends TSchema>(e: Endpoint<Req, Res>): Endpoint<Req, Res> {
  return Object.freeze(e);
}

/** The subject catalogue. Every reader and writer of a subject goes through these objects. */
export const ENDPOINTS = {
  /** recall-service: merged, de-duplicated candidates for a user. */
  recallCandidates: endpoint({
    subject: "wren.recall.v1.candidates",
    name: "candidates",
    service: SERVICES.recall,
    request: RecallRequest,
    response: RecallResponse,
    idempotent: true,
  }),
  /** recall-service: display data of movies by id. */
  catalogMovies: endpoint({
    subject: "wren.catalog.v1.movies",
    name: "movies",
    service: SERVICES.recall,
    request: MoviesRequest,
    response: MoviesResponse,
    idempotent: true,
  }),
  /** recall-service: Item2Vec neighbours of a movie. */
  catalogSimilar: endpoint({
    subject: "wren.catalog.v1.similar",
    name: "similar",
    service: SERVICES.recall,
    request: SimilarRequest,
    response: SimilarResponse,
    idempotent: true,
  }),
  /** recall-service: movies of one genre sorted by rating or release year. */
  catalogGenre: endpoint({
    subject: "wren.catalog.v1.genre",
    name: "genre",
    service: SERVICES.recall,
    request: GenreRequest,
    response: GenreResponse,
    idempotent: true,
  }),
  /** recall-service: the list of genres. */
  catalogGenres: endpoint({
    subject: "wren.catalog.v1.genres",
    name: "genres",
    service: SERVICES.recall,
    request: GenresRequest,
    response: GenresResponse,
    idempotent: true,
  }),
  /** recall-service: a user's stats and watched movies. */
  catalogUser: endpoint({
    subject: "wren.catalog.v1.user",
    name: "user",
    service: SERVICES.recall,
    request: UserRequest,
    response: UserResponse,
    idempotent: true,
  }),
  /** feature-service: user + movie features of one version, columnar. */
  featuresBatch: endpoint({
    subject: "wren.features.v1.batch",
    name: "batch",
    service: SERVICES.features,
    request: FeaturesRequest,
    response: FeaturesResponse,
    idempotent: true,
  }),
  /** ranking-service: score and sort given candidates. */
  rankingRank: endpoint({
    subject: "wren.ranking.v1.rank",
    name: "rank",
    service: SERVICES.ranking,
    request: RankRequest,
    response: RankResponse,
    idempotent: true,
  }),
  /** ranking-service: recall → features → predict → top N, the gateway's one call per "guess you like". */
  recommend: endpoint({
    subject: "wren.recommend.v1.for-user",
    name: "recommend",
    service: SERVICES.ranking,
    request: RecommendRequest,
    response: RecommendResponse,
    idempotent: true,
  }),
} as const;

/** Event subjects (publish only). */
export const EVENTS = {
  /** gateway → anyone: which experiment variant a user was shown. */
  exposure: Object.freeze({
    subject: "wren.experiments.v1.exposure",
    message: ExposureEvent,
  }) as EventSubject<typeof ExposureEvent>,
} as const;

const PREFIX_RE = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

/**
 * The subject on the wire: `<prefix>.<subject>` when a prefix is set. Tests use a unique prefix per run
 * (`test-<uuid>`) so parallel runs on one NATS never see each other's traffic.
 */
export function wireSubject(subject: string, prefix?: string): string {
  if (!prefix) return subject;
  if (!PREFIX_RE.test(prefix)) {
    throw new Error(`invalid subject prefix ${JSON.stringify(prefix)}: dot-separated [A-Za-z0-9_-] tokens`);
  }
  return `${prefix}.${subject}`;
}
