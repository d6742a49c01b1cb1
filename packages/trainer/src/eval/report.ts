import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { EvaluationResult, ScorerEvaluation } from "./evaluate.js";

export const EVALUATION_FILE = "evaluation.json";
export const REPORT_FILE = "report.html";

/** What was evaluated, for the report's header and evaluation.json. */
export interface ReportSubject {
  model: string;
  version?: number;
  modelDir?: string;
  dataDir?: string;
}

/** Contents of evaluation.json. */
export interface EvaluationFile extends EvaluationResult {
  formatVersion: 1;
  createdAt: string;
  subject: ReportSubject;
}

/** The headline numbers of one row of the report table. */
export function headline(r: ScorerEvaluation): Record<string, number> {
  return { auc: r.auc, prAuc: r.prAuc, logloss: r.logloss, "hr@10": r.hr[9], "ndcg@10": r.ndcg[9] };
}

/** Writes evaluation.json and report.html into `outDir` (each written to a temp name, then renamed). */
export async function writeReport(
  outDir: string,
  subject: ReportSubject,
  result: EvaluationResult,
  now = new Date(),
): Promise<{ json: string; html: string }> {
  const file: EvaluationFile = { formatVersion: 1, createdAt: now.toISOString(), subject, ...result };
  await mkdir(outDir, { recursive: true });
  const json = join(outDir, EVALUATION_FILE);
  const html = join(outDir, REPORT_FILE);
  await writeAtomic(json, `${JSON.stringify(file, null, 2)}\n`);
  await writeAtomic(html, renderHtml(file));
  return { json, html };
}

async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"];
/** The baseline is drawn grey and dashed so the model stands out. */
const BASELINE_COLOR = "#7f7f7f";

function fmt(v: number): string {
  return Number.isFinite(v) ? v.toFixed(4) : "n/a";
}

