// One launch: its reconstructed flight on the globe (the CZML export, which carries its clock),
// every figure with its source and evidence, disagreements, the ground-track figure, downloads.
import { api, apiJson, download, signOut, takeTokenFromFragment } from "./api.js";
import { makeViewer } from "./globe.js";
import { applyStatic, langButton, t } from "./i18n.js";

const C = window.Cesium;
const $ = (id) => document.getElementById(id);
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
takeTokenFromFragment();
langButton($("lang"));
$("signout").addEventListener("click", signOut);
const id = Number(new URLSearchParams(location.search).get("id"));
const viewer = makeViewer($("launchglobe"), { timeline: true, lat: 38, lon: 140, height: 6e6 });
const mw = { viewer, ready: false, record: null, analysis: null, czml: null };
window.mw = mw;

function where(v) {
  const at = v.row !== undefined ? `row ${v.row}, ${esc(v.column)}` : "";
  const ev = v.evidence ? `<q>${esc(v.evidence)}</q>` : "";
  return `${esc(v.source)}${v.attributed_to ? ` (${esc(v.attributed_to)})` : ""} ${at} ${ev}`;
}

function figures(fields) {
  const rows = [];
  for (const [name, f] of Object.entries(fields || {})) {
    if (!f || !f.values) continue;
    const value = Array.isArray(f.value) ? f.value.join(", ") : f.value;
    const vals = f.values.map((v) => `<li>${esc(Array.isArray(v.value) ? v.value.join(", ") : v.value)}
      ${v.figure_kind ? `<span class="muted">${esc(v.figure_kind)}</span>` : ""} — ${where(v)}</li>`).join("");
    rows.push(`<tr><td>${esc(name)}</td><td><b>${esc(value ?? "–")}</b>${f.disagreement ? ' <span class="threat">≠</span>' : ""}
      <ul>${vals}</ul></td></tr>`);
  }
  return `<table class="list"><tr><th>${t("figures")}</th><th>${t("value")} · ${t("source")} · ${t("evidence")}</th></tr>${rows.join("")}</table>`;
}

function analysisCard(a) {
  const rec = a.result && a.result.reconstruction;
  if (!rec) return `<span class="muted">${esc(a.status)}: ${esc(a.reason || "")}</span>`;
  const geo = rec.geography || {};
  return `<dl><dt>${t("rangeClass")}</dt><dd>${esc(rec.range_class)}</dd><dt>${t("trajectory")}</dt><dd>${esc(rec.trajectory_type)}</dd>
    <dt>${t("apogee")}</dt><dd>${Math.round(rec.apogee_km)} km</dd><dt>Range</dt><dd>${Math.round(rec.range_km)} km
    (standard: ${Math.round(rec.standard_range_km)} km)</dd><dt>Flight time</dt><dd>${Math.round(rec.flight_time_s)} s</dd>
    <dt>Burnout</dt><dd>${Math.round(rec.burnout_speed_mps)} m/s</dd>
    <dt>${t("zone")}</dt><dd>${esc((geo.impact_zone || "–").replace(/_/g, " "))} ${esc(geo.impact_country || "")}</dd>
    <dt>Azimuth</dt><dd>${rec.azimuth_deg}° (${esc((a.inputs || {}).azimuth_from || "")})</dd></dl>
    <div class="muted">${esc(rec.profile)}; figures from ${esc((a.inputs || {}).figures_from || "")}</div>`;
}

document.querySelectorAll("[data-fmt]").forEach((b) => b.addEventListener("click", () =>
  download(`/v1/launches/${id}/export.${b.dataset.fmt}`, `launch-${id}.${b.dataset.fmt}`)));

async function start() {
  const [rec, an] = await Promise.all([apiJson(`/v1/launches/${id}`), apiJson(`/v1/launches/${id}/analysis`)]);
  mw.record = rec; mw.analysis = an;
  $("title").textContent = `${rec.local_date || rec.date_utc || ""} · ${rec.missile_name || ""} (${rec.missile_type || "?"}) · ${(rec.site || {}).name || ""}`;
  $("figures").innerHTML = figures(rec.fields);
  $("disagreements").innerHTML = rec.disagreements.length ? `<ul>${rec.disagreements.map((d) => `<li>${esc(d)}</li>`).join("")}</ul>`
    : `<span class="muted">${t("none")}</span>`;
  $("sources").innerHTML = `<ul>${rec.sources.map((s) => `<li>${esc(s.title || s.uri)} <span class="muted">${esc(s.kind)}
    ${esc(s.published_date || "")}</span></li>`).join("")}</ul>`;
  $("analysis").innerHTML = analysisCard(an);
  applyStatic();
  mw.czml = await apiJson(`/v1/launches/${id}/export.czml`);
  const ds = await C.CzmlDataSource.load(mw.czml);
  await viewer.dataSources.add(ds);
  viewer.clockTrackedDataSource = ds;
  viewer.clock.shouldAnimate = true;
  const rc = an.result && an.result.reconstruction;
  if (rc) {  // over the middle of the flight, high enough to see all of it
    const mid = rc.ground_track[Math.floor(rc.ground_track.length / 2)];
    viewer.camera.setView({ destination: C.Cartesian3.fromDegrees(mid.lon_deg, mid.lat_deg, Math.max(rc.range_km * 1400, 1.5e6)) });
  }
  if (an.result && an.result.reconstruction) {
    const img = $("plot-track");
    img.src = URL.createObjectURL(await (await api(`/v1/launches/${id}/track.png`)).blob());
    await img.decode();
  }
  viewer.scene.requestRender();
  mw.ready = true;
}
start().catch((err) => {
  mw.error = String(err);
  $("title").textContent = String(err);
  throw err;
});
