import cliProgress from "cli-progress";

export interface ProgressBar {
  update(done: number, info?: Record<string, string | number>): void;
  stop(): void;
}

/**
 * A progress bar on a terminal, periodic log lines elsewhere (CI logs, pipes), nothing with --quiet.
 * `info` keys become extra columns (rate, loss, …) so long jobs show what they are doing.
 */
export function progressBar(label: string, total: number, opts: { quiet?: boolean } = {}): ProgressBar {
  if (opts.quiet) return { update() {}, stop() {} };
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${label.padEnd(18)} [{bar}] {percentage}% | {value}/{total} | ETA {eta_formatted} {info}`,
        stream: process.stderr,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { info: "" });
    return {
      update: (done, info) => bar.update(done, { info: formatInfo(info) }),
      stop: () => bar.stop(),
    };
  }
  let lastLog = 0;
  const started = Date.now();
  return {
    update(done, info) {
      const now = Date.now();
      if (now - lastLog < 2000 && done < total) return;
      lastLog = now;
      const pct = total > 0 ? ((100 * done) / total).toFixed(0) : "?";
      process.stderr.write(
        `${label}: ${done}/${total} (${pct}%) ${formatInfo(info)} ${((now - started) / 1000).toFixed(1)}s\n`,
      );
    },
    stop() {},
  };
}

function formatInfo(info?: Record<string, string | number>): string {
  if (!info) return "";
  return Object.entries(info)
    .map(([k, v]) => `${k} ${typeof v === "number" ? formatNumber(v) : v}`)
    .join(" | ");
}

function formatNumber(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toPrecision(4);
}

/** Prints rows as an aligned table, for the summaries long commands end with. */
export function printTable(rows: Array<Record<string, string | number>>): void {
  if (rows.length === 0) return;
  const cols = Object.keys(rows[0]);
  const cells = rows.map((r) =>
    cols.map((c) => (typeof r[c] === "number" ? formatNumber(r[c] as number) : String(r[c] ?? ""))),
  );
  const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i].length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i])).join("  ");
  console.log(line(cols));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const row of cells) console.log(line(row));
}