/** A self-contained page: no scripts, styles inline, charts as inline SVG; every text value escaped. */
export function renderHtml(file: EvaluationFile): string {
  const { subject, protocol, results } = file;
  const color = (i: number) =>
    results[i].name === "popularity" ? BASELINE_COLOR : COLORS[i % COLORS.length];
  const title = `${subject.model}${subject.version !== undefined ? ` v${subject.version}` : ""}`;
  const rows = results
    .map((r, i) => {
      const h = headline(r);
      return `<tr><td><span class="key" style="background:${color(i)}"></span>${escapeHtml(r.name)}</td>${Object.values(
        h,
      )
        .map((v) => `<td>${fmt(v)}</td>`)
        .join("")}</tr>`;
    })
    .join("\n");
  const roc = lineChart({
    title: "ROC curve (test samples)",
    xLabel: "false positive rate",
    yLabel: "true positive rate",
    xMax: 1,
    xTicks: [0, 0.2, 0.4, 0.6, 0.8, 1],
    diagonal: true,
    series: results.map((r, i) => ({
      name: `${r.name} (AUC ${fmt(r.auc)})`,
      color: color(i),
      dashed: r.name === "popularity",
      points: r.roc.map((p) => [p.fpr, p.tpr] as [number, number]),
    })),
  });
  const hr = lineChart({
    title: `HR@K, K = 1..${protocol.kMax} (leave-one-out, ${protocol.negatives} sampled negatives)`,
    xLabel: "K",
    yLabel: "hit rate",
    xMin: 1,
    xMax: protocol.kMax,
    xTicks: [1, ...Array.from({ length: Math.floor(protocol.kMax / 5) }, (_, i) => 5 * (i + 1))],
    markers: true,
    series: results.map((r, i) => ({
      name: `${r.name} (HR@10 ${fmt(r.hr[9])})`,
      color: color(i),
      dashed: r.name === "popularity",
      points: r.hr.map((v, k) => [k + 1, v] as [number, number]),
    })),
  });
  const facts: Array<[string, string]> = [
    ["model", title],
    ["model directory", subject.modelDir ?? ""],
    ["data", subject.dataDir ?? ""],
    ["evaluated at", file.createdAt],
    ["test samples", `${protocol.testRows} (${protocol.testPositives} positive)`],
    [
      "top-K users",
      `${protocol.topKUsers} (${protocol.topKSkipped} skipped), ${protocol.negatives} negatives each, seed ${protocol.seed}`,
    ],
  ];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Wren evaluation: ${escapeHtml(title)}</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; color: #222; padding: 0 1rem; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { padding: .3rem .8rem; border-bottom: 1px solid #ddd; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.key { display: inline-block; width: .8rem; height: .8rem; margin-right: .4rem; vertical-align: -1px; }
.charts { display: flex; flex-wrap: wrap; gap: 1.5rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
dt { color: #666; }
p.note { color: #555; max-width: 48rem; }
</style>
</head>
<body>
<h1>Evaluation: ${escapeHtml(title)}</h1>
<dl>
${facts.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join("\n")}
</dl>
<table>
<thead><tr><th>scorer</th><th>AUC</th><th>PR-AUC</th><th>logloss</th><th>HR@10</th><th>NDCG@10</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
<p class="note">AUC, PR-AUC (average precision) and logloss are measured on the time-split test samples. HR@K and
NDCG@K follow the NCF protocol: each user's latest positive rating is held out of training and ranked among
${protocol.negatives} movies the user never rated; ties count as their expected rank. The popularity baseline
ranks movies by their training-period rating count.</p>
<div class="charts">
${roc}
${hr}
</div>
</body>
</html>
`;
}

interface Series {
  name: string;
  color: string;
  dashed?: boolean;
  points: Array<[number, number]>;
}

/** A small line chart as inline SVG with axes, ticks and a legend. */
function lineChart(opts: {
  title: string;
  xLabel: string;
  yLabel: string;
  xMin?: number;
  xMax: number;
  xTicks: number[];
  diagonal?: boolean;
  markers?: boolean;
  series: Series[];
}): string {
  const W = 440;
  const H = 340;
  const m = { l: 52, r: 14, t: 30, b: 46 + 16 * opts.series.length };
  const xMin = opts.xMin ?? 0;
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const x = (v: number) => m.l + ((v - xMin) / (opts.xMax - xMin || 1)) * pw;
  const y = (v: number) => m.t + (1 - v) * ph;
  const n = (v: number) => v.toFixed(1);
  const parts: string[] = [];
  parts.push(
    `<text x="${W / 2}" y="18" text-anchor="middle" font-weight="600">${escapeHtml(opts.title)}</text>`,
  );
  for (let i = 0; i <= 5; i++) {
    const v = i / 5;
    parts.push(`<line x1="${m.l}" x2="${m.l + pw}" y1="${n(y(v))}" y2="${n(y(v))}" stroke="#eee"/>`);
    parts.push(`<text x="${m.l - 6}" y="${n(y(v) + 4)}" text-anchor="end">${v.toFixed(1)}</text>`);
  }
  for (const xv of opts.xTicks) {
    const label = Number.isInteger(xv) ? String(xv) : xv.toFixed(1);
    parts.push(`<text x="${n(x(xv))}" y="${m.t + ph + 16}" text-anchor="middle">${label}</text>`);
  }
  parts.push(
    `<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`,
    `<text x="${m.l + pw / 2}" y="${m.t + ph + 34}" text-anchor="middle">${escapeHtml(opts.xLabel)}</text>`,
    `<text transform="translate(14 ${m.t + ph / 2}) rotate(-90)" text-anchor="middle">${escapeHtml(opts.yLabel)}</text>`,
  );
  if (opts.diagonal)
    parts.push(
      `<line x1="${x(0)}" y1="${y(0)}" x2="${x(1)}" y2="${y(1)}" stroke="#bbb" stroke-dasharray="2 3"/>`,
    );
  opts.series.forEach((s, i) => {
    const d = s.points.map(([px, py], j) => `${j === 0 ? "M" : "L"}${n(x(px))} ${n(y(py))}`).join(" ");
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : "";
    parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${dash}/>`);
    if (opts.markers)
      for (const [px, py] of s.points)
        parts.push(`<circle cx="${n(x(px))}" cy="${n(y(py))}" r="2.5" fill="${s.color}"/>`);
    const ly = m.t + ph + 52 + 16 * i;
    parts.push(
      `<line x1="${m.l}" x2="${m.l + 22}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"${dash}/>`,
      `<text x="${m.l + 28}" y="${ly}">${escapeHtml(s.name)}</text>`,
    );
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-size="11" font-family="system-ui, sans-serif" role="img" aria-label="${escapeHtml(opts.title)}">
${parts.join("\n")}
</svg>`;
}
