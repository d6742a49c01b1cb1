import { connect } from "node:net";

/** True when something accepts TCP connections on host:port within `timeoutMs`. */
export function isListening(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

export interface HostPort {
  host: string;
  port: number;
}

/** Host and port of a `nats://` or `redis://` URL. */
export function hostPortOf(url: string, defaultPort: number): HostPort {
  const u = new URL(url);
  return { host: u.hostname || "127.0.0.1", port: u.port ? Number(u.port) : defaultPort };
}

export function isLocal(host: string): boolean {
  return host === "127.0.0.1" || host === "localhost" || host === "::1";
}

/**
 * One `GET key` over RESP, so the launcher can see whether features are loaded without a Redis client
 * dependency. Resolves the string value or null (missing key); rejects on connection or protocol errors.
 */
export function redisGet(url: string, key: string, timeoutMs = 2000): Promise<string | null> {
  const { host, port } = hostPortOf(url, 6379);
  const u = new URL(url);
  const db = u.pathname.length > 1 ? u.pathname.slice(1) : null;
  const cmd = (...args: string[]) =>
    `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`;
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let buf = "";
    let expected = 1;
    const pre: string[] = [];
    if (u.password) pre.push(u.username ? cmd("AUTH", u.username, u.password) : cmd("AUTH", u.password));
    if (db) pre.push(cmd("SELECT", db));
    expected += pre.length;
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      reject(new Error(`redis ${host}:${port}: no answer within ${timeoutMs} ms`));
    });
    socket.once("error", (err) => reject(new Error(`redis ${host}:${port}: ${err.message}`)));
    socket.once("connect", () => socket.write(pre.join("") + cmd("GET", key)));
    socket.on("data", (chunk) => {
      buf += chunk.toString("utf8");
      const replies: Array<string | null> = [];
      let rest = buf;
      while (rest.length > 0) {
        const eol = rest.indexOf("\r\n");
        if (eol < 0) return;
        const head = rest.slice(0, eol);
        if (head[0] === "-") {
          socket.destroy();
          return reject(new Error(`redis ${host}:${port}: ${head.slice(1)}`));
        }
        if (head[0] === "$") {
          const len = Number(head.slice(1));
          if (len < 0) {
            replies.push(null);
            rest = rest.slice(eol + 2);
            continue;
          }
          if (rest.length < eol + 2 + len + 2) return;
          replies.push(rest.slice(eol + 2, eol + 2 + len));
          rest = rest.slice(eol + 2 + len + 2);
          continue;
        }
        replies.push(head.slice(1));
        rest = rest.slice(eol + 2);
      }
      if (replies.length >= expected) {
        socket.destroy();
        resolve(replies[expected - 1] ?? null);
      }
    });
  });
}
