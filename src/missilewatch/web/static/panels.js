// The side panels of the live console: tracks (what each one is and where it falls), alerts
// (texts in English and Japanese, CAP link, history) and sensors; the banners.
import { jst, t, utc } from "./i18n.js";

const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const yesNo = (v) => (v ? t("yes") : t("no"));
const time = (iso) => (iso ? jst(new Date(iso)) : "–");

function countdown(pr, nowMs) {
  const s = Math.round((Date.parse(pr.impact_utc) - nowMs) / 1000);
  if (s <= 0) return t("impacted");
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

export function trackCard(tr, nowMs) {
  const pr = tr.prediction; const d = tr.decision;
  const state = tr.state === "ended" ? `${t("ended")} (${esc(tr.end_reason || "")})` : t("live");
  let html = `<div class="card" data-track="${esc(tr.id)}"><b>${esc(tr.id)}</b> <span class="muted">${state}</span>`;
  if (tr.last && tr.last.lat_deg !== undefined) {
    html += `<div class="muted">${tr.last.lat_deg.toFixed(2)}°, ${tr.last.lon_deg.toFixed(2)}°, ${tr.last.alt_km.toFixed(0)} km,
      ${Math.round(tr.last.speed_mps || 0)} m/s</div>`;
  }
  if (pr) {
    html += `<div>${t("impactIn")}: <span class="countdown" data-countdown="${esc(tr.id)}">${countdown(pr, nowMs)}</span>
      <span class="muted">(${t("impactAt")} ${time(pr.impact_utc)} ± ${Math.round(pr.impact_sigma_s || 0)} s)</span></div>
      <dl><dt>${t("rangeClass")}</dt><dd>${esc(pr.range_class)}</dd>
      <dt>${t("trajectory")}</dt><dd>${esc(pr.trajectory_type)}</dd>
      <dt>${t("apogee")}</dt><dd>${Math.round(pr.apogee_km)} km</dd>
      <dt>${t("footprint")}</dt><dd>${pr.semi_major_km.toFixed(1)} × ${pr.semi_minor_km.toFixed(1)} km</dd>`;
    if (d) {
      html += `<dt>${t("zone")}</dt><dd>${esc((d.impact_zone || "").replace(/_/g, " "))} ${esc(d.impact_country || "")}
        ${d.warned_from ? "" : `<span class="muted">(${t("provisional")})</span>`}</dd>
        <dt>${t("threat")}</dt><dd class="${d.threat_of_damage ? "threat" : "safe"}">${yesNo(d.threat_of_damage)}</dd>
        <dt>${t("intercept")}</dt><dd class="${d.intercept_recommended ? "threat" : "safe"}">${yesNo(d.intercept_recommended)}</dd>`;
    }
    html += "</dl>";
    if (pr.overflown && pr.overflown.length) {
      html += `<div class="muted">${t("overflown")}:</div><ul>${pr.overflown.map((o) =>
        `<li>${esc(o.region || o.country_name)}${o.region ? ` (${esc(o.country)})` : ""} ${time(o.enter_utc)}–${time(o.exit_utc).slice(0, 8)},
         ${Math.round(o.alt_km)} km</li>`).join("")}</ul>`;
    }
    if (d && d.reasons && d.reasons.length) {
      html += `<div class="muted">${t("reasons")}:</div><ul>${d.reasons.map((r) => `<li>${esc(r)}</li>`).join("")}</ul>`;
    }
  }
  return `${html}</div>`;
}

export function updateCountdowns(root, picture, nowMs) {
  root.querySelectorAll("[data-countdown]").forEach((el) => {
    const tr = picture.tracks.get(el.dataset.countdown);
    if (tr && tr.prediction) el.textContent = countdown(tr.prediction, nowMs);
  });
}

export function alertCard(launchId, msgs) {
  const m = msgs[msgs.length - 1];
  const hist = msgs.map((x) => {
    const why = (x.cancelled_regions || []).map((c) => `${esc(c[0])}: ${esc(c[1])}`).join("; ");
    return `<li>${time(x.sent_utc)} ${esc(x.msg_type)} · ${t(x.state)} · ${esc((x.regions || []).join(", ") || "–")}
      ${why ? `<span class="muted">(${why})</span>` : ""}</li>`;
  }).join("");
  return `<div class="card alert-${esc(m.state)}" data-launch="${esc(launchId)}">
    <b>${esc(launchId)}</b> · ${t(m.state)} · ${esc((m.regions || []).join(", ") || "–")}
    <div class="text" lang="en">${esc(m.text_en)}</div>
    <div class="text" lang="ja">${esc(m.text_ja)}</div>
    <button data-cap="${esc(m.identifier)}">${t("cap")}</button> <span class="muted">${esc(m.identifier)}</span>
    <div class="muted">${t("history")}:</div><ol>${hist}</ol></div>`;
}

export function sensorList(catalogue, picture) {
  return `<ul>${catalogue.map((s) => {
    const st = (picture.sensors.get(s.id) || {}).state;
    const word = st === "stale" ? `<span class="threat">${t("stale")}</span>` : st ? t("fresh") : `<span class="muted">${t("idle")}</span>`;
    return `<li>${esc(s.id)} · ${word}</li>`;
  }).join("")}</ul>`;
}

/** When a stale sensor last measured, on the picture's clock (its latest measurement's time of
 * validity); an older server's event has only the wall-clock time it went stale. */
function staleSince(s) {
  return s.last_measured_utc ? `${t("lastMeasured")} ${time(s.last_measured_utc).slice(0, 8)}`
    : `${t("since")} ${time(s.since_utc).slice(0, 8)}`;
}

export function banners(el, picture, connection) {
  const stale = picture.staleSensors();
  const rows = stale.length ? [`<div class="banner stale">${t("staleSensor")}: ${stale.map((s) =>
    `<span data-sensor="${esc(s.sensor)}">${esc(s.sensor)} (${staleSince(s)})</span>`).join(", ")}</div>`] : [];
  if (connection === "lost") rows.unshift(`<div class="banner lost">${t("lost")}</div>`);
  el.innerHTML = rows.join("");
}

export function clockText(date) { return `${jst(date)} · ${utc(date)}`; }
