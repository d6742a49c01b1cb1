/**
 * One process of the hop floor (bench/online-gateway.ts): the round trips of a "guess you like" with no
 * work in between. Each role answers with bytes made once at start, of the sizes the services send:
 *   gateway  HTTP GET → NATS request to ranking → the JSON page of 20 movies
 *   ranking  NATS → NATS request to recall, then HTTP POST of the 800-candidate predict body to model
 *   recall   NATS → one Redis round trip → the 800 candidates (columnar, as the bus encodes them)
 *   model    HTTP POST → 800 scores as TF Serving REST JSON
 * Raw clients (nats-core, node:http, undici, ioredis), no validation, no tracing: a lower bound for any
 * service code on these hops. Configured by environment: HOP_ROLE, HOP_SUBJECT, NATS_URL, REDIS_URL,
 * PORT (gateway, model), MODEL_URL (ranking), HOP_CANDIDATES.
 */
import { createServer, type IncomingMessage } from "node:http";
import { createRequire } from "node:module";
import { join } from "node:path";
import { encodePayload } from "../packages/contracts/src/index.js";
import { tuneGarbageCollector } from "../packages/telemetry/src/gc-tuning.js";
import { ROOT } from "../services/gateway/test/harness/processes.js";
import { connectNats } from "./nats-client.js";
import { Pool } from "./undici-pool.js";

const role = process.env.HOP_ROLE;
const subject = process.env.HOP_SUBJECT ?? "hop-floor";
const candidates = Number(process.env.HOP_CANDIDATES ?? 800);
tuneGarbageCollector();

/** An empty reply: the caller counts the request as failed (the floor must not die of a timeout). */
const FAILED = new Uint8Array(0);
const ids = Array.from({ length: candidates }, (_, i) => 1 + i * 7);
/** The ranked answer's movies: a top 20, as the gateway asks for. */
const top = ids.slice(0, 20);
const featureVersion = "20261129T144919587Z-2374";

const nats = () => connectNats(process.env.NATS_URL as string, { noAsyncTraces: true });

async function readBody(req: IncomingMessage): Promise<void> {
  for await (const _ of req);
}

function listen(handler: (req: IncomingMessage) => Promise<string>): void {
  createServer((req, res) => {
    handler(req).then(
      (body) => res.writeHead(200, { "content-type": "application/json" }).end(body),
      (e: Error) => res.writeHead(502).end(e.message),
    );
  }).listen(Number(process.env.PORT), "127.0.0.1");
}

if (role === "gateway") {
  const nc = await nats();
  const page = JSON.stringify({
    userId: 1,
    model: "neuralcf",
    version: 1,
    degraded: false,
    items: top.map((movieId, i) => ({
      movie: { movieId, title: `A Movie Title Of Usual Length (${1990 + i})`, genres: ["Comedy", "Drama"] },
      score: 0.9 - i / 100,
      channels: ["i2v", "genre"],
    })),
  });
  const ask = JSON.stringify({ userId: 1, model: "neuralcf", size: 20 });
  listen(async () => {
    const reply = await nc.request(`${subject}.ranking`, ask, { timeout: 1000 });
    if (reply.data.length === 0) throw new Error("ranking failed");
    return page;
  });
} else if (role === "ranking") {
  const nc = await nats();
  const model = new Pool(process.env.MODEL_URL as string, { connections: 64 });
  const predict = JSON.stringify({ inputs: { userId: ids.map(() => 1), movieId: ids } });
  const answer = encodePayload(
    {
      userId: 1,
      model: "neuralcf",
      modelVersion: 1,
      movieIds: top,
      scores: top.map((_, i) => 0.9 - i / 100),
      channelMasks: top.map(() => 3),
      coldStart: false,
      featureVersion,
      degraded: false,
      degradedReasons: [],
    },
    "columnar",
  );
  const ask = encodePayload({ userId: 1, size: candidates }, "columnar");
  nc.subscribe(`${subject}.ranking`, {
    queue: "ranking",
    callback: (_, m) => {
      void (async () => {
        const recalled = await nc.request(`${subject}.recall`, ask, { timeout: 1000 });
        if (recalled.data.length === 0) throw new Error("recall failed");
        const res = await model.request({
          method: "POST",
          path: "/v1/models/neuralcf:predict",
          body: predict,
          headers: { "content-type": "application/json" },
        });
        await res.body.arrayBuffer();
        m.respond(answer);
      })().catch(() => m.respond(FAILED));
    },
  });
  await nc.flush();
} else if (role === "recall") {
  const nc = await nats();
  const Redis = createRequire(join(ROOT, "packages/feature-store/package.json"))("ioredis");
  const redis = new Redis(process.env.REDIS_URL);
  const answer = encodePayload(
    {
      userId: 1,
      movieIds: ids,
      channelMasks: ids.map((_, i) => 1 + (i % 5)),
      coldStart: false,
      featureVersion,
    },
    "columnar",
  );
  nc.subscribe(`${subject}.recall`, {
    queue: "recall",
    callback: (_, m) => {
      redis.get(`${subject}:user`).then(
        () => m.respond(answer),
        () => m.respond(FAILED),
      );
    },
  });
  await nc.flush();
} else if (role === "model") {
  const scores = JSON.stringify({
    outputs: ids.map((_, i) => [Number((0.05 + (i % 89) / 97).toPrecision(8))]),
  });
  listen(async (req) => {
    await readBody(req);
    return scores;
  });
} else {
  throw new Error(`HOP_ROLE must be gateway, ranking, recall or model, got ${role}`);
}
console.log(`hop floor ${role} ready`);
