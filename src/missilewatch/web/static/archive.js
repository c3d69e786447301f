// The archive's launch list: filter by year, type and site, sort by any column, open a launch,
// download the selection, and the archive report's figures.
import { api, apiJson, download, signOut, takeTokenFromFragment } from "./api.js";
import { langButton } from "./i18n.js";

const $ = (id) => document.getElementById(id);
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
takeTokenFromFragment();
langButton($("lang"));
$("signout").addEventListener("click", signOut);
const mw = { rows: [], shown: 0, ready: false, sort: { key: "date", dir: -1 } };
window.mw = mw;

function options(el, values) {
  el.innerHTML = `<option value="">–</option>${values.map((v) => `<option>${esc(v)}</option>`).join("")}`;
  el.addEventListener("change", render);
}

function selected() {
  const y = $("f-year").value; const ty = $("f-type").value; const si = $("f-site").value;
  return mw.rows.filter((r) => (!y || (r.date || "").startsWith(y)) && (!ty || r.type === ty) && (!si || r.site === si));
}

function render() {
  const { key, dir } = mw.sort;
  const rows = selected().sort((a, b) => {
    const x = a[key]; const y = b[key];
    if (x === y) return 0;
    if (x === null || x === undefined) return 1;
    if (y === null || y === undefined) return -1;
    return (x < y ? -1 : 1) * dir;
  });
  $("launches").querySelector("tbody").innerHTML = rows.map((r) => `<tr data-id="${r.id}">
    <td><a href="/archive/launch?id=${r.id}">${esc(r.date)}</a></td><td>${esc(r.missile)}</td><td>${esc(r.type)}</td>
    <td>${esc(r.site)}</td><td>${r.range_km ?? ""}</td><td>${r.apogee_km ?? ""}</td><td>${r.missiles ?? ""}</td>
    <td>${r.sources ?? ""}</td></tr>`).join("");
  mw.shown = rows.length;
  $("count").textContent = `${rows.length} / ${mw.rows.length}`;
}

$("launches").querySelector("thead").addEventListener("click", (e) => {
  const key = e.target.dataset.key;
  if (!key) return;
  mw.sort = { key, dir: mw.sort.key === key ? -mw.sort.dir : 1 };
  render();
});

document.querySelectorAll("[data-fmt]").forEach((b) => b.addEventListener("click", () => {
  const q = new URLSearchParams();
  if ($("f-year").value) q.set("year", $("f-year").value);
  if ($("f-type").value) q.set("type", $("f-type").value);
  download(`/v1/archive/launches.${b.dataset.fmt}?${q}`, `launches.${b.dataset.fmt}`);
}));

async function image(el, path) {
  el.src = URL.createObjectURL(await (await api(path)).blob());
  await el.decode();
}

async function start() {
  mw.rows = await apiJson("/v1/launches");
  const uniq = (k) => [...new Set(mw.rows.map((r) => r[k]).filter((v) => v))].sort();
  options($("f-year"), [...new Set(mw.rows.map((r) => (r.date || "").slice(0, 4)).filter((v) => v))].sort().reverse());
  options($("f-type"), uniq("type"));
  options($("f-site"), uniq("site"));
  render();
  mw.listed = true;
  if (mw.rows.length) {
    await Promise.all([image($("plot-apogee"), "/v1/archive/plots/apogee_range.png"),
      image($("plot-years"), "/v1/archive/plots/launches_per_year.png")]);
  }
  mw.ready = true;
}
start().catch((err) => {
  mw.error = String(err);
  $("count").textContent = String(err);
  throw err;
});
