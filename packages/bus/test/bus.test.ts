import { randomUUID } from "node:crypto";
import { decodePayload, ENDPOINTS, WrenError } from "@wren/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Bus,
  DeadlineExceededError,
  NoRespondersError,
  RemoteError,
  route,
  type ServiceHandle,
  serve,
} from "../src/index.js";
import { sleep, stubCandidates, testBus } from "./helpers.js";

const recall = ENDPOINTS.recallCandidates;
const spec = { name: "recall-service", version: "0.0.1" };

describe("bus request/reply on the real NATS", () => {
  const prefix = `test-${randomUUID()}`;
  let server: Bus;
  let client: Bus;
  let jsonClient: Bus;
  let handle: ServiceHandle;
  let slowCalls = 0;
  let budgets: number[] = [];

  beforeAll(async () => {
    server = await testBus(prefix);
    client = await testBus(prefix);
    jsonClient = await testBus(prefix, "json");
    handle = await serve(server, spec, [
      route(recall, async (req, ctx) => {
        budgets.push(ctx.remainingMs());
        if (req.userId === 404) throw WrenError.notFound("userId 404 is unknown");
        if (req.userId === 500) throw new Error("boom");
        if (req.userId === 999) {
          // First call hangs past the attempt budget, the retry answers.
          slowCalls++;
          if (slowCalls === 1) await sleep(400);
        }
        if (req.userId === 777) return { ...stubCandidates(req.userId, 1), movieIds: [-1] };
        return stubCandidates(req.userId, req.size ?? 800);
      }),
      // Nested request made `within` this one: it must inherit what is left of the outer budget.
      route(ENDPOINTS.catalogGenres, async (_req, ctx) => {
        await sleep(50);
        await client.request(recall, { userId: 1, size: 1 }, { timeoutMs: 10_000, within: ctx });
        return { genres: [{ genre: "Drama", movieCount: 1 }] };
      }),
    ]);
  });

  afterAll(async () => {
    await handle.stop();
    await Promise.all([server.drain(), client.drain(), jsonClient.drain()]);
  });

  it("round-trips a validated reply with both codecs", async () => {
    const a = await client.request(recall, { userId: 7, size: 800 });
    expect(a.movieIds).toHaveLength(800);
    expect(a.movieIds[799]).toBe(800);
    const b = await jsonClient.request(recall, { userId: 7, size: 3 });
    expect(b).toEqual(stubCandidates(7, 3));
  });

  it("answers a hand-written JSON request (nats req) in JSON", async () => {
    const reply = await client.nc.request(
      client.subject(recall.subject),
      JSON.stringify({ userId: 3, size: 2 }),
    );
    expect(reply.data[0]).toBe("{".charCodeAt(0));
    expect(decodePayload(reply.data)).toEqual(stubCandidates(3, 2));
  });

  it("rejects an invalid payload before sending, naming the field", async () => {
    await expect(client.request(recall, { userId: -1 } as never)).rejects.toThrow(/\/userId/);
  });

  it("turns a request the service cannot validate into a 400 RemoteError", async () => {
    const reply = await client.nc.request(client.subject(recall.subject), JSON.stringify({ userId: "x" }));
    expect(reply.headers?.get("Nats-Service-Error-Code")).toBe("400");
    expect(reply.headers?.get("Nats-Service-Error")).toMatch(/userId/);
    expect(reply.headers?.get("Wren-Error-Type")).toBe("bad_request");
  });

  it("carries the error shape of a handler's WrenError and hides nothing about unknown errors' class", async () => {
    const notFound = await client.request(recall, { userId: 404 }).catch((e) => e);
    expect(notFound).toBeInstanceOf(RemoteError);
    expect(notFound).toMatchObject({ code: 404, type: "not_found", retryable: false });
    expect(notFound.message).toMatch(/userId 404/);
    const internal = await client.request(recall, { userId: 500 }).catch((e) => e);
    expect(internal).toMatchObject({ code: 500, type: "internal", retryable: false });
  });

  it("rejects an invalid reply as a 502 bad_response", async () => {
    const err = await client.request(recall, { userId: 777 }).catch((e) => e);
    expect(err).toBeInstanceOf(RemoteError);
    expect(err).toMatchObject({ code: 502, type: "bad_response" });
  });

  it("times out with DeadlineExceededError, and retries an idempotent call within the budget", async () => {
    slowCalls = 0;
    const t0 = Date.now();
    const err = await client.request(recall, { userId: 999 }, { timeoutMs: 150 }).catch((e) => e);
    expect(err).toBeInstanceOf(DeadlineExceededError);
    expect(err.code).toBe(504);
    expect(Date.now() - t0).toBeLessThan(400);
    slowCalls = 0;
    const ok = await client.request(
      recall,
      { userId: 999, size: 2 },
      { timeoutMs: 2000, attemptTimeoutMs: 150, retries: 1 },
    );
    expect(ok.movieIds).toEqual([1, 2]);
    expect(slowCalls).toBe(2);
  });

  it("propagates the remaining budget to nested requests made within the handler's context", async () => {
    budgets = [];
    await client.request(ENDPOINTS.catalogGenres, {}, { timeoutMs: 300 });
    // The nested call asked for 10 s but inherits < 300 - 50 ms.
    expect(budgets).toHaveLength(1);
    expect(budgets[0]).toBeLessThanOrEqual(260);
    expect(budgets[0]).toBeGreaterThan(0);
  });

  it("refuses to retry a non-idempotent endpoint", async () => {
    const ep = { ...recall, idempotent: false };
    await expect(client.request(ep, { userId: 1 }, { retries: 1 })).rejects.toThrow(/not idempotent/);
  });
});

