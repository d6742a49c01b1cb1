import { describe, expect, it } from "vitest";
import { build } from "../src/app.js";
import { loadConfig, parseTrustProxy } from "../src/config.js";
import { FakeBackend, RecordingExposures } from "./fake-backend.js";

const gateway = (trustProxy: boolean | string) =>
  build(
    {
      backend: new FakeBackend(),
      models: { list: async () => [] },
      exposures: new RecordingExposures(),
      readiness: async () => ({ ready: true, checks: {} }),
      experiments: { active: null },
      defaultModel: "neuralcf",
      recommendationDeadlineMs: 200,
      rateLimitPerMinute: 2,
    },
    { logger: false, trustProxy },
  );

const EDGE = "172.18.0.5";

/** Status codes of three requests from the edge carrying `xff` as X-Forwarded-For. */
async function three(app: Awaited<ReturnType<typeof gateway>>, xff: string): Promise<number[]> {
  const codes: number[] = [];
  for (let i = 0; i < 3; i++) {
    const res = await app.inject({
      url: "/api/models",
      remoteAddress: EDGE,
      headers: { "x-forwarded-for": xff },
    });
    codes.push(res.statusCode);
  }
  return codes;
}

describe("TRUST_PROXY", () => {
  it("parses off, on, hop counts and address lists, and names the key on a bad entry", () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(parseTrustProxy("false")).toBe(false);
    expect(parseTrustProxy("true")).toBe(true);
    expect(() => parseTrustProxy("1")).toThrow(/TRUST_PROXY=1: hop counts/);
    expect(parseTrustProxy("10.0.0.0/8, loopback,::1")).toBe("10.0.0.0/8,loopback,::1");
    expect(() => parseTrustProxy("edge")).toThrow(/TRUST_PROXY entry "edge"/);
    expect(() => parseTrustProxy("10.0.0.0/40")).toThrow(/TRUST_PROXY/);
  });

  it("behind the edge, rate-limits each client the edge saw, whatever a client forges", async () => {
    const app = await gateway("uniquelocal");
    try {
      // nginx appends the address it saw: a forged first entry changes nothing.
      expect(await three(app, "198.51.100.7")).toEqual([200, 200, 429]);
      expect(await three(app, "6.6.6.6, 198.51.100.7")).toEqual([429, 429, 429]);
      expect(await three(app, "203.0.113.9")).toEqual([200, 200, 429]);
    } finally {
      await app.close();
    }
  });

  it("off (the default), every client behind the edge shares the edge's bucket", async () => {
    const app = await gateway(false);
    try {
      expect(await three(app, "198.51.100.7")).toEqual([200, 200, 429]);
      expect(await three(app, "203.0.113.9")).toEqual([429, 429, 429]);
    } finally {
      await app.close();
    }
  });
});
