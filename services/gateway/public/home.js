import { api, el, header, movieCard, showError } from "/app.js";

header();
const rows = document.getElementById("rows");
const PREFERRED = ["Action", "Romance", "Thriller", "Comedy", "Drama", "Adventure"];

try {
  const { genres } = await api("/api/genres");
  const shown = [
    ...PREFERRED.filter((g) => genres.includes(g)),
    ...genres.filter((g) => !PREFERRED.includes(g)),
  ].slice(0, 8);
  const sections = await Promise.all(
    shown.map(async (genre) => {
      const page = await api(`/api/genres/${encodeURIComponent(genre)}/movies?sort=rating&pageSize=8`);
      return el(
        "section",
        {},
        el("h2", {}, el("a", { href: `/genre.html?genre=${encodeURIComponent(genre)}` }, genre)),
        el(
          "div",
          { class: "row" },
          page.movies.map((m) => movieCard(m)),
        ),
      );
    }),
  );
  // Every genre stays one click away, not only the rows shown.
  const all = el(
    "nav",
    { class: "genres", "aria-label": "All genres" },
    el("h2", {}, "All genres"),
    genres.map((g) => el("a", { class: "badge", href: `/genre.html?genre=${encodeURIComponent(g)}` }, g)),
  );
  rows.replaceChildren(...sections, all);
} catch (err) {
  showError(rows, err);
}
