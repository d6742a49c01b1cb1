import { Redis } from "ioredis";

export const DEFAULT_REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

/** Connects or fails fast with a message naming the URL (no endless reconnect loop in a CLI). */
export async function connectRedis(url: string): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 5000,
    maxRetriesPerRequest: 3,
    retryStrategy: (times) => (times > 3 ? null : 200 * times),
  });
  redis.on("error", () => {}); // surfaced through the failing command instead
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    redis.disconnect();
    throw new Error(`cannot reach Redis at ${url}: ${(err as Error).message} (set --redis or REDIS_URL)`);
  }
  return redis;
}
