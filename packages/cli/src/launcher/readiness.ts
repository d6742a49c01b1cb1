/**
 * Polls `url` until it answers 200, `isAlive()` turns false, or `timeoutMs` passes. Returns the last
 * body seen (readiness endpoints explain what they wait for).
 */
export async function waitForHttp200(
  url: string,
  timeoutMs: number,
  isAlive: () => boolean,
): Promise<{ ok: boolean; last: string }> {
  const until = Date.now() + timeoutMs;
  let last = "no answer";
  while (Date.now() < until && isAlive()) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      last = `${res.status} ${await res.text()}`;
      if (res.status === 200) return { ok: true, last };
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { ok: false, last };
}
