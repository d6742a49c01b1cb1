import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { registry } from "@wren/telemetry";

export interface Readiness {
  ready: boolean;
  checks: Record<string, string>;
}

/** /healthz (the process is up), /readyz (NATS, Redis, consumer bound), /metrics (Prometheus). */
export async function startHttp(
  host: string,
  port: number,
  readiness: () => Promise<Readiness>,
): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const send = (code: number, type: string, body: string) => {
      res.writeHead(code, { "content-type": type }).end(body);
    };
    if (req.method !== "GET") return send(405, "application/json", '{"error":"GET only"}');
    if (path === "/healthz") return send(200, "application/json", '{"status":"ok"}');
    if (path === "/readyz") {
      readiness().then(
        (r) => send(r.ready ? 200 : 503, "application/json", JSON.stringify(r)),
        (e) => send(503, "application/json", JSON.stringify({ ready: false, error: String(e) })),
      );
      return;
    }
    if (path === "/metrics") {
      registry.metrics().then(
        (text) => send(200, registry.contentType, text),
        (e) => send(500, "text/plain", String(e)),
      );
      return;
    }
    send(404, "application/json", '{"error":"not found: /healthz, /readyz, /metrics"}');
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return { server, url: `http://${host}:${bound}` };
}
