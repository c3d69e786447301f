// Replay: a built-in scenario (simulated and run through the live watch, truth beside the
// track) or a recorded session, on the globe at a chosen speed, with pause and seek (the
// timeline). The picture at the clock's time is the events up to it, drawn as the console does.
import { apiJson, signOut, takeTokenFromFragment } from "./api.js";
import { cart, loadOutlines, makeViewer } from "./globe.js";
import { langButton, onLang, t } from "./i18n.js";
import { clockText, updateCountdowns } from "./panels.js";
import { Picture } from "./picture.js";
import { PictureView } from "./view.js";

const C = window.Cesium;
const $ = (id) => document.getElementById(id);
takeTokenFromFragment();
langButton($("lang"));
$("signout").addEventListener("click", signOut);

const viewer = makeViewer($("globe"), { timeline: true });
const view = new PictureView(viewer, { tracks: $("tracks"), alerts: $("alerts"), banners: $("banners"), side: $("side") });
const mw = { viewer, view, picture: new Picture(), replay: null, applied: 0, ready: false, regions: view.regions,
  shaded: view.shaded };
window.mw = mw;
const clock = viewer.clock;

function playLabel() { $("play").textContent = clock.shouldAnimate ? t("pause") : t("play"); }
$("play").addEventListener("click", () => { clock.shouldAnimate = !clock.shouldAnimate; playLabel(); });
$("speed").addEventListener("change", () => { clock.multiplier = Number($("speed").value); });
onLang(() => { playLabel(); draw(); });

/** Bring the picture to the clock's time: apply the events up to it (from the start after a seek back). */
function advance() {
  const r = mw.replay;
  if (!r) return false;
  const now = C.JulianDate.toDate(clock.currentTime).toISOString();
  let changed = false;
  if (mw.applied > 0 && r.events[mw.applied - 1].time_utc > now) {
    mw.picture = new Picture();
    mw.applied = 0;
    changed = true;
  }
  while (mw.applied < r.events.length && r.events[mw.applied].time_utc <= now) {
    mw.picture.apply(r.events[mw.applied]);
    mw.applied += 1;
    changed = true;
  }
  return changed;
}

function draw() { view.render(mw.picture, C.JulianDate.toDate(clock.currentTime).getTime()); }

let last = 0;
clock.onTick.addEventListener(() => {
  const now = C.JulianDate.toDate(clock.currentTime);
  $("clock").textContent = clockText(now);
  updateCountdowns($("tracks"), mw.picture, now.getTime());
  const wall = performance.now();
  if (advance() && wall - last > 200) { last = wall; draw(); }
});

function truthEntities(truth) {
  for (const [id, pts] of Object.entries(truth || {})) {
    const pos = new C.SampledPositionProperty();
    for (const p of pts) pos.addSample(C.JulianDate.fromIso8601(p[0]), cart(p[1], p[2], p[3]));
    viewer.entities.add({ id: `truth:${id}`, position: pos,
      availability: new C.TimeIntervalCollection([new C.TimeInterval({
        start: C.JulianDate.fromIso8601(pts[0][0]), stop: C.JulianDate.fromIso8601(pts[pts.length - 1][0]) })]),
      point: { pixelSize: 7, color: C.Color.LIGHTGRAY, outlineColor: C.Color.BLACK, outlineWidth: 1 },
      label: { text: `${t("truth")} ${id}`, font: "11px sans-serif", pixelOffset: new C.Cartesian2(12, 12),
        fillColor: C.Color.LIGHTGRAY },
      path: { width: 1.5, leadTime: 0, trailTime: 4000, material: C.Color.LIGHTGRAY.withAlpha(0.8) } });
  }
}

async function load() {
  const [kind, id] = $("source").value.split(":");
  $("banners").innerHTML = `<div class="banner">${t("load")} …</div>`;
  const r = await apiJson(kind === "scenario" ? `/v1/replays/scenarios/${encodeURIComponent(id)}` : `/v1/replays/sessions/${id}`);
  for (const e of [...viewer.entities.values]) if (!e.id.startsWith("sensor")) viewer.entities.remove(e);
  r.events = r.events.filter((e) => !e.kind.startsWith("sensor.") && e.time_utc)
    .sort((a, b) => (a.time_utc < b.time_utc ? -1 : a.time_utc > b.time_utc ? 1 : a.number - b.number));
  mw.replay = r; mw.picture = new Picture(); mw.applied = 0;
  truthEntities(r.truth);
  const start = C.JulianDate.fromIso8601(r.events[0].time_utc);
  const stop = C.JulianDate.addSeconds(C.JulianDate.fromIso8601(r.events[r.events.length - 1].time_utc), 30, new C.JulianDate());
  clock.startTime = start; clock.stopTime = stop; clock.currentTime = start.clone();
  clock.clockRange = C.ClockRange.CLAMPED; clock.multiplier = Number($("speed").value); clock.shouldAnimate = true;
  viewer.timeline.zoomTo(start, stop);
  playLabel();
  $("banners").innerHTML = "";
  advance(); draw();
  mw.ready = true;
}
$("load").addEventListener("click", () => load().catch((err) => { $("banners").innerHTML = `<div class="banner lost">${err}</div>`; }));

async function start() {
  const [regions, list] = await Promise.all([loadOutlines(viewer), apiJson("/v1/replays")]);
  for (const [k, v] of regions) view.regions.set(k, v);
  $("source").innerHTML = [...list.scenarios.map((s) => `<option value="scenario:${s}">${s}</option>`),
    ...list.sessions.map((s) => `<option value="session:${s.id}">session ${s.id} · ${s.epoch_utc.slice(0, 16)} · ${s.events}</option>`)].join("");
  const want = new URLSearchParams(location.search).get("load");
  if (want) { $("source").value = want; await load(); }
  mw.listed = true;
}
start();
