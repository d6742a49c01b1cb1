import { api, el, header, showError } from "/app.js";

header();
const box = document.getElementById("models");
const METRICS = ["auc", "prAuc", "logloss", "hr@10", "ndcg@10"];

try {
  const { defaultModel, models } = await api("/api/models");
  if (models.length === 0)
    box.replaceChildren(el("p", { class: "muted" }, "No trained model yet: run wren train."));
  else
    box.replaceChildren(
      ...models.map((m) =>
        el(
          "section",
          {},
          el("h2", {}, m.name, m.name === defaultModel ? el("span", { class: "badge" }, "default") : ""),
          el(
            "table",
            {},
            el(
              "thead",
              {},
              el(
                "tr",
                {},
                el("th", {}, "version"),
                el("th", {}, "exported"),
                ...METRICS.map((k) => el("th", {}, k)),
              ),
            ),
            el(
              "tbody",
              {},
              m.versions.map((v) =>
                el(
                  "tr",
                  {},
                  el(
                    "td",
                    {},
                    el(
                      "a",
                      { href: `/model.html?${new URLSearchParams({ name: m.name, version: v.version })}` },
                      `v${v.version}`,
                    ),
                  ),
                  el("td", {}, v.createdAt ? v.createdAt.slice(0, 19).replace("T", " ") : "—"),
                  ...METRICS.map((k) =>
                    el(
                      "td",
                      {
                        class: "num",
                        title: `popularity baseline: ${v.metrics[`popularity.${k}`]?.toFixed(4) ?? "—"}`,
                      },
                      v.metrics[k] === undefined ? "—" : v.metrics[k].toFixed(4),
                    ),
                  ),
                ),
              ),
            ),
          ),
        ),
      ),
    );
} catch (err) {
  showError(box, err);
}
