import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, type TestProcess, tsProcess } from "../../gateway/test/harness/processes.js";
import { fixtureMovies } from "../../recall-service/test/fixture-store.js";
import { REDIS_URL, Sandbox, waitFor } from "./helpers.js";

const USERS = 40;
const MOVIES = fixtureMovies()
  .slice(0, 25)
  .map((m) => m.movieId);

/**
 * The worker as a child process, SIGKILLed half-way through a backlog and started again: every event is
 * applied exactly once in effect (each user's revision counts its applied events; a double apply would
 * bump it twice) and none is lost.
 */
describe("nearline worker killed mid-stream", () => {
  let redis: Redis;
  let box: Sandbox;
  const workers: TestProcess[] = [];
  const seqs = new Map<string, number>();

  beforeAll(async () => {
    redis = new Redis(REDIS_URL);
    box = await Sandbox.create(redis);
  });
  afterAll(async () => {
    for (const w of workers) await w.kill("SIGKILL");
    await box?.cleanup();
    redis?.disconnect();
  });

  const start = () => {
    const w = tsProcess(
      "nearline-worker",
      join(ROOT, "services/nearline-worker/src/main.ts"),
      [],
      box.env({ BATCH_SIZE: "16" }),
    );
    workers.push(w.start());
    return w;
  };
  const appliedKey = (u: number) => `${box.fixture.prefix}:v:${box.fixture.version}:rt:${u}`;
  const revisions = async () => {
    const pipe = redis.pipeline();
    for (let u = 1; u <= USERS; u++) pipe.hget(appliedKey(u), "rev");
    return ((await pipe.exec()) ?? []).map(([, v]) => Number(v ?? 0));
  };
  const total = async () => (await revisions()).reduce((a, b) => a + b, 0);

  it("loses nothing and applies nothing twice", async () => {
    // The backlog: every user rates each of 25 movies once (1,000 events), published before any worker runs.
    const pending: Promise<void>[] = [];
    for (let u = 1; u <= USERS; u++) {
      for (const [i, m] of MOVIES.entries()) {
        const rating = 0.5 + ((u + i) % 10) * 0.5;
        pending.push(
          box.publisher.publish(box.rating(u, m, rating, 3_000_000 + i)).then((ack) => {
            seqs.set(`${u}:${m}`, ack.seq);
          }),
        );
        if (pending.length >= 200) await Promise.all(pending.splice(0));
      }
    }
    await Promise.all(pending);
    const n = USERS * MOVIES.length;
    const first = start();
    await waitFor("some events applied", async () => (await total()) >= 100, 60_000);
    await first.kill("SIGKILL");
    const applied = await total();
    expect(applied).toBeLessThan(n); // really mid-stream
    start();
    await waitFor("every event applied", async () => (await total()) >= n, 60_000);
    // Let redeliveries of what the killed worker held but never acked arrive: they must change nothing.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await revisions()).toEqual(Array.from({ length: USERS }, () => MOVIES.length));
    for (let u = 1; u <= USERS; u += 13) {
      const history = await box.store.at(box.fixture.version).getUserHistory(u);
      for (const [i, m] of MOVIES.entries()) {
        expect(history.find((h) => h.movieId === m)).toEqual({
          movieId: m,
          rating: 0.5 + ((u + i) % 10) * 0.5,
          timestamp: 3_000_000 + i,
        });
        expect(await redis.hget(appliedKey(u), `m:${m}`)).toBe(String(seqs.get(`${u}:${m}`)));
      }
    }
  });
});
