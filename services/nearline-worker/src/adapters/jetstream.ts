import {
  AckPolicy,
  DeliverPolicy,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { natsAuthFromEnv } from "@wren/bus";
import { type RatingSubmitted, type RatingTopology, ratingTopology } from "@wren/contracts";

/** A NATS connection that reconnects forever (a worker or gateway outlives NATS restarts), logged in with
 *  the same NATS_USER / NATS_PASSWORD / NATS_TOKEN / NATS_CREDS as every bus connection. */
export function connectNats(servers: string, name: string): Promise<NatsConnection> {
  return connect({
    servers,
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    ...natsAuthFromEnv(process.env),
  });
}

/** Deletes both streams of a topology (test and benchmark clean-up). */
export async function deleteRatingStreams(nc: NatsConnection, topology: RatingTopology): Promise<void> {
  const jsm = await jetstreamManager(nc);
  for (const s of [topology.stream, topology.deadLetterStream]) await jsm.streams.delete(s).catch(() => {});
}

/** How long JetStream remembers a `Nats-Msg-Id`: a publish retried within it is stored once. */
export const DUPLICATE_WINDOW_MS = 10 * 60_000;
const NS = 1_000_000;

export interface StreamOptions {
  /** Ratings kept for replays onto rebuilt feature versions (default 30 days). */
  maxAgeMs?: number;
}

/**
 * Creates (or updates) the ratings stream and its dead-letter stream: file storage, limits retention (the
 * stream is the log that rebuilt versions replay), a duplicate window for publish idempotency.
 */
export async function ensureRatingStreams(
  jsm: JetStreamManager,
  topology: RatingTopology,
  options: StreamOptions = {},
): Promise<void> {
  const maxAge = (options.maxAgeMs ?? 30 * 24 * 3600_000) * NS;
  for (const [name, subject] of [
    [topology.stream, topology.submitted],
    [topology.deadLetterStream, topology.deadLetter],
  ] as const) {
    const config = {
      name,
      subjects: [subject],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      max_age: maxAge,
      duplicate_window: DUPLICATE_WINDOW_MS * NS,
    };
    const exists = await jsm.streams.info(name).then(
      () => true,
      () => false,
    );
    if (exists) await jsm.streams.update(name, config);
    else await jsm.streams.add(config);
  }
}

/** The durable pull consumer every worker replica shares (created if missing, its settings updated). */
export async function ensureWorkerConsumer(
  jsm: JetStreamManager,
  topology: RatingTopology,
  ackWaitMs: number,
): Promise<void> {
  const exists = await jsm.consumers.info(topology.stream, topology.consumer).then(
    () => true,
    () => false,
  );
  // The worker dead-letters after MAX_DELIVERIES itself (so it can say why): no server-side limit.
  const settings = { ack_wait: ackWaitMs * NS, max_deliver: -1, max_ack_pending: 10_000 };
  if (exists) {
    await jsm.consumers.update(topology.stream, topology.consumer, settings);
    return;
  }
  await jsm.consumers.add(topology.stream, {
    durable_name: topology.consumer,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    filter_subject: topology.submitted,
    ...settings,
  });
}

export interface PublishedRating {
  stream: string;
  seq: number;
  /** True when JetStream already had this event id (a retried publish): nothing new was stored. */
  duplicate: boolean;
}

/**
 * Publishes rating events and waits for JetStream's PubAck (the event is stored durably). The streams are
 * created on the first publish, so a gateway that never receives a rating creates nothing.
 */
export class RatingPublisher {
  private ensured: Promise<void> | null = null;
  private readonly js: ReturnType<typeof jetstream>;

  constructor(
    private readonly nc: NatsConnection,
    subjectPrefix: string | undefined,
    private readonly options: StreamOptions & { timeoutMs?: number } = {},
    readonly topology: RatingTopology = ratingTopology(subjectPrefix),
  ) {
    this.js = jetstream(nc);
  }

  async publish(event: RatingSubmitted): Promise<PublishedRating> {
    this.ensured ??= jetstreamManager(this.nc)
      .then((jsm) => ensureRatingStreams(jsm, this.topology, this.options))
      .catch((err) => {
        this.ensured = null;
        throw err;
      });
    await this.ensured;
    const ack = await this.js.publish(this.topology.submitted, JSON.stringify(event), {
      msgID: event.eventId,
      timeout: this.options.timeoutMs ?? 2000,
    });
    return { stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate };
  }
}
