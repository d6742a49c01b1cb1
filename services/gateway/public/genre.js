import { api, el, header, movieCard, params, showError } from "/app.js";

header();
// The reference's collection.html?type=genre&value=Action links land here too.
const genre = params.get("genre") ?? params.get("value") ?? "";
const sort = params.get("sort") === "releaseYear" ? "releaseYear" : "rating";
const page = Math.max(1, Number.parseInt(params.get("page") ?? "1", 10) || 1);
// Optional: the API's default page size unless the URL asks for another.
const pageSize = params.get("pageSize");
const movies = document.getElementById("movies");
const select = document.getElementById("sort");
select.value = sort;
select.addEventListener("change", () => go(1, select.value));

function go(p, s) {
  const next = new URLSearchParams({ genre, sort: s, page: String(p) });
  if (pageSize) next.set("pageSize", pageSize);
  location.search = next.toString();
}

try {
  const q = new URLSearchParams({ sort, page: String(page) });
  if (pageSize) q.set("pageSize", pageSize);
  const res = await api(`/api/genres/${encodeURIComponent(genre)}/movies?${q}`);
  document.getElementById("title").textContent = `${res.genre} (${res.total})`;
  document.title = `Wren — ${res.genre}`;
  movies.replaceChildren(
    ...res.movies.map((m) =>
      movieCard(m, el("span", { class: "muted" }, m.releaseYear ? `${m.releaseYear}` : "")),
    ),
  );
  const pages = Math.max(1, Math.ceil(res.total / res.pageSize));
  document
    .getElementById("pager")
    .replaceChildren(
      el("button", { disabled: page <= 1, onclick: () => go(page - 1, sort) }, "‹ Previous"),
      el("span", {}, ` page ${page} of ${pages} `),
      el("button", { disabled: page >= pages, onclick: () => go(page + 1, sort) }, "Next ›"),
    );
} catch (err) {
  showError(movies, err);
}
