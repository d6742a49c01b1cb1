import { api, el, header, movieCard, params, ratingForm, showError, stars } from "/app.js";

header();
const id = params.get("movieId") ?? params.get("id") ?? "";
const box = document.getElementById("movie");

try {
  const m = await api(`/api/movies/${encodeURIComponent(id)}`);
  document.title = `Wren — ${m.title}`;
  const links = [];
  if (m.imdbId)
    links.push(
      el(
        "a",
        { href: `https://www.imdb.com/title/tt${encodeURIComponent(m.imdbId)}/`, rel: "noopener" },
        "IMDb",
      ),
    );
  if (m.tmdbId)
    links.push(
      el(
        "a",
        { href: `https://www.themoviedb.org/movie/${encodeURIComponent(m.tmdbId)}`, rel: "noopener" },
        "TMDb",
      ),
    );
  box.replaceChildren(
    el("h1", {}, m.title),
    el(
      "p",
      {},
      m.genres.map((g) => el("a", { class: "badge", href: `/genre.html?genre=${encodeURIComponent(g)}` }, g)),
    ),
    el(
      "div",
      { class: "stats" },
      el("div", {}, `Released ${m.releaseYear ?? "—"}`),
      el("div", {}, `★ ${stars(m.averageRating)} average`),
      el("div", {}, `${m.ratingNumber} ratings`),
    ),
    el(
      "p",
      {},
      links.flatMap((a, i) => (i ? [" · ", a] : [a])),
    ),
  );
  // The user last seen on a user page rates by default; there is no login.
  const user = el("input", {
    id: "rate-user",
    type: "number",
    min: 1,
    step: 1,
    required: true,
    inputmode: "numeric",
    value: localStorage.getItem("wren.userId") ?? "",
  });
  document
    .getElementById("rate")
    .replaceChildren(
      ratingForm(m.movieId, () => user.value, el("label", { for: "rate-user" }, "User id"), user),
    );
  const fans = document.getElementById("fans");
  fans.replaceChildren(
    m.topRatings.length === 0
      ? el("p", { class: "muted" }, "No ratings yet.")
      : el(
          "ul",
          {},
          m.topRatings.map((r) =>
            el(
              "li",
              {},
              el("a", { href: `/user.html?id=${r.userId}` }, `User ${r.userId}`),
              ` rated it ${r.score}`,
            ),
          ),
        ),
  );
} catch (err) {
  showError(box, err);
}

const similar = document.getElementById("similar");
try {
  const res = await api(`/api/movies/${encodeURIComponent(id)}/similar?size=12`);
  similar.replaceChildren(...res.movies.map((m) => movieCard(m)));
} catch (err) {
  showError(similar, err);
}
