/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// Callbacks passed to page.evaluate / $$eval run in the browser.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Bus } from "@wren/bus";
import { RECALL_CHANNELS, ratingTopology } from "@wren/contracts";
import { writeModelVersion } from "@wren/onnx";
import { buildNeuralCfFixture } from "@wren/onnx/testing";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// The trainer's own report writer and ROC: the model page shows exactly what `wren evaluate` writes.
import { auc, rocCurve } from "../../../../packages/trainer/src/eval/metrics.js";
import { writeReport } from "../../../../packages/trainer/src/eval/report.js";
import { fixtureHistory } from "../../../recall-service/test/fixture-store.js";
import { httpOk, ROOT, type TestProcess, tsProcess, waitUntil } from "../harness/processes.js";
import { NATS_URL, Stack } from "../harness/stack.js";

/**
 * The web pages in headless Chromium against the whole online stack as processes (real NATS, Redis,
 * model server, services; the recall fixture: 4 genres × 15 movies, user u rated 8 movies of genre u % 4).
 * Planted: a movie title with markup, a second trained model (the stack's model server is replaced by one
 * serving both), an evaluation report for neuralcf v1, and an A/B experiment.
 */
const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const SHOTS = join(ROOT, "test-output/browser");
const REDIS_URL = process.env.REDIS_URL || "redis://127.0.0.1:6379";
const EVIL_ID = 209; // Drama, 6th by rating: on the home page's Drama row; unseen by user 6
const EVIL_TITLE = `<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2"> & "Friends" (1988)`;
const CHALLENGER = "challenger";

let stack: Stack;
let modelServer: TestProcess | undefined;
let ctx: BrowserContext;
let tmp: string;
/** Console errors, uncaught exceptions and requests that left the gateway, per test. */
let problems: string[] = [];

/** A new tab at `path`; `apiCalls` collects the paths of its /api requests. */
async function open(path: string, width = 1280, apiCalls: string[] = []): Promise<Page> {
  const page = await ctx.newPage();
  await page.setViewportSize({ width, height: 900 });
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console: ${m.text()} (${page.url()})`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message} (${page.url()})`));
  page.on("request", (r) => {
    if (!r.url().startsWith(stack.gatewayUrl)) problems.push(`external request: ${r.url()}`);
    else if (new URL(r.url()).pathname.startsWith("/api/")) apiCalls.push(new URL(r.url()).pathname);
  });
  await page.goto(`${stack.gatewayUrl}${path}`);
  return page;
}

const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

/** A report of neuralcf v1 by the trainer's writer, from a tiny made-up scored sample (the trainer tests the numbers). */
async function writeEvaluation(): Promise<void> {
  const labels = [1, 0, 1, 1, 0, 0, 1, 0, 1, 0];
  const model = [0.9, 0.2, 0.8, 0.6, 0.4, 0.1, 0.7, 0.5, 0.3, 0.35];
  const popular = [0.6, 0.5, 0.4, 0.7, 0.6, 0.2, 0.3, 0.5, 0.5, 0.1];
  const scorer = (name: string, scores: number[], hit: number) => ({
    name,
    auc: auc(labels, scores),
    prAuc: 0.5,
    logloss: 0.6,
    hr: Array.from({ length: 20 }, (_, k) => Math.min(1, hit * (k + 1))),
    ndcg: Array.from({ length: 20 }, (_, k) => Math.min(1, (hit * (k + 1)) / 1.5)),
    roc: rocCurve(labels, scores),
  });
  await writeReport(
    join(stack.modelsDir, "neuralcf", "1"),
    { model: "neuralcf", version: 1 },
    {
      protocol: {
        testRows: 10,
        testPositives: 5,
        topKUsers: 40,
        topKSkipped: 0,
        negatives: 99,
        seed: 1,
        kMax: 20,
        heldOutTrainingRows: 0,
      },
      results: [scorer("neuralcf", model, 0.06), scorer("popularity", popular, 0.03)],
    },
  );
}

/** The stack's model server serves neuralcf only: a new one on the same port serves both models. */
async function serveBothModels(): Promise<void> {
  const config = join(tmp, "models.json");
  const entry = (name: string) => ({ name, base_path: join(stack.modelsDir, name) });
  writeFileSync(
    config,
    JSON.stringify({ model_config_list: { config: [entry("neuralcf"), entry(CHALLENGER)] } }),
  );
  await stack.process("model-server").kill();
  modelServer = tsProcess(
    "model-server (both models)",
    join(ROOT, "services/model-server/src/main.ts"),
    [`--model_config_file=${config}`, `--rest_api_port=${new URL(stack.modelServerUrl).port}`, "--port=0"],
    { LOG_LEVEL: "warn" },
  ).start();
  await waitUntil("the challenger model served", () =>
    httpOk(`${stack.modelServerUrl}/v1/models/${CHALLENGER}`),
  );
}

