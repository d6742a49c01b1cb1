export interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

/** One line per event on stderr, TF-style level letter first: `I 2026-01-01T00:00:00.000Z message`. */
export function stderrLogger(prefix = "model-server"): Logger {
  const line = (level: string, msg: string) =>
    process.stderr.write(`${level} ${new Date().toISOString()} ${prefix}: ${msg}\n`);
  return {
    info: (msg) => line("I", msg),
    warn: (msg) => line("W", msg),
    error: (msg) => line("E", msg),
  };
}
