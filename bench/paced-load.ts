import { Agent, request } from "node:http";

export interface PacedResult {
  /** Latencies (ms) of the answered requests, sorted, each counted from when it was due (or sent, if sent early). */
  lat: number[];
  errors: number;
  degraded: number;
  /** Answers per second over the whole run. */
  achieved: number;
}

export type Outcome = "ok" | "degraded" | "error";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Open-loop load at a fixed rate: request i is due at start + i/rate whatever the earlier ones are doing,
 * and its latency counts from when it was due, so a stall shows in the percentiles (no coordinated
 * omission). autocannon's `overallRate` instead sends each second's quota back to back at the top of the
 * second (mcollina/autocannon#174): a burst of `connections` parallel streams, not a rate.
 */
export async function pacedLoad(
  rate: number,
  durationS: number,
  fire: () => Promise<Outcome>,
): Promise<PacedResult> {
  const lat: number[] = [];
  let errors = 0;
  let degraded = 0;
  const pending: Promise<void>[] = [];
  const started = performance.now();
  const total = Math.round(rate * durationS);
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    // Timers run on whole milliseconds and may fire a little early: a request sent before it was due
    // counts from when it was sent (a latency is never negative); one sent late still counts from its due time.
    const from = Math.min(due, performance.now());
    pending.push(
      fire().then(
        (outcome) => {
          if (outcome === "error") errors++;
          else {
            if (outcome === "degraded") degraded++;
            lat.push(performance.now() - from);
          }
        },
        () => void errors++,
      ),
    );
  }
  await Promise.all(pending);
  return {
    lat: lat.sort((a, b) => a - b),
    errors,
    degraded,
    achieved: lat.length / ((performance.now() - started) / 1000),
  };
}

/** A GET through one keep-alive agent: cheaper for the load generator than fetch on the same two cores. */
export function httpGetter(base: string): (path: string) => Promise<Outcome> {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const url = new URL(base);
  return (path) =>
    new Promise((resolve) => {
      const req = request({ host: url.hostname, port: url.port, path, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          if (res.statusCode !== 200) return resolve("error");
          resolve(Buffer.concat(chunks).includes('"degraded":true') ? "degraded" : "ok");
        });
        res.on("error", () => resolve("error"));
      });
      req.on("error", () => resolve("error"));
      req.end();
    });
}