describe("no responders and queue groups", () => {
  it("fails fast with NoRespondersError, then succeeds by retrying once a replica starts", async () => {
    const prefix = `test-${randomUUID()}`;
    const client = await testBus(prefix);
    const server = await testBus(prefix);
    try {
      const t0 = Date.now();
      const err = await client.request(recall, { userId: 1 }, { timeoutMs: 2000 }).catch((e) => e);
      expect(err).toBeInstanceOf(NoRespondersError);
      expect(err.code).toBe(503);
      expect(Date.now() - t0).toBeLessThan(500);

      let handle: ServiceHandle | undefined;
      setTimeout(async () => {
        handle = await serve(server, spec, [route(recall, async (r) => stubCandidates(r.userId, 1))]);
      }, 100);
      const ok = await client.request(recall, { userId: 2 }, { timeoutMs: 3000, retries: 10 });
      expect(ok.userId).toBe(2);
      await handle?.stop();
    } finally {
      await Promise.all([client.drain(), server.drain()]);
    }
  });

  it("spreads requests over replicas sharing the queue group, and stop() waits for in-flight work", async () => {
    const prefix = `test-${randomUUID()}`;
    const client = await testBus(prefix);
    const replicas = await Promise.all([testBus(prefix), testBus(prefix)]);
    const served = [0, 0];
    const handles = await Promise.all(
      replicas.map((bus, i) =>
        serve(bus, spec, [
          route(recall, async (r) => {
            served[i]++;
            await sleep(r.userId === 42 ? 200 : 1);
            return stubCandidates(r.userId, 1);
          }),
        ]),
      ),
    );
    try {
      await Promise.all(Array.from({ length: 60 }, (_, i) => client.request(recall, { userId: i + 1 })));
      expect(served[0] + served[1]).toBe(60);
      expect(Math.min(...served)).toBeGreaterThan(5);

      const info = handles[0].service.info();
      expect(info.endpoints[0].queue_group).toBe("recall-service");

      const slow = client.request(recall, { userId: 42 }, { timeoutMs: 2000 });
      await sleep(50);
      await Promise.all(handles.map((h) => h.stop()));
      expect((await slow).userId).toBe(42);
    } finally {
      await Promise.all([client.drain(), ...replicas.map((r) => r.drain())]);
    }
  });
});
