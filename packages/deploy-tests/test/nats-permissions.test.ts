import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { Svcm } from "@nats-io/services";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { ENDPOINTS, EVENTS, RATING_SUBJECTS, ratingTopology, SERVICES } from "@wren/contracts";
import { freePort } from "@wren/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeEnv } from "../src/env-file.js";
import {
  ADMIN_USER,
  CALLS,
  type EndpointKey,
  type EventKey,
  INBOX,
  NEARLINE_WORKER,
  passwordEnv,
  permissionSets,
  renderPermissionsConf,
} from "../src/nats-permissions.js";
import { NATS_PERMISSIONS_FILE, repoPath } from "../src/paths.js";
import { NATS_SERVER_BIN, type Proc, startProcess, tempDir } from "./private-servers.js";

// @nats-io/services 3.0.0-25 is typed against an older nats-core than transport-node 3.4.0 ships; the
// connection object is the same at run time.
const svcm = (nc: NatsConnection) => new Svcm(nc as unknown as ConstructorParameters<typeof Svcm>[0]);

const contractSubjects = new Set([
  ...Object.values(ENDPOINTS).map((e) => e.subject),
  ...Object.values(EVENTS).map((e) => e.subject),
  ...Object.values(RATING_SUBJECTS),
]);
const ratings = ratingTopology();
/** A JetStream API or ack subject naming one of the rating streams (or the account check). */
const onRatingStreams = (s: string) =>
  s === "$JS.API.INFO" ||
  (/^\$JS\.(API|ACK)\./.test(s) &&
    s.split(".").some((t) => t === ratings.stream || t === ratings.deadLetterStream));

function tsFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return tsFiles(p);
    return p.endsWith(".ts") ? [p] : [];
  });
}

describe("generated NATS permission sets", () => {
  it("deploy/nats/permissions.conf is what the generator makes from the contracts", () => {
    expect(readFileSync(NATS_PERMISSIONS_FILE, "utf8")).toBe(renderPermissionsConf());
  });

  it("name only contract subjects, reply inboxes and the user's own discovery subjects", () => {
    for (const set of permissionSets()) {
      expect([...Object.values(SERVICES), NEARLINE_WORKER]).toContain(set.user);
      for (const s of set.publish) {
        expect(contractSubjects.has(s) || onRatingStreams(s), `${set.user} publish ${s}`).toBe(true);
      }
      for (const s of set.subscribe) {
        const own = s === INBOX || s === "$SRV.*" || s.startsWith(`$SRV.*.${set.user}`);
        expect(own || contractSubjects.has(s), `${set.user} subscribe ${s}`).toBe(true);
      }
    }
  });

  it("give every service exactly the calls its source makes", () => {
    for (const svc of Object.values(SERVICES)) {
      const sources = tsFiles(repoPath("services", svc, "src")).map((f) => readFileSync(f, "utf8"));
      const used = (re: RegExp) => new Set(sources.flatMap((src) => [...src.matchAll(re)].map((m) => m[1])));
      const endpoints = [...used(/\bENDPOINTS\.(\w+)/g)] as EndpointKey[];
      const requested = endpoints.filter((k) => ENDPOINTS[k] && ENDPOINTS[k].service !== svc);
      const events = [...used(/\bEVENTS\.(\w+)/g)] as EventKey[];
      for (const k of requested) expect(CALLS[svc].requests, `${svc} calls ENDPOINTS.${k}`).toContain(k);
      for (const k of events) expect(CALLS[svc].publishes, `${svc} publishes EVENTS.${k}`).toContain(k);
      // Least privilege, once the service is written: nothing granted that its code does not use.
      if (existsSync(repoPath("services", svc, "src", "main.ts"))) {
        expect([...CALLS[svc].requests].sort(), `${svc}: permissions it does not use`).toEqual(
          [...new Set(requested)].sort(),
        );
      }
    }
  });
});

