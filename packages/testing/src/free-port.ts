import { createServer } from "node:net";

/**
 * A TCP port on 127.0.0.1 that was free a moment ago: the OS picks it, we release it for the caller's
 * server. (Another process could take it in between; on a test machine that is rare enough.)
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}
