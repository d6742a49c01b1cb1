import { trace } from "@opentelemetry/api";

/** Levels in increasing severity; `LOG_LEVEL` picks the lowest one printed (default `info`). */
export const LOG_LEVELS = ["debug", "info", "warn", "error", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

/** pino's extra levels, which the gateway (fastify) accepts, map onto ours. */
const ALIASES: Record<string, LogLevel> = { trace: "debug", fatal: "error" };

export function parseLogLevel(value: string | undefined): LogLevel {
  const raw = (value || "info").toLowerCase();
  const v = ALIASES[raw] ?? raw;
  if (!(LOG_LEVELS as readonly string[]).includes(v)) {
    throw new Error(`LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}, got ${JSON.stringify(value)}`);
  }
  return v as LogLevel;
}

function errorFields(e: unknown): unknown {
  return e instanceof Error ? { name: e.name, message: e.message, stack: e.stack } : e;
}

/**
 * One JSON object per line on stderr (stdout stays free for CLI output), with the active trace id so a
 * log line leads to its trace in Jaeger.
 */
export function createLogger(
  base: Record<string, unknown> = {},
  level: LogLevel = parseLogLevel(process.env.LOG_LEVEL),
  write: (line: string) => void = (line) => process.stderr.write(line),
): Logger {
  const min = LOG_LEVELS.indexOf(level);
  const emit = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (LOG_LEVELS.indexOf(lvl) < min) return;
    const span = trace.getActiveSpan()?.spanContext();
    const record: Record<string, unknown> = { time: new Date().toISOString(), level: lvl, msg, ...base };
    if (span) record.traceId = span.traceId;
    if (fields) for (const [k, v] of Object.entries(fields)) record[k] = k === "err" ? errorFields(v) : v;
    write(`${JSON.stringify(record)}\n`);
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    child: (fields) => createLogger({ ...base, ...fields }, level, write),
  };
}
