import { api, el, header, params, showError } from "/app.js";

header();
const name = params.get("name") ?? "";
const version = Number.parseInt(params.get("version") ?? "", 10);
const facts = document.getElementById("facts");
const report = document.getElementById("report");
const METRICS = ["auc", "prAuc", "logloss", "hr@10", "ndcg@10"];
const fmt = (v) => (v === undefined ? "—" : v.toFixed(4));

try {
  const { defaultModel, models } = await api("/api/models");
  const model = models.find((m) => m.name === name);
  const v = model?.versions.find((x) => x.version === version);
  if (!model || !v) throw new Error(`No trained model ${name} version ${params.get("version") ?? ""}.`);
  const served = v.version === model.versions[model.versions.length - 1].version;
  document.title = `Wren — ${name} v${version}`;
  document
    .getElementById("title")
    .replaceChildren(
      `${name} v${version} `,
      served ? el("span", { class: "badge" }, "served") : "",
      name === defaultModel ? el("span", { class: "badge" }, "default") : "",
    );
  facts.replaceChildren(
    el("p", { class: "muted" }, `Exported ${v.createdAt ? v.createdAt.slice(0, 19).replace("T", " ") : "—"}`),
    METRICS.some((k) => v.metrics[k] !== undefined)
      ? el(
          "table",
          {},
          el("caption", {}, "Metrics at export time"),
          el(
            "thead",
            {},
            el("tr", {}, el("th", {}, "metric"), el("th", {}, name), el("th", {}, "popularity")),
          ),
          el(
            "tbody",
            {},
            METRICS.map((k) =>
              el(
                "tr",
                {},
                el("th", { scope: "row" }, k),
                el("td", { class: "num" }, fmt(v.metrics[k])),
                el("td", { class: "num" }, fmt(v.metrics[`popularity.${k}`])),
              ),
            ),
          ),
        )
      : el("p", { class: "muted" }, "No metrics were recorded at export."),
    el(
      "p",
      {},
      "Versions: ",
      model.versions.map((x) =>
        x.version === version
          ? el("strong", {}, ` v${x.version} `)
          : el(
              "a",
              { href: `/model.html?${new URLSearchParams({ name, version: x.version })}` },
              ` v${x.version} `,
            ),
      ),
    ),
  );
  const { reportUrl, evaluation } = await api(
    `/api/models/${encodeURIComponent(name)}/versions/${version}/evaluation`,
  );
  report.replaceChildren(
    ...(reportUrl
      ? [
          el(
            "p",
            { class: "muted" },
            `Evaluated ${evaluation?.createdAt?.slice(0, 19).replace("T", " ") ?? ""} · `,
            el("a", { href: reportUrl }, "open the report"),
            " · ",
            el("a", { href: reportUrl.replace(/report\.html$/, "evaluation.json") }, "evaluation.json"),
          ),
          // The report runs no script; the sandbox and its own CSP keep it that way.
          el("iframe", {
            class: "report",
            src: reportUrl,
            title: `Evaluation of ${name} v${version}`,
            sandbox: "",
          }),
        ]
      : [
          el(
            "p",
            { class: "notice" },
            `No evaluation report for this version yet: run wren evaluate --model ${name}.`,
          ),
        ]),
  );
} catch (err) {
  showError(facts, err);
}
