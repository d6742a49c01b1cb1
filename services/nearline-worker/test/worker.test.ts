import { RatingRejectedError, RealtimeWriter } from "@wren/feature-store";
import { createLogger } from "@wren/telemetry";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFixture } from "../../recall-service/test/fixture-store.js";
import type { Verdict } from "../src/domain/handle-event.js";
import { type NearlineWorkerHandle, startNearlineWorker } from "../src/run.js";
import { REDIS_URL, Sandbox, USER_6_AFTER_RATING_MOVIE_5, waitFor } from "./helpers.js";

/**
 * One worker replica in process on the real NATS JetStream and Redis. Fixture user 6 rated movies 201–208
 * (Drama, years 1980–1987) 4, 4.5, 4, 4.5, … at 1,000,000 + 60 i; movie 5 is an Action movie of 1984.
 */
const MOVIE_IDS = [101, 102, 103, 104];

describe("nearline worker (real JetStream and Redis)", () => {
  let redis: Redis;
  let box: Sandbox;
  let handle: NearlineWorkerHandle;
  const verdicts = new Map<number, Verdict>();
  /** How many times each stream sequence was applied, by any replica. */
  const appliedCount = new Map<number, number>();
  const observe = (map: Map<number, Verdict>) => (v: Verdict, seq: number) => {
    map.set(seq, v);
    if (v.kind === "done" && v.outcome === "applied") appliedCount.set(seq, (appliedCount.get(seq) ?? 0) + 1);
  };

  beforeAll(async () => {
    redis = new Redis(REDIS_URL);
    box = await Sandbox.create(redis);
    handle = await startNearlineWorker(box.config(), createLogger({ service: "test" }, "silent"), {
      onVerdict: observe(verdicts),
    });
  });
  afterAll(async () => {
    await handle?.stop();
    await box?.cleanup();
    redis?.disconnect();
  });

  const settled = (seq: number) => waitFor(`event ${seq}`, async () => verdicts.get(seq));

  it("applies a rating: history, user features as computed by hand, and the user vector", async () => {
    const snap = box.store.at(box.fixture.version);
    const [before] = await snap.getEmbeddings("i2v-user", [6]);
    expect(before).toBeNull();
    const ack = await box.publisher.publish(box.rating(6, 5, 5, 2_000_000));
    expect(ack.duplicate).toBe(false);
    expect(await settled(ack.seq)).toMatchObject({ kind: "done", outcome: "applied" });

    const history = await snap.getUserHistory(6);
    expect(history).toHaveLength(9);
    expect(history[0]).toEqual({ movieId: 5, rating: 5, timestamp: 2_000_000 });
    const [features] = await snap.getUserFeatures([6]);
    expect(features).toEqual(USER_6_AFTER_RATING_MOVIE_5);
    // The mean of the nine positives' Item2Vec vectors.
    const items = await snap.getEmbeddings("i2v", [5, 201, 202, 203, 204, 205, 206, 207, 208]);
    const expected = new Float32Array(8);
    for (const v of items) for (let d = 0; d < 8; d++) expected[d] += (v as Float32Array)[d] / 9;
    const [after] = await snap.getEmbeddings("i2v-user", [6]);
    expect(after).not.toBeNull();
    for (let d = 0; d < 8; d++) expect((after as Float32Array)[d]).toBeCloseTo(expected[d], 6);
  });

  it("is idempotent: a duplicate publish is stored once, a redelivered event changes nothing", async () => {
    const event = box.rating(7, 6, 2, 2_000_100);
    const first = await box.publisher.publish(event);
    const again = await box.publisher.publish(event);
    expect(again).toEqual({ ...first, duplicate: true });
    await settled(first.seq);
    const snap = box.store.at(box.fixture.version);
    const state = async () => ({
      history: await snap.getUserHistory(7),
      features: await snap.getUserFeatures([7]),
      applied: await redis.hgetall(`${box.fixture.prefix}:v:${box.fixture.version}:rt:7`),
    });
    const before = await state();
    expect(before.applied).toMatchObject({ rev: "1", "m:6": String(first.seq) });
    // A redelivery is the same event with the same stream sequence.
    const writer = new RealtimeWriter(redis, box.fixture.prefix);
    expect((await writer.apply({ ...event, seq: first.seq })).outcome).toBe("duplicate");
    // An older rating of the same movie arriving late does not overwrite the newer one.
    expect((await writer.apply({ ...event, rating: 5, seq: first.seq - 1 })).outcome).toBe("superseded");
    expect(await state()).toEqual(before);
  });

  it("dead-letters bad events with the reason and keeps running", async () => {
    const bad = {
      malformed: await box.publishRaw("{not json"),
      rating7: await box.publishRaw(JSON.stringify({ ...box.rating(8, 5, 7, 2_000_000) })),
      unknownMovie: (await box.publisher.publish(box.rating(8, 99_999, 4, 2_000_000))).seq,
    };
    const good = await box.publisher.publish(box.rating(8, 5, 4, 2_000_200));
    expect(await settled(good.seq)).toMatchObject({ kind: "done", outcome: "applied" });
    for (const seq of Object.values(bad)) await settled(seq);
    const dead = await waitFor("3 dead letters", async () => {
      const d = await box.deadLetters();
      return d.length >= 3 ? d : null;
    });
    const bySeq = new Map(dead.map((d) => [d.seq, d]));
    expect(bySeq.get(bad.malformed)).toMatchObject({ reason: "malformed-json", data: "{not json" });
    expect(bySeq.get(bad.rating7)).toMatchObject({ reason: "invalid-event" });
    expect(bySeq.get(bad.rating7)?.detail).toContain("invalid rating event: /rating");
    expect(bySeq.get(bad.unknownMovie)).toMatchObject({ reason: "unknown-movie" });
    expect(bySeq.get(bad.unknownMovie)?.detail).toContain("movie 99999");
    // Nothing of the bad events reached the user.
    const history = await box.store.at(box.fixture.version).getUserHistory(8);
    expect(history.map((h) => h.movieId)).not.toContain(99_999);
    expect(history.find((h) => h.movieId === 5)).toEqual({ movieId: 5, rating: 4, timestamp: 2_000_200 });
  });

  it("a new user (unknown to the version) starts a history; with ALLOW_NEW_USERS=0 it is dead-lettered", async () => {
    const ack = await box.publisher.publish(box.rating(500, 101, 4.5, 2_000_000));
    await settled(ack.seq);
    const [features] = await box.store.at(box.fixture.version).getUserFeatures([500]);
    expect(features).toMatchObject({ userRatingCount: "1", userRatedMovie1: "101", userGenre1: "Comedy" });
    const strict = new RealtimeWriter(redis, box.fixture.prefix, { allowNewUsers: false });
    await expect(strict.apply({ ...box.rating(501, 101, 4, 1), seq: 1 })).rejects.toBeInstanceOf(
      RatingRejectedError,
    );
  });

  it("replays the stream onto a new version once its pointer flips", async () => {
    const rebuilt = await writeFixture(redis, { prefix: box.fixture.prefix }); // flips `current`
    expect(rebuilt.version).not.toBe(box.fixture.version);
    const snap = box.store.at(rebuilt.version);
    // Every earlier rating (users 6, 7, 8, 500) reaches the rebuilt version without being published again.
    await waitFor("replay", async () =>
      (await redis.get(`${box.fixture.prefix}:v:${rebuilt.version}:rt-replay`))?.startsWith("done:"),
    );
    expect((await snap.getUserHistory(6))[0]).toEqual({ movieId: 5, rating: 5, timestamp: 2_000_000 });
    expect((await snap.getUserFeatures([6]))[0]?.userAvgRating).toBe("4.3333");
    expect((await snap.getUserHistory(7)).find((h) => h.movieId === 6)?.rating).toBe(2);
    expect((await snap.getUserFeatures([500]))[0]?.userRatingCount).toBe("1");
    // Live events now land in the new version.
    const ack = await box.publisher.publish(box.rating(9, 5, 3, 2_000_300));
    await settled(ack.seq);
    expect((await snap.getUserHistory(9))[0]).toEqual({ movieId: 5, rating: 3, timestamp: 2_000_300 });
  });

  it("replicas share the durable consumer: each event is applied once, by one of them", async () => {
    const second = new Map<number, Verdict>();
    const other = await startNearlineWorker(box.config(), createLogger({ service: "test" }, "silent"), {
      onVerdict: observe(second),
    });
    try {
      const acks = [];
      for (let i = 0; i < 200; i++) {
        acks.push(
          box.publisher.publish(box.rating(1000 + (i % 50), MOVIE_IDS[Math.floor(i / 50)], 4, 2_000_000 + i)),
        );
      }
      const seqs = (await Promise.all(acks)).map((a) => a.seq);
      await waitFor("200 events", async () => seqs.every((q) => verdicts.has(q) || second.has(q)));
      expect(seqs.filter((q) => second.has(q)).length).toBeGreaterThan(0);
      expect(seqs.filter((q) => verdicts.has(q)).length).toBeGreaterThan(0);
      // A slow ack (loaded machine, 1 s ack wait) may redeliver an event to the other replica: it must then
      // be a no-op there, so exactly one "applied" per event.
      expect(seqs.filter((q) => appliedCount.get(q) !== 1)).toEqual([]);
      const live = await box.store.currentVersion(); // the replay test flipped it
      for (let u = 1000; u < 1050; u++) {
        expect(await redis.hget(`${box.fixture.prefix}:v:${live}:rt:${u}`, "rev")).toBe("4");
      }
    } finally {
      await other.stop();
    }
  });

  it("serves health, readiness and metrics", async () => {
    expect((await fetch(`${handle.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${handle.url}/readyz`);
    expect(ready.status).toBe(200);
    await handle.worker.refreshLag();
    const metrics = await (await fetch(`${handle.url}/metrics`)).text();
    expect(metrics).toMatch(/wren_nearline_events_total\{outcome="applied"\} [1-9]/);
    expect(metrics).toMatch(/wren_nearline_dead_letters_total\{reason="malformed-json"\} 1/);
    expect(metrics).toMatch(/wren_nearline_event_to_visible_seconds_count [1-9]/);
    expect(metrics).toContain("wren_nearline_consumer_pending 0");
  });
});
