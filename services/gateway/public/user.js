import { api, el, header, movieCard, params, ratingForm, showError, stars, whyText } from "/app.js";

header();
const id = params.get("id") ?? "";
const chosen = params.get("model") ?? "";
const AB_DEFAULT = "";
document.getElementById("title").textContent = `User ${id}`;
if (/^[1-9][0-9]*$/.test(id)) localStorage.setItem("wren.userId", id);

async function profile() {
  const box = document.getElementById("profile");
  const watched = document.getElementById("watched");
  try {
    const u = await api(`/api/users/${encodeURIComponent(id)}`);
    box.replaceChildren(
      el(
        "div",
        { class: "stats" },
        el("div", {}, `${u.ratingCount} ratings`),
        el("div", {}, `average ★ ${stars(u.averageRating)}`),
        el("div", {}, `highest ${u.highestRating} · lowest ${u.lowestRating}`),
      ),
      el(
        "p",
        {},
        "Favourite genres: ",
        u.favouriteGenres.length === 0
          ? el("span", { class: "muted" }, "none yet")
          : u.favouriteGenres
              .slice(0, 5)
              .map((g) => el("span", { class: "badge" }, `${g.genre} (${g.count})`)),
      ),
    );
    watched.replaceChildren(
      ...u.ratings.map((r) =>
        r.movie
          ? movieCard(r.movie, el("span", { class: "score" }, `rated ${r.score}`))
          : el("article", { class: "card" }, `Movie ${r.movieId}, rated ${r.score}`),
      ),
    );
  } catch (err) {
    if (err.status === 404) {
      box.replaceChildren(
        el("p", { class: "muted" }, "No ratings yet: recommendations below are a cold-start mix."),
      );
      watched.replaceChildren();
    } else showError(box, err);
  }
}

async function modelSwitcher() {
  const select = document.getElementById("model");
  const { defaultModel, models } = await api("/api/models");
  const names = [...new Set([defaultModel, ...models.map((m) => m.name)])];
  select.replaceChildren(
    el("option", { value: AB_DEFAULT }, "default (A/B assignment)"),
    ...names.map((n) => el("option", { value: n }, n)),
  );
  select.value = names.includes(chosen === "nerualcf" ? "neuralcf" : chosen)
    ? chosen.replace("nerualcf", "neuralcf")
    : AB_DEFAULT;
  select.addEventListener("change", () => {
    const next = new URLSearchParams(location.search);
    if (select.value) next.set("model", select.value);
    else next.delete("model");
    history.pushState(null, "", `?${next}`);
    recommendations(select.value);
  });
}

async function recommendations(model) {
  const recs = document.getElementById("recs");
  const info = document.getElementById("recinfo");
  const degraded = document.getElementById("degraded");
  try {
    const q = new URLSearchParams({ size: "24" });
    if (model) q.set("model", model);
    const r = await api(`/api/users/${encodeURIComponent(id)}/recommendations?${q}`);
    // A degraded answer without scores was not ranked: never claim a model ranked it.
    const ranked = r.items.some((m) => m.score !== null);
    const parts = [
      ranked
        ? `ranked by ${r.model ?? "—"}${r.version ? ` v${r.version}` : ""}`
        : `recall order: ${r.model ?? "no model"} did not rank it`,
    ];
    if (r.experiment) parts.push(`experiment ${r.experiment.name}: variant ${r.experiment.variant}`);
    if (r.coldStart) parts.push("cold start");
    info.textContent = parts.join(" · ");
    degraded.replaceChildren(
      r.degraded
        ? el(
            "p",
            { class: "notice", role: "status" },
            `Degraded answer (${r.degradedReasons.join(", ") || "a stage failed"}): shown in recall order, without ranking scores.`,
          )
        : "",
    );
    recs.replaceChildren(
      ...r.items.map((m) =>
        movieCard(
          m,
          el("span", { class: "score" }, m.score === null ? "score —" : `score ${m.score.toFixed(3)}`),
          el("span", { class: "muted why", title: `recall channels: ${m.why.join(", ")}` }, whyText(m.why)),
          ratingForm(m.movieId, () => id),
        ),
      ),
    );
  } catch (err) {
    showError(recs, err);
  }
}

await Promise.all([profile(), modelSwitcher().catch(() => {}), recommendations(chosen)]);
window.addEventListener("popstate", () => location.reload());
