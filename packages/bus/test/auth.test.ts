import type { ChildProcess } from "node:child_process";
import { ENDPOINTS } from "@wren/contracts";
import { freePort } from "@wren/testing";
import { afterAll, describe, expect, it } from "vitest";
import { Bus, natsAuthFromEnv, route, serve } from "../src/index.js";
import { startNats, stubCandidates } from "./helpers.js";

const servers: ChildProcess[] = [];
afterAll(() => {
  for (const s of servers) s.kill("SIGKILL");
});

async function privateNats(flags: string[]): Promise<string> {
  const port = await freePort();
  servers.push(await startNats(port, flags));
  return `nats://127.0.0.1:${port}`;
}

describe("NATS credentials from the environment", () => {
  it("logs in with NATS_USER / NATS_PASSWORD and serves requests; refused without them", async () => {
    const url = await privateNats(["--user", "ranking-service", "--pass", "s3cretPass"]);
    await expect(Bus.connect({ servers: url, name: "anonymous", auth: natsAuthFromEnv({}) })).rejects.toThrow(
      /authorization/i,
    );
    await expect(
      Bus.connect({
        servers: url,
        name: "wrong",
        auth: natsAuthFromEnv({ NATS_USER: "ranking-service", NATS_PASSWORD: "nope" }),
      }),
    ).rejects.toThrow(/authorization/i);

    // The default: Bus.connect reads process.env, as every service started by compose does.
    const saved = { user: process.env.NATS_USER, pass: process.env.NATS_PASSWORD };
    process.env.NATS_USER = "ranking-service";
    process.env.NATS_PASSWORD = "s3cretPass";
    let server: Bus;
    let client: Bus;
    try {
      [server, client] = await Promise.all([
        Bus.connect({ servers: url, name: "auth-server" }),
        Bus.connect({ servers: url, name: "auth-client" }),
      ]);
    } finally {
      for (const [k, v] of [
        ["NATS_USER", saved.user],
        ["NATS_PASSWORD", saved.pass],
      ] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    const handle = await serve(server, { name: "recall-service", version: "0.1.0" }, [
      route(ENDPOINTS.recallCandidates, async (r) => stubCandidates(r.userId)),
    ]);
    try {
      expect((await client.request(ENDPOINTS.recallCandidates, { userId: 7 })).userId).toBe(7);
    } finally {
      await handle.stop();
      await Promise.all([server.drain(), client.drain()]);
    }
  });

  it("logs in with NATS_TOKEN", async () => {
    const url = await privateNats(["--auth", "t0kenValue"]);
    const bus = await Bus.connect({
      servers: url,
      name: "token",
      auth: natsAuthFromEnv({ NATS_TOKEN: "t0kenValue" }),
    });
    expect(bus.nc.isClosed()).toBe(false);
    await bus.drain();
  });

  it("names the key that is wrong", () => {
    expect(() => natsAuthFromEnv({ NATS_PASSWORD: "x" })).toThrow(/NATS_USER/);
    expect(() => natsAuthFromEnv({ NATS_CREDS: "/nonexistent/user.creds" })).toThrow(
      /NATS_CREDS=\/nonexistent/,
    );
  });
});
