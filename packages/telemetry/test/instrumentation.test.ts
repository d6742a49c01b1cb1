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

  const runApp = async (env: Record<string, string>) => {
    const { stdout } = await run(
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
        env: { ...process.env, OTEL_SERVICE_NAME: "fixture-app", KEY_PREFIX: `test-${randomUUID()}`, ...env },
        timeout: 30_000,
      },
    );
    return JSON.parse(stdout.trim().split("\n").at(-1) ?? "") as {
      recording: boolean;
      active: boolean;
      traceId: string;
      traceparent: string;
      injected: string;
    };
  };

  it("exports ioredis, undici and http spans in one trace under the app's span", async () => {
    const seen = await runApp({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
    });
    expect(seen.recording).toBe(true);
    expect(seen.active).toBe(true);
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

  /** The app with no OTLP endpoint and `sampler` as OTEL_TRACES_SAMPLER ("": none). */
  const runUnexported = (sampler: string) =>
    runApp({
      OTEL_EXPORTER_OTLP_ENDPOINT: "",
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "",
      OTEL_TRACES_SAMPLER: sampler,
    });

  it("records nothing and loads no context manager or library instrumentation when nothing is exported, but still propagates the trace id", async () => {
    const seen = await runUnexported("");
    expect(seen.recording).toBe(false);
    // no AsyncLocalStorage (its hooks run on every promise): nothing is ever active
    expect(seen.active).toBe(false);
    expect(seen.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(seen.traceId).not.toBe("0".repeat(32));
    // the bus's carrier gets the same trace, flagged not sampled
    expect(seen.injected).toMatch(new RegExp(`^00-${seen.traceId}-[0-9a-f]{16}-00$`));
    // undici is not instrumented: its request carried no trace
    expect(seen.traceparent).toBe("");
  });

  it("keeps the context manager and library instrumentations when a sampler is asked for, even with nothing exported", async () => {
    const seen = await runUnexported("always_off");
    expect(seen.recording).toBe(false);
    expect(seen.active).toBe(true);
    expect(seen.traceparent).toMatch(new RegExp(`^00-${seen.traceId}-[0-9a-f]{16}-00$`));
  });
});