/** One JetStream API call (`$JS.API.<what>`) on the shared NATS; its JSON answer. */
async function jetStreamApi(what: string): Promise<{
  success?: boolean;
  error?: { code: number; description: string };
  state?: { messages: number };
}> {
  const bus = await Bus.connect({ servers: NATS_URL, name: "browser-test" });
  try {
    const reply = await bus.nc.request(`$JS.API.${what}`, undefined, { timeout: 2000 });
    return JSON.parse(new TextDecoder().decode(reply.data));
  } finally {
    await bus.nc.close();
  }
}

/** The gateway stores ratings in JetStream streams named after the subject prefix: remove this run's. */
async function deleteRatingStreams(prefix: string): Promise<void> {
  const topology = ratingTopology(prefix);
  for (const name of [topology.stream, topology.deadLetterStream]) {
    const body = await jetStreamApi(`STREAM.DELETE.${name}`);
    if (!body.success && body.error?.code !== 404)
      throw new Error(`deleting stream ${name}: ${body.error?.description}`);
  }
}

interface Card {
  movieId: number;
  title: string;
  score: string;
  /** The "why" line as shown, and the recall channels behind it. */
  why: string;
  channels: string[];
}

/** The movie cards of a container as the user sees them. */
function cards(page: Page, selector: string): Promise<Card[]> {
  return page.$$eval(`${selector} .card`, (nodes) =>
    nodes.map((n) => {
      const a = n.querySelector("a.title") as HTMLAnchorElement;
      return {
        movieId: Number(new URL(a.href).searchParams.get("movieId")),
        title: a.textContent ?? "",
        score: n.querySelector(".score")?.textContent ?? "",
        why: n.querySelector(".why")?.textContent ?? "",
        channels: (n.querySelector(".why")?.getAttribute("title") ?? "")
          .replace(/^recall channels: /, "")
          .split(", ")
          .filter(Boolean),
      };
    }),
  );
}

