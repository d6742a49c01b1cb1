// Shared helpers of every page. Text goes in with textContent only: no data is ever parsed as HTML.
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = String(v);
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, String(v));
  }
  for (const c of children.flat())
    if (c !== null && c !== undefined) node.append(c instanceof Node ? c : String(c));
  return node;
}

export async function api(path, init = {}) {
  const res = await fetch(path, { ...init, headers: { accept: "application/json", ...init.headers } });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) {
    const err = new Error(body.message || `${res.status} ${res.statusText}`);
    err.status = res.status;
    throw err;
  }
  return body;
}

export function postJson(path, body) {
  return api(path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

export const params = new URLSearchParams(location.search);

export function header() {
  document.body.prepend(
    el(
      "header",
      {},
      el("a", { class: "brand", href: "/" }, "Wren"),
      el("a", { href: "/" }, "Home"),
      // The user last visited (or 1): there is no login.
      el(
        "a",
        { href: `/user.html?id=${encodeURIComponent(localStorage.getItem("wren.userId") ?? "1")}` },
        "User page",
      ),
      el("a", { href: "/models.html" }, "Models"),
      el("a", { href: "/docs" }, "API"),
    ),
  );
}

export function showError(container, err) {
  container.replaceChildren(el("p", { class: "error", role: "alert" }, err.message || String(err)));
}

export function stars(n) {
  return Number(n).toFixed(2);
}

/** A movie card; `extra` nodes go under the title (score, why, rating). */
export function movieCard(m, ...extra) {
  return el(
    "article",
    { class: "card" },
    el("a", { class: "title", href: `/movie.html?movieId=${encodeURIComponent(m.movieId)}` }, m.title),
    el("span", { class: "muted" }, `★ ${stars(m.averageRating)} · ${m.ratingNumber} ratings`),
    el(
      "span",
      {},
      (m.genres || []).map((g) => el("span", { class: "badge" }, g)),
    ),
    ...extra,
  );
}

export const RATING_STEPS = Array.from({ length: 10 }, (_, i) => (10 - i) / 2);
let formCount = 0;

/**
 * "Rate this movie": `fields` (e.g. a user id input), a labelled select and a button. `userId()` returns the
 * rating user.
 */
export function ratingForm(movieId, userId, ...fields) {
  const n = ++formCount;
  const select = el(
    "select",
    { id: `rating-${n}`, name: "rating" },
    RATING_STEPS.map((r) => el("option", { value: r }, `${r.toFixed(1)} ★`)),
  );
  select.value = "4";
  const status = el("span", { class: "muted", role: "status" });
  const submit = async (event) => {
    event.preventDefault();
    status.textContent = "Sending…";
    try {
      const res = await postJson(`/api/users/${encodeURIComponent(userId())}/ratings`, {
        movieId: Number(movieId),
        rating: Number(select.value),
      });
      // The gateway says how far the rating got (stored, applied or not): shown as it is.
      const said = [res.status, res.note].filter(Boolean).join(": ");
      status.textContent = `Rated ${res.rating.score} ★ as user ${res.rating.userId}, ${said}.`;
    } catch (err) {
      status.textContent = `Not rated: ${err.message}`;
    }
  };
  return el(
    "form",
    { class: "rate", onsubmit: submit },
    ...fields,
    el("label", { for: `rating-${n}` }, "Rating"),
    select,
    el("button", { type: "submit" }, "Rate"),
    status,
  );
}

/** Plain words for the recall channels (packages/contracts/src/channels.ts) that proposed a movie. */
const CHANNEL_WORDS = {
  popular: "popular",
  "top-rated": "top rated",
  genre: "your favourite genres",
  i2v: "like movies you rated highly",
  "two-tower": "your taste profile",
  "cold-start": "new-user mix",
};

export function whyText(channels) {
  return `why: ${channels.map((c) => CHANNEL_WORDS[c] ?? c).join(" · ")}`;
}