describe("JetStream rights of the rating pipeline", () => {
  const publishes = (user: string) => permissionSets().find((p) => p.user === user)?.publish ?? [];

  it("go to the services whose source publishes ratings (RatingPublisher), and to the worker", () => {
    for (const svc of Object.values(SERVICES)) {
      const publishesRatings = tsFiles(repoPath("services", svc, "src")).some((f) =>
        readFileSync(f, "utf8").includes("new RatingPublisher("),
      );
      expect(publishes(svc).includes(ratings.submitted), svc).toBe(publishesRatings);
      expect(publishes(svc).some(onRatingStreams), svc).toBe(publishesRatings);
    }
    expect(existsSync(repoPath("services", NEARLINE_WORKER, "src", "main.ts"))).toBe(true);
    expect(publishes(NEARLINE_WORKER)).toContain(ratings.deadLetter);
    expect(publishes(NEARLINE_WORKER)).not.toContain(ratings.submitted);
  });
});

describe("nats.conf on a private nats-server", () => {
  const passwords: Record<string, string> = {};
  let server: Proc;
  let port: number;
  const open: NatsConnection[] = [];

  beforeAll(async () => {
    port = await freePort();
    // Fresh credentials exactly as deploy/make-env.sh makes them for a real deployment.
    const dotenv = makeEnv();
    const env: NodeJS.ProcessEnv = { ...process.env, ...Object.fromEntries(dotenv) };
    for (const user of [ADMIN_USER, ...permissionSets().map((s) => s.user)]) {
      const value = dotenv.get(passwordEnv(user));
      if (!value) throw new Error(`make-env.sh gave no ${passwordEnv(user)}`);
      passwords[user] = value;
    }
    const store = tempDir("nats");
    // The committed config; only the listen address, monitoring and store directory move for the test.
    const args = ["-c", repoPath("deploy", "nats", "nats.conf"), "-a", "127.0.0.1", "-p", String(port)];
    args.push("-m", String(await freePort()), "-sd", store);
    server = await startProcess(NATS_SERVER_BIN, args, { port, env, cleanup: store });
  });

  afterAll(async () => {
    await Promise.all(open.map((nc) => nc.close()));
    await server?.stop();
  });

  async function as(user: string, pass = passwords[user]) {
    const nc = await connect({ servers: `127.0.0.1:${port}`, user, pass, reconnect: false });
    open.push(nc);
    const errors: string[] = [];
    (async () => {
      for await (const s of nc.status()) if (s.type === "error") errors.push(String(s.error));
    })();
    /** Round trip to the server, so any permission error for what came before has arrived. */
    const settle = async () => {
      await nc.flush();
      await new Promise((r) => setImmediate(r));
      return errors;
    };
    return { nc, errors, settle };
  }

  it("refuses a wrong password", async () => {
    await expect(
      connect({ servers: `127.0.0.1:${port}`, user: SERVICES.recall, pass: "wrong", reconnect: false }),
    ).rejects.toThrow(/Authorization/i);
  });

  it("lets each service serve its own subjects to its callers, replies included", async () => {
    for (const [key, ep] of Object.entries(ENDPOINTS) as [EndpointKey, (typeof ENDPOINTS)[EndpointKey]][]) {
      const caller = Object.values(SERVICES).find((s) => CALLS[s].requests.includes(key));
      if (!caller) continue;
      const server = await as(ep.service);
      const sub = server.nc.subscribe(ep.subject, {
        queue: ep.service,
        callback: (_err, msg) => {
          msg.respond(`${ep.service}:${msg.string()}`);
        },
      });
      expect(await server.settle(), `${ep.service} serving ${ep.subject}`).toEqual([]);
      const client = await as(caller);
      const reply = await client.nc.request(ep.subject, "ping", { timeout: 2000 });
      expect(reply.string()).toBe(`${ep.service}:ping`);
      expect(await client.settle()).toEqual([]);
      sub.unsubscribe();
    }
  });

  it("refuses a service on another service's subjects", async () => {
    const ranking = await as(SERVICES.ranking);
    ranking.nc.subscribe(ENDPOINTS.recallCandidates.subject, { callback: () => {} });
    ranking.nc.publish(ENDPOINTS.catalogUser.subject, "x");
    const errors = await ranking.settle();
    expect(errors.join("\n")).toMatch(
      /Permissions Violation for Subscription to "wren\.recall\.v1\.candidates"/,
    );
    expect(errors.join("\n")).toMatch(/Permissions Violation for Publish to "wren\.catalog\.v1\.user"/);

    const recall = await as(SERVICES.recall);
    recall.nc.publish(ENDPOINTS.rankingRank.subject, "x");
    recall.nc.subscribe(ENDPOINTS.featuresBatch.subject, { callback: () => {} });
    const recallErrors = (await recall.settle()).join("\n");
    expect(recallErrors).toMatch(/Publish to "wren\.ranking\.v1\.rank"/);
    expect(recallErrors).toMatch(/Subscription to "wren\.features\.v1\.batch"/);

    const gateway = await as(SERVICES.gateway);
    gateway.nc.subscribe(ENDPOINTS.recommend.subject, { callback: () => {} });
    expect((await gateway.settle()).join("\n")).toMatch(/Subscription to "wren\.recommend\.v1\.for-user"/);
  });

  it("lets a service register with @nats-io/services under its own name only, discoverable by admin", async () => {
    const feature = await as(SERVICES.features);
    const svc = await svcm(feature.nc).add({ name: SERVICES.features, version: "0.0.1" });
    svc.addEndpoint(ENDPOINTS.featuresBatch.name, {
      subject: ENDPOINTS.featuresBatch.subject,
      handler: (_err, msg) => msg.respond("ok"),
    });
    expect(await feature.settle()).toEqual([]);

    const admin = await as(ADMIN_USER);
    const pings = await svcm(admin.nc).client({ strategy: "timer", maxWait: 400 }).ping(SERVICES.features);
    const found: string[] = [];
    for await (const p of pings) found.push(p.name);
    expect(found).toEqual([SERVICES.features]);
    await svc.stop();

    const impostor = await as(SERVICES.features);
    await svcm(impostor.nc).add({ name: SERVICES.ranking, version: "0.0.1" });
    expect((await impostor.settle()).join("\n")).toMatch(/Subscription to "\$SRV\.PING\.ranking-service"/);
  });
  it("lets the gateway store ratings and the worker consume, ack and dead-letter them; nothing more", async () => {
    const jsApi = async (conn: Awaited<ReturnType<typeof as>>, subject: string, body: unknown = "") => {
      const reply = await conn.nc.request(subject, typeof body === "string" ? body : JSON.stringify(body), {
        timeout: 2000,
      });
      return reply.json<{ error?: { description: string }; [k: string]: unknown }>();
    };
    const gateway = await as(SERVICES.gateway);
    // The gateway creates both streams on its first rating (ensureRatingStreams), then publishes.
    expect(await jsApi(gateway, "$JS.API.INFO")).not.toHaveProperty("error");
    for (const [name, subject] of [
      [ratings.stream, ratings.submitted],
      [ratings.deadLetterStream, ratings.deadLetter],
    ]) {
      expect(await jsApi(gateway, `$JS.API.STREAM.INFO.${name}`)).toHaveProperty("error");
      const config = { name, subjects: [subject], storage: "memory" };
      expect(await jsApi(gateway, `$JS.API.STREAM.CREATE.${name}`, config)).not.toHaveProperty("error");
      expect(await jsApi(gateway, `$JS.API.STREAM.UPDATE.${name}`, config)).not.toHaveProperty("error");
    }
    expect(await jsApi(gateway, ratings.submitted, { eventId: "e1" })).toMatchObject({
      stream: ratings.stream,
      seq: 1,
    });
    expect(await gateway.settle()).toEqual([]);

    const worker = await as(NEARLINE_WORKER);
    const durable = `$JS.API.CONSUMER.CREATE.${ratings.stream}.${ratings.consumer}.${ratings.submitted}`;
    const config = {
      durable_name: ratings.consumer,
      ack_policy: "explicit",
      filter_subject: ratings.submitted,
    };
    expect(await jsApi(worker, durable, { stream_name: ratings.stream, config })).not.toHaveProperty("error");
    const next = `$JS.API.CONSUMER.MSG.NEXT.${ratings.stream}.${ratings.consumer}`;
    // A pulled message keeps its stream subject: only a dedicated (unmuxed) inbox receives it as the reply.
    const msg = await worker.nc.request(next, JSON.stringify({ batch: 1, expires: 1_000_000_000 }), {
      timeout: 2000,
      noMux: true,
    });
    expect(msg.json()).toEqual({ eventId: "e1" });
    msg.respond("+ACK");
    expect(await worker.settle()).toEqual([]);
    // The server applies acks asynchronously: the consumer's info shows it a moment later.
    const consumerInfo = `$JS.API.CONSUMER.INFO.${ratings.stream}.${ratings.consumer}`;
    let info = await jsApi(worker, consumerInfo);
    for (let i = 0; i < 40 && info.num_ack_pending !== 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      info = await jsApi(worker, consumerInfo);
    }
    expect(info).toMatchObject({ num_ack_pending: 0, ack_floor: { stream_seq: 1 } });
    // A replay's ordered consumer: a random name on the same stream, no acks.
    const ordered = `$JS.API.CONSUMER.CREATE.${ratings.stream}.replay-1.${ratings.submitted}`;
    const orderedConfig = { name: "replay-1", ack_policy: "none", filter_subject: ratings.submitted };
    expect(
      await jsApi(worker, ordered, { stream_name: ratings.stream, config: orderedConfig }),
    ).not.toHaveProperty("error");
    expect(await jsApi(worker, ratings.deadLetter, "bad")).toMatchObject({
      stream: ratings.deadLetterStream,
    });
    expect(await worker.settle()).toEqual([]);

    const denied = async (
      conn: Awaited<ReturnType<typeof as>>,
      subjects: string[],
      subscribe: string[] = [],
    ) => {
      for (const s of subjects) conn.nc.publish(s, "{}");
      for (const s of subscribe) conn.nc.subscribe(s, { callback: () => {} });
      const errors = (await conn.settle()).join("\n");
      for (const s of subjects) expect(errors).toContain(`Permissions Violation for Publish to "${s}"`);
      for (const s of subscribe) expect(errors).toContain(`Permissions Violation for Subscription to "${s}"`);
    };
    const stream = ratings.stream;
    await denied(
      worker,
      [
        ratings.submitted,
        `$JS.API.STREAM.DELETE.${stream}`,
        `$JS.API.STREAM.PURGE.${stream}`,
        `$JS.API.STREAM.MSG.DELETE.${stream}`,
        `$JS.API.CONSUMER.DELETE.${stream}.${ratings.consumer}`,
        "$JS.API.STREAM.CREATE.OTHER",
        "$JS.API.STREAM.LIST",
        ENDPOINTS.recommend.subject,
      ],
      [ratings.submitted],
    );
    await denied(gateway, [
      ratings.deadLetter,
      next,
      `$JS.API.CONSUMER.CREATE.${stream}.x`,
      `$JS.API.STREAM.DELETE.${stream}`,
      `$JS.ACK.${stream}.${ratings.consumer}.1.1.1.1.0`,
    ]);
    // Nothing the denied calls asked for happened.
    const admin = await as(ADMIN_USER);
    expect(await jsApi(admin, `$JS.API.STREAM.INFO.${stream}`)).toMatchObject({ state: { messages: 1 } });
  });
});
