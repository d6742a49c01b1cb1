import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OtlpReceiver } from "../src/otlp-receiver.js";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../../..", import.meta.url));

describe("telemetry register (--import) in a child process", () => {
  let receiver: OtlpReceiver;
  beforeAll(async () => {
    receiver = await OtlpReceiver.start();
  });
  afterAll(() => receiver.close());

  it("exports ioredis, undici and http spans in one trace under the app's span", async () => {
    await run(
      process.execPath,
      [
        "--import",
        "tsx",
        "--import",
        "./packages/telemetry/src/register.ts",
        "packages/telemetry/test/fixtures-instrumented-app.ts",
      ],
      {
        cwd: root,
        env: {
          ...process.env,
          OTEL_SERVICE_NAME: "fixture-app",
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
          OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
          KEY_PREFIX: `test-${randomUUID()}`,
        },
        timeout: 30_000,
      },
    );
    const spans = await receiver.waitFor((s) => s.some((x) => x.name === "fixture-root"));
    const rootSpan = spans.find((s) => s.name === "fixture-root");
    expect(rootSpan?.serviceName).toBe("fixture-app");
    const inTrace = spans.filter((s) => s.traceId === rootSpan?.traceId);
    const redis = inTrace.find(
      (s) => s.attributes["db.system"] === "redis" || s.attributes["db.system.name"] === "redis",
    );
    expect(redis?.parentSpanId).toBe(rootSpan?.spanId);
    // undici client span (kind 3 = CLIENT) and the http server span it caused (kind 2 = SERVER).
    const client = inTrace.find((s) => s.kind === 3 && s.attributes["http.request.method"] === "GET");
    expect(client?.parentSpanId).toBe(rootSpan?.spanId);
    const serverSpan = inTrace.find((s) => s.kind === 2);
    expect(serverSpan?.parentSpanId).toBe(client?.spanId);
  });
});
