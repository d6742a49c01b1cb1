import type { ChildProcess } from "node:child_process";
import { ENDPOINTS, WrenError } from "@wren/contracts";
import { freePort } from "@wren/testing";
import { afterAll, expect, it } from "vitest";
import { Bus, route, serve } from "../src/index.js";
import { sleep, startNats, stubCandidates } from "./helpers.js";

let nats: ChildProcess | undefined;
afterAll(() => {
  nats?.kill("SIGKILL");
});

it("fails requests within their deadline while NATS is down, and recovers after it restarts", async () => {
  const port = await freePort();
  nats = await startNats(port);
  const url = `nats://127.0.0.1:${port}`;
  const [server, client] = await Promise.all([
    Bus.connect({ servers: url, name: "outage-server" }),
    Bus.connect({ servers: url, name: "outage-client" }),
  ]);
  const handle = await serve(server, { name: "recall-service", version: "0.1.0" }, [
    route(ENDPOINTS.recallCandidates, async (r) => stubCandidates(r.userId)),
  ]);
  try {
    expect((await client.request(ENDPOINTS.recallCandidates, { userId: 1 })).userId).toBe(1);

    nats.kill("SIGKILL");
    await new Promise((r) => nats?.once("exit", r));
    const t0 = Date.now();
    const err = await client
      .request(ENDPOINTS.recallCandidates, { userId: 2 }, { timeoutMs: 300 })
      .catch((e) => e);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(err).toBeInstanceOf(WrenError);
    expect(err).toMatchObject({ retryable: true });
    expect([503, 504]).toContain(err.code);

    nats = await startNats(port);
    let answered: number | undefined;
    for (let i = 0; i < 60 && answered === undefined; i++) {
      answered = await client
        .request(ENDPOINTS.recallCandidates, { userId: 3 }, { timeoutMs: 200 })
        .then((r) => r.userId)
        .catch(() => undefined);
      if (answered === undefined) await sleep(100);
    }
    expect(answered).toBe(3);
  } finally {
    await handle.stop();
    await Promise.all([server.drain(), client.drain()]);
  }
});
