import { randomUUID } from "node:crypto";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { type RatingSubmitted, type RatingTopology, ratingTopology } from "@wren/contracts";
import { FeatureStore } from "@wren/feature-store";
import { deleteRatingStreams, ensureRatingStreams, RatingPublisher } from "@wren/nearline-worker/publisher";
import type { Redis } from "ioredis";
import { type Fixture, writeFixture } from "../../recall-service/test/fixture-store.js";
import type { WorkerConfig } from "../src/config.js";

export const NATS_URL = process.env.NATS_URL || "nats://127.0.0.1:4222";
export const REDIS_URL = process.env.REDIS_URL || "redis://127.0.0.1:6379";

/**
 * One test run's isolation: a unique subject prefix (hence unique stream names) on the shared NATS and the
 * recall-service's fixture version under a unique key prefix on the shared Redis
 * (4 genres × 15 movies, id = genre × 100 + rank; user u rated movies of genre u % 4).
 */
export class Sandbox {
  readonly topology: RatingTopology;
  readonly publisher: RatingPublisher;
  private constructor(
    readonly nc: NatsConnection,
    readonly redis: Redis,
    readonly fixture: Fixture,
    readonly subjectPrefix: string,
  ) {
    this.topology = ratingTopology(subjectPrefix);
    this.publisher = new RatingPublisher(nc, subjectPrefix);
  }

  static async create(redis: Redis): Promise<Sandbox> {
    const nc = await connect({ servers: NATS_URL, name: "nearline-worker-test" });
    return new Sandbox(nc, redis, await writeFixture(redis), `test-${randomUUID()}`);
  }

  get store(): FeatureStore {
    return new FeatureStore(this.redis, this.fixture.prefix);
  }

  config(overrides: Partial<WorkerConfig> = {}): WorkerConfig {
    return {
      natsUrl: NATS_URL,
      subjectPrefix: this.subjectPrefix,
      redisUrl: REDIS_URL,
      featureStorePrefix: this.fixture.prefix,
      redisCommandTimeoutMs: 2000,
      host: "127.0.0.1",
      port: 0,
      allowNewUsers: true,
      batchSize: 32,
      ackWaitMs: 1000,
      maxDeliveries: 5,
      pollMs: 100,
      ...overrides,
    };
  }

  /** Environment of a worker child process. */
  env(overrides: Record<string, string> = {}): Record<string, string> {
    return {
      NATS_URL,
      REDIS_URL,
      WREN_SUBJECT_PREFIX: this.subjectPrefix,
      FEATURE_STORE_PREFIX: this.fixture.prefix,
      PORT: "0",
      ACK_WAIT_MS: "1000",
      POLL_MS: "100",
      LOG_LEVEL: "warn",
      ...overrides,
    };
  }

  rating(userId: number, movieId: number, rating: number, timestamp: number): RatingSubmitted {
    return { eventId: randomUUID(), userId, movieId, rating, timestamp, acceptedAtMs: Date.now() };
  }

  /** Publishes raw bytes on the ratings subject (bad events the gateway would never send). */
  async publishRaw(data: string): Promise<number> {
    await ensureRatingStreams(await jetstreamManager(this.nc), this.topology);
    const ack = await jetstream(this.nc).publish(this.topology.submitted, data);
    return ack.seq;
  }

  /** The dead-lettered events: reason header and original sequence. */
  async deadLetters(): Promise<{ reason: string; seq: number; detail: string; data: string }[]> {
    const jsm = await jetstreamManager(this.nc);
    const info = await jsm.streams.info(this.topology.deadLetterStream);
    const out = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
      const m = await jsm.streams.getMessage(this.topology.deadLetterStream, { seq });
      if (!m) continue;
      out.push({
        reason: m.header.get("Wren-Dead-Letter-Reason"),
        detail: m.header.get("Wren-Dead-Letter-Detail"),
        seq: Number(m.header.get("Wren-Original-Seq")),
        data: new TextDecoder().decode(m.data),
      });
    }
    return out;
  }

  async cleanup(): Promise<void> {
    await deleteRatingStreams(this.nc, this.topology);
    await this.nc.close();
    await this.fixture.cleanup();
  }
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false>, ms = 15_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Fixture user 6 (movies 201–208: Drama, 1980–1987, rated 4, 4.5, 4, … at 1,000,000 + 60 i) after rating
 * movie 5 (Action, 1984) with 5 at 2,000,000, computed by hand: ratings 4 ×4, 4.5 ×4, 5 → mean 39/9 =
 * 4.3333, sample sd sqrt(1/8) = 0.3536; years 1980..1987 and 1984 → mean 17852/9 = 1983.5556, sd 2.2973.
 */
export const USER_6_AFTER_RATING_MOVIE_5 = {
  userRatedMovie1: "5",
  userRatedMovie2: "208",
  userRatedMovie3: "207",
  userRatedMovie4: "206",
  userRatedMovie5: "205",
  userRatingCount: "9",
  userAvgRating: "4.3333",
  userRatingStddev: "0.3536",
  userAvgReleaseYear: "1983.5556",
  userReleaseYearStddev: "2.2973",
  userGenre1: "Drama",
  userGenre2: "Action",
  userGenre3: "",
  userGenre4: "",
  userGenre5: "",
  highestRating: "5",
  lowestRating: "4",
};