describe("web pages in a real browser", () => {
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium, or set CHROMIUM_PATH`);
    }
    tmp = mkdtempSync(join(tmpdir(), "wren-browser-"));
    const experiments = join(tmp, "experiments.json");
    writeFileSync(
      experiments,
      JSON.stringify({
        experiments: [
          { name: "ranker", salt: "browser", variants: [{ name: "control", model: "neuralcf", weight: 1 }] },
        ],
      }),
    );
    mkdirSync(SHOTS, { recursive: true });
    const [s, context] = await Promise.all([
      Stack.start({
        redisUrl: REDIS_URL,
        env: { EXPERIMENTS_FILE: experiments, RECOMMENDATION_DEADLINE_MS: "3000" },
        titles: { [EVIL_ID]: EVIL_TITLE },
      }),
      chromium.launchPersistentContext(join(tmp, "profile"), {
        executablePath: CHROMIUM,
        headless: true,
        args: [
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-quic",
          "--no-first-run",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
        ],
      }),
    ]);
    stack = s;
    ctx = context;
    const other = buildNeuralCfFixture({ seed: 11 });
    await writeModelVersion(stack.modelsDir, CHALLENGER, { onnx: other.onnx, signature: other.signature });
    await Promise.all([writeEvaluation(), serveBothModels()]);
  }, 180_000);

  afterAll(async () => {
    await ctx?.close();
    await modelServer?.kill();
    await stack?.stop();
    if (stack) await deleteRatingStreams(stack.subjectPrefix);
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it("home: a row of top-rated movies per genre, markup in a title shown as text, keyboard to a movie", async () => {
    problems = [];
    const page = await open("/");
    await page.waitForSelector("#rows section .card");
    const rows = await page.$$eval("#rows section", (sections) =>
      sections.map((s) => ({
        genre: s.querySelector("h2")?.textContent,
        href: s.querySelector("h2 a")?.getAttribute("href"),
        ratings: [...s.querySelectorAll(".card .muted")].map((m) =>
          Number(/★ ([0-9.]+)/.exec(m.textContent ?? "")?.[1]),
        ),
      })),
    );
    expect(rows.map((r) => r.genre)).toEqual(["Action", "Romance", "Comedy", "Drama"]);
    expect(await page.$$eval("nav.genres a", (a) => a.map((x) => x.textContent))).toEqual(
      expect.arrayContaining(["Action", "Comedy", "Drama", "Romance"]),
    );
    for (const r of rows) {
      expect(r.href).toBe(`/genre.html?genre=${r.genre}`);
      expect(r.ratings.length).toBe(8);
      expect(r.ratings).toEqual([...r.ratings].sort((a, b) => b - a));
    }
    const drama = await cards(page, "#rows section:nth-of-type(4)");
    expect(drama.map((c) => c.title)).toContain(EVIL_TITLE);
    expect(await page.evaluate(() => (window as { __xss?: number }).__xss)).toBeUndefined();
    expect(await page.$$("main script, main img")).toHaveLength(0);
    await shot(page, "home");
    // Keyboard only: Tab to the first movie link, Enter opens it.
    for (let i = 0; i < 30; i++) {
      await page.keyboard.press("Tab");
      if (await page.evaluate(() => document.activeElement?.matches(".card a.title") ?? false)) break;
    }
    const focused = await page.evaluate(() => (document.activeElement as HTMLAnchorElement).href);
    await Promise.all([page.waitForURL(focused), page.keyboard.press("Enter")]);
    expect(focused).toMatch(/\/movie\.html\?movieId=\d+$/);
    await page.close();
    expect(problems).toEqual([]);
  });

  it("genre page: every movie of the genre by rating, by release year from the select, paged", async () => {
    problems = [];
    const page = await open("/genre.html?genre=Drama");
    await page.waitForSelector("#movies .card");
    expect(await page.textContent("h1")).toBe("Drama (15)");
    const byRating = await page.$$eval("#movies .card .muted:first-of-type", (n) =>
      n.map((x) => Number(/★ ([0-9.]+)/.exec(x.textContent ?? "")?.[1])),
    );
    expect(byRating).toHaveLength(15);
    expect(byRating).toEqual([...byRating].sort((a, b) => b - a));
    expect(await page.textContent("#pager")).toContain("page 1 of 1");
    await Promise.all([page.waitForURL(/sort=releaseYear/), page.selectOption("#sort", "releaseYear")]);
    await page.waitForSelector("#movies .card");
    const years = await page.$$eval("#movies .card", (n) =>
      n.map((c) => Number(/\((\d{4})\)\s*$/.exec(c.querySelector("a.title")?.textContent ?? "")?.[1])),
    );
    expect(years).toHaveLength(15);
    const byYearIds = (await cards(page, "#movies")).map((c) => c.movieId);
    expect(years).toEqual([...years].sort((a, b) => b - a));
    await shot(page, "genre");
    // Paged: three pages of 6 continue the same order, with Previous/Next by keyboard.
    await page.goto(`${stack.gatewayUrl}/genre.html?genre=Drama&sort=releaseYear&pageSize=6`);
    await page.waitForSelector("#movies .card");
    expect(await page.textContent("#pager")).toContain("page 1 of 3");
    const paged = (await cards(page, "#movies")).map((c) => c.movieId);
    await page.focus("#pager button:last-child");
    await Promise.all([page.waitForURL(/page=2/), page.keyboard.press("Enter")]);
    await page.waitForSelector("#movies .card");
    paged.push(...(await cards(page, "#movies")).map((c) => c.movieId));
    await page.click("#pager button:last-child");
    await page.waitForURL(/page=3/);
    await page.waitForSelector("#movies .card");
    paged.push(...(await cards(page, "#movies")).map((c) => c.movieId));
    expect(await page.isDisabled("#pager button:last-child")).toBe(true);
    expect(paged).toEqual(byYearIds);
    await page.close();
    expect(problems).toEqual([]);
  });

  it("movie page: details, links, fans, similar movies of the genre, and rating it", async () => {
    problems = [];
    const page = await open(`/movie.html?movieId=${EVIL_ID}`);
    await page.waitForSelector("#similar .card");
    expect(await page.textContent("h1")).toBe(EVIL_TITLE);
    expect(await page.evaluate(() => (window as { __xss?: number }).__xss)).toBeUndefined();
    expect(await page.$$("main script, main img")).toHaveLength(0);
    const text = await page.textContent("#movie");
    expect(text).toContain("Drama");
    expect(text).toContain("Released 1988");
    expect(await page.getAttribute("a:text('IMDb')", "href")).toBe(
      `https://www.imdb.com/title/tt${100000 + EVIL_ID}/`,
    );
    expect(await page.getAttribute("a:text('TMDb')", "href")).toBe(
      `https://www.themoviedb.org/movie/${EVIL_ID}`,
    );
    expect(await page.$$eval("#fans li", (li) => li.map((l) => l.textContent))).toEqual([
      "User 7 rated it 5",
      "User 8 rated it 4.5",
    ]);
    const similar = await cards(page, "#similar");
    expect(similar.length).toBeGreaterThan(0);
    expect(similar.map((c) => c.movieId)).not.toContain(EVIL_ID);
    for (const c of similar) expect(Math.floor(c.movieId / 100)).toBe(2); // Drama ids are 201..215
    // Rate it with the keyboard: user id, rating, Enter.
    await page.fill("#rate-user", "6");
    await page.selectOption("#rate select", "3.5");
    await page.focus("#rate button");
    await page.keyboard.press("Enter");
    await expect
      .poll(() => page.textContent("#rate [role=status]"))
      .toMatch(/^Rated 3\.5 ★ as user 6, accepted: stored in the ratings stream; .+\.$/);
    const stored = await jetStreamApi(`STREAM.INFO.${ratingTopology(stack.subjectPrefix).stream}`);
    expect(stored.state?.messages).toBe(1);
    await shot(page, "movie");
    await page.close();
    expect(problems).toEqual([]);
  });

  it("user page: stats, watched movies in one request, unseen recommendations by score, model switcher", async () => {
    problems = [];
    const apiCalls: string[] = [];
    const user = await open("/user.html?id=6&model=neuralcf", 1280, apiCalls);
    await user.waitForSelector("#recs .card");
    await user.waitForSelector("#watched .card");
    const watchedIds = new Set(fixtureHistory(6).map((r) => r.movieId));
    expect(await user.textContent("#profile")).toContain("8 ratings");
    expect(await user.textContent("#profile .badge")).toBe("Drama (8)");
    const watched = await cards(user, "#watched");
    expect(new Set(watched.map((c) => c.movieId))).toEqual(watchedIds);
    for (const c of watched) expect(c.score).toMatch(/^rated (4|4\.5)$/);
    // One request for the user and every watched movie; none per movie.
    expect(apiCalls.filter((p) => p === "/api/users/6")).toHaveLength(1);
    expect(apiCalls.filter((p) => p.startsWith("/api/movies/"))).toEqual([]);

    expect(await user.inputValue("#model")).toBe("neuralcf");
    expect(await user.$$eval("#model option", (o) => o.map((x) => (x as HTMLOptionElement).value))).toEqual([
      "",
      "neuralcf",
      CHALLENGER,
    ]);
    expect(await user.textContent("#recinfo")).toContain("ranked by neuralcf v1");
    expect(await user.textContent("#degraded")).toBe("");
    const ranked = await cards(user, "#recs");
    expect(ranked.length).toBeGreaterThan(10);
    const scores = ranked.map((c) => Number(/^score ([0-9.]+)$/.exec(c.score)?.[1]));
    expect(scores.every(Number.isFinite)).toBe(true);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    for (const c of ranked) {
      expect(watchedIds.has(c.movieId)).toBe(false);
      expect(c.why).toMatch(/^why: \w/);
      expect(c.channels.length).toBeGreaterThan(0);
      for (const ch of c.channels) expect(RECALL_CHANNELS).toContain(ch);
      // Drama is user 6's favourite genre: its movies come (also) from the genre channel.
      if (Math.floor(c.movieId / 100) === 2) expect(c.channels).toContain("genre");
    }
    const evil = ranked.find((c) => c.movieId === EVIL_ID);
    if (evil) expect(evil.title).toBe(EVIL_TITLE);
    await shot(user, "user-neuralcf");

    // Another trained model: the list changes (its own ranking) and so does the URL.
    await user.selectOption("#model", CHALLENGER);
    await user.waitForFunction(
      (m) => document.querySelector("#recinfo")?.textContent?.includes(m),
      CHALLENGER,
    );
    expect(new URL(user.url()).searchParams.get("model")).toBe(CHALLENGER);
    expect(await user.textContent("#recinfo")).toBe(`ranked by ${CHALLENGER} v1`);
    const challenged = await cards(user, "#recs");
    expect(challenged.map((c) => c.movieId)).not.toEqual(ranked.map((c) => c.movieId));
    const scores2 = challenged.map((c) => Number(/^score ([0-9.]+)$/.exec(c.score)?.[1]));
    expect(scores2).toEqual([...scores2].sort((a, b) => b - a));
    for (const c of challenged) expect(watchedIds.has(c.movieId)).toBe(false);
    await shot(user, "user-challenger");

    // Back to the A/B default: the experiment's variant ranks with neuralcf again, and the URL drops model.
    await user.selectOption("#model", "");
    await user.waitForFunction(() => document.querySelector("#recinfo")?.textContent?.includes("experiment"));
    expect(new URL(user.url()).searchParams.has("model")).toBe(false);
    expect(await user.textContent("#recinfo")).toBe(
      "ranked by neuralcf v1 · experiment ranker: variant control",
    );
    expect((await cards(user, "#recs")).map((c) => c.movieId)).toEqual(ranked.map((c) => c.movieId));

    // Rate a recommended movie from its card.
    const first = user.locator("#recs .card").first();
    await first.locator("select").selectOption("5");
    await first.locator("button").click();
    await expect
      .poll(() => first.locator("[role=status]").textContent())
      .toMatch(/^Rated 5 ★ as user 6, accepted: stored in the ratings stream; .+\.$/);

    // Phone width: nothing wider than the screen; the reference's model spelling still selects NeuralCF.
    const phone = await open("/user.html?id=6&model=nerualcf", 390);
    await phone.waitForSelector("#recs .card");
    expect(await phone.inputValue("#model")).toBe("neuralcf");
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await shot(phone, "user-phone");
    await phone.close();

    // A user with no ratings: the page says so and shows the cold-start list (the 404 of the profile is
    // the API's answer for "no ratings", the one console error this page may log).
    const before = problems.length;
    const newcomer = await open("/user.html?id=4242");
    await newcomer.waitForSelector("#recs .card");
    await newcomer.waitForSelector("#profile p");
    expect(await newcomer.textContent("#profile")).toContain("No ratings yet");
    expect(await newcomer.textContent("#recinfo")).toContain("cold start");
    expect(await newcomer.$$("#watched .card")).toHaveLength(0);
    expect(problems.splice(before)).toEqual([
      expect.stringMatching(/^console: Failed to load resource: .*404.*user\.html\?id=4242\)$/),
    ]);
    await newcomer.close();

    // Model server down: still an answer, in recall order, and the page says so (runs last: it stays down).
    await modelServer?.kill();
    await user.selectOption("#model", "neuralcf");
    await user.waitForSelector("#degraded .notice");
    expect(await user.textContent("#degraded")).toMatch(
      /^Degraded answer \(model-server[a-z-]*\): shown in recall order, without ranking scores\.$/,
    );
    expect(await user.textContent("#recinfo")).toMatch(/^recall order: neuralcf did not rank it/);
    const degraded = await cards(user, "#recs");
    expect(degraded.length).toBeGreaterThan(0);
    for (const c of degraded) {
      expect(c.score).toBe("score —");
      expect(watchedIds.has(c.movieId)).toBe(false);
    }
    await shot(user, "user-degraded");
    await user.close();
    expect(problems).toEqual([]);
  });

  it("models and a model version's page with its evaluation report", async () => {
    problems = [];
    const page = await open("/models.html");
    await page.waitForSelector("#models section");
    expect(await page.$$eval("#models h2", (h) => h.map((x) => x.textContent))).toEqual([
      CHALLENGER,
      "neuralcfdefault", // name and its "default" badge
    ]);
    await Promise.all([page.waitForURL(/model\.html/), page.click("a:text('v1') >> nth=1")]);
    await page.waitForSelector("iframe.report");
    expect(await page.textContent("h1")).toContain("neuralcf v1");
    const report = page.frameLocator("iframe.report");
    await expect.poll(() => report.locator("h1").textContent()).toBe("Evaluation: neuralcf v1");
    expect(await report.locator("svg").count()).toBe(2); // ROC and HR@K
    await shot(page, "model");
    await page.goto(`${stack.gatewayUrl}/model.html?name=${CHALLENGER}&version=1`);
    await page.waitForSelector("#report .notice");
    expect(await page.textContent("#report")).toContain(`run wren evaluate --model ${CHALLENGER}`);
    await page.close();
    expect(problems).toEqual([]);
  });
});
