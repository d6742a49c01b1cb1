import {
  type Consumer,
  type ConsumerMessages,
  type JetStreamClient,
  type JsMsg,
  jetstream,
  jetstreamManager,
} from "@nats-io/jetstream";
import { headers, type NatsConnection } from "@nats-io/transport-node";
import {
  DEAD_LETTER_DETAIL_HEADER,
  DEAD_LETTER_REASON_HEADER,
  DEAD_LETTER_SEQ_HEADER,
  type DeadLetterReason,
  type RatingTopology,
} from "@wren/contracts";
import type { Logger } from "@wren/telemetry";
import { handleEvent, type RatingApplier, type Verdict } from "../domain/handle-event.js";
import {
  applySeconds,
  consumerAckPending,
  consumerPending,
  deadLetters,
  eventsTotal,
  eventToVisible,
} from "../metrics.js";
import { ensureRatingStreams, ensureWorkerConsumer } from "./jetstream.js";

export interface WorkerOptions {
  batchSize: number;
  ackWaitMs: number;
  maxDeliveries: number;
  /** Wait before a retried event is redelivered. */
  retryDelayMs?: number;
  /** Called after each handled event (tests and the benchmark observe progress through it). */
  onVerdict?(v: Verdict, seq: number): void;
}

/**
 * The consume loop of one replica on the shared durable pull consumer: each event is acked after its write
 * returned (at-least-once delivery + idempotent writes = effectively once). `stop()` ends the pull, applies
 * and acks what this replica already holds, then returns: nothing is lost, nothing is half-applied.
 */
export class RatingWorker {
  private running = false;
  private loop: Promise<void> | null = null;
  private consumer: Consumer | null = null;
  private messages: ConsumerMessages | null = null;

  private constructor(
    private readonly js: JetStreamClient,
    readonly topology: RatingTopology,
    private readonly applier: RatingApplier,
    private readonly options: WorkerOptions,
    private readonly logger: Logger,
  ) {}

  static async create(
    nc: NatsConnection,
    topology: RatingTopology,
    applier: RatingApplier,
    options: WorkerOptions,
    logger: Logger,
  ): Promise<RatingWorker> {
    const jsm = await jetstreamManager(nc);
    await ensureRatingStreams(jsm, topology);
    await ensureWorkerConsumer(jsm, topology, options.ackWaitMs);
    const w = new RatingWorker(jetstream(nc), topology, applier, options, logger);
    w.consumer = await w.js.consumers.get(topology.stream, topology.consumer);
    return w;
  }

  get bound(): boolean {
    return this.consumer !== null && this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    // Ends the pull; messages already buffered are still yielded, so they are applied, not dropped.
    await this.messages?.close();
    await this.loop;
  }

  /** Reads JetStream's view of the shared consumer into the lag gauges. */
  async refreshLag(): Promise<{ pending: number; ackPending: number } | null> {
    if (!this.consumer) return null;
    const info = await this.consumer.info(true);
    consumerPending.set(info.num_pending);
    consumerAckPending.set(info.num_ack_pending);
    return { pending: info.num_pending, ackPending: info.num_ack_pending };
  }

  private async run(): Promise<void> {
    const consumer = this.consumer;
    if (!consumer) return;
    const inFlight = new Set<Promise<void>>();
    while (this.running) {
      try {
        const messages = await consumer.consume({ max_messages: this.options.batchSize });
        this.messages = messages;
        for await (const m of messages) {
          // Events are applied concurrently (users are independent; one user's writes are compare-and-set).
          const p = this.handle(m).finally(() => inFlight.delete(p));
          inFlight.add(p);
          if (inFlight.size >= this.options.batchSize) await Promise.race(inFlight);
        }
      } catch (err) {
        if (!this.running) break;
        this.logger.warn("consume failed; retrying", { err: (err as Error).message });
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    // Drain: what was delivered to this replica is applied and acknowledged before stop() resolves.
    await Promise.all(inFlight);
  }

  private async handle(m: JsMsg): Promise<void> {
    const started = performance.now();
    let verdict: Verdict;
    if (m.info.deliveryCount > this.options.maxDeliveries) {
      verdict = {
        kind: "dead-letter",
        reason: "max-deliveries",
        detail: `not applied after ${this.options.maxDeliveries} deliveries`,
      };
    } else {
      verdict = await handleEvent(m.data, m.seq, this.applier);
    }
    applySeconds.observe((performance.now() - started) / 1000);
    switch (verdict.kind) {
      case "done":
        m.ack();
        eventsTotal.inc({ outcome: verdict.outcome });
        if (verdict.outcome === "applied") {
          eventToVisible.observe(Math.max(0, Date.now() - verdict.event.acceptedAtMs) / 1000);
        }
        break;
      case "dead-letter":
        if (await this.deadLetter(m, verdict.reason, verdict.detail)) {
          m.ack();
          eventsTotal.inc({ outcome: "dead-letter" });
          deadLetters.inc({ reason: verdict.reason });
          this.logger.warn("event dead-lettered", {
            seq: m.seq,
            reason: verdict.reason,
            detail: verdict.detail,
          });
        } else {
          m.nak(this.options.retryDelayMs ?? 1000);
          eventsTotal.inc({ outcome: "retry" });
        }
        break;
      case "retry":
        m.nak(this.options.retryDelayMs ?? 1000);
        eventsTotal.inc({ outcome: "retry" });
        this.logger.warn("event not applied; will retry", { seq: m.seq, detail: verdict.detail });
        break;
    }
    this.options.onVerdict?.(verdict, m.seq);
  }

  /** Copies the event to the dead-letter stream with why; true once JetStream stored it. */
  private async deadLetter(m: JsMsg, reason: DeadLetterReason, detail: string): Promise<boolean> {
    const h = headers();
    h.set(DEAD_LETTER_REASON_HEADER, reason);
    h.set(DEAD_LETTER_DETAIL_HEADER, detail.slice(0, 500));
    h.set(DEAD_LETTER_SEQ_HEADER, String(m.seq));
    try {
      await this.js.publish(this.topology.deadLetter, m.data, { headers: h, msgID: `dlq-${m.seq}` });
      return true;
    } catch (err) {
      this.logger.error("dead-letter publish failed", { seq: m.seq, err: (err as Error).message });
      return false;
    }
  }
}
