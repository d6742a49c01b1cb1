import { Pool } from "./undici-pool.js";

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

/**
 * A GET through one undici keep-alive pool. The load generator shares the two cores with the system under
 * test: undici costs it about a fifth of node:http's CPU per request (bench/online-gateway.ts prints it as
 * `self`), CPU the services get back.
 */
export function httpGetter(base: string): (path: string) => Promise<Outcome> {
  const pool = new Pool(base, { connections: 256, pipelining: 1 });
  return async (path) => {
    try {
      const res = await pool.request({ method: "GET", path });
      const body = Buffer.from(await res.body.arrayBuffer());
      if (res.statusCode !== 200) return "error";
      return body.includes('"degraded":true') ? "degraded" : "ok";
    } catch {
      return "error";
    }
  };
}
