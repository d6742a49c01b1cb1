import { DeliverPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { RatingTopology } from "@wren/contracts";
import type { RealtimeWriter } from "@wren/feature-store";
import type { Logger } from "@wren/telemetry";
import { handleEvent } from "../domain/handle-event.js";
import { replayedEvents } from "../metrics.js";

/** The version meta field naming the last stream sequence the offline data already contains. */
export const META_STREAM_SEQ = "ratingsStreamSeq";

/**
 * Ratings that arrived while a new version was being built went into the old version only. When the
 * pointer flips, one replica (a Redis claim per version) replays the ratings stream onto the new version:
 * from `ratingsStreamSeq + 1` of the version's meta (default: the whole retained stream) up to the stream's
 * last sequence at that moment. Newer events reach the new version through the live consumer anyway, and
 * the writes are idempotent per (user, movie, seq), so the overlap costs nothing but time.
 */
export class VersionReplayer {
  private lastSeen: string | null = null;
  private busy: Promise<void> | null = null;

  constructor(
    private readonly nc: NatsConnection,
    private readonly topology: RatingTopology,
    private readonly writer: RealtimeWriter,
    private readonly owner: string,
    private readonly logger: Logger,
  ) {}

  /** Checks the pointer; replays onto a version no replica has replayed onto yet. Serialised. */
  check(): Promise<void> {
    this.busy ??= this.checkOnce().finally(() => {
      this.busy = null;
    });
    return this.busy;
  }

  private async checkOnce(): Promise<void> {
    const version = await this.writer.redis.get(this.writer.keys.current);
    if (version === null || version === this.lastSeen) return;
    if ((await this.writer.replayState(version))?.startsWith("done:")) {
      this.lastSeen = version;
      return;
    }
    if (!(await this.writer.claimReplay(version, this.owner, 10 * 60_000))) return;
    const started = performance.now();
    const meta = await this.writer.redis.hget(this.writer.keys.version(version).meta, META_STREAM_SEQ);
    const fromSeq = Number(meta ?? 0) + 1;
    const jsm = await jetstreamManager(this.nc);
    const lastSeq = (await jsm.streams.info(this.topology.stream)).state.last_seq;
    let counts: Record<string, number>;
    try {
      counts = await this.replay(version, fromSeq, lastSeq);
    } catch (err) {
      await this.writer.releaseReplay(version);
      throw err;
    }
    await this.writer.finishReplay(version, lastSeq);
    this.lastSeen = version;
    this.logger.info("replayed ratings onto the new feature version", {
      version,
      fromSeq,
      lastSeq,
      ...counts,
      ms: Math.round(performance.now() - started),
    });
  }

  private async replay(version: string, fromSeq: number, lastSeq: number): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    if (lastSeq < fromSeq) return counts;
    const consumer = await jetstream(this.nc).consumers.get(this.topology.stream, {
      filter_subjects: this.topology.submitted,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: fromSeq,
    });
    const messages = await consumer.consume({ max_messages: 256 });
    try {
      for await (const m of messages) {
        const v = await handleEvent(m.data, m.seq, this.writer);
        const outcome = v.kind === "done" ? v.outcome : v.kind;
        counts[outcome] = (counts[outcome] ?? 0) + 1;
        replayedEvents.inc({ outcome });
        if (v.kind === "retry")
          throw new Error(`replay onto ${version} stopped at seq ${m.seq}: ${v.detail}`);
        if (m.seq >= lastSeq) break;
      }
    } finally {
      await messages.close();
    }
    return counts;
  }
}
