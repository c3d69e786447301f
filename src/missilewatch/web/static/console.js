// The live console: the picture from the event stream on the globe and in the panels.
import { EventLink, apiJson, openBlob, signOut, takeTokenFromFragment } from "./api.js";
import { drawSensors } from "./draw.js";
import { loadOutlines, makeViewer } from "./globe.js";
import { langButton, onLang } from "./i18n.js";
import { banners, clockText, updateCountdowns } from "./panels.js";
import { Picture } from "./picture.js";
import { PictureView } from "./view.js";

const C = window.Cesium;
const $ = (id) => document.getElementById(id);
takeTokenFromFragment();
langButton($("lang"));
$("signout").addEventListener("click", signOut);

const viewer = makeViewer($("globe"));
const picture = new Picture();
const view = new PictureView(viewer, { tracks: $("tracks"), alerts: $("alerts"), sensors: $("sensors"),
  banners: $("banners"), side: $("side") });
const mw = { viewer, picture, view, connection: "connecting", pictureMs: null, regions: view.regions,
  shaded: view.shaded, link: null, clockSet: false, firstPictureMs: null,
  drops: 0 };
window.mw = mw;

function nowMs() { return C.JulianDate.toDate(viewer.clock.currentTime).getTime(); }

function followClock() {
  // The picture's clock runs at real speed from the latest measurement time it has seen.
  if (!picture.timeUtc) return;
  const t = C.JulianDate.fromIso8601(picture.timeUtc);
  if (!mw.clockSet || C.JulianDate.greaterThan(t, viewer.clock.currentTime)) viewer.clock.currentTime = t;
  mw.clockSet = true;
}

let pending = null;
function render() {
  pending = null;
  followClock();
  view.render(picture, nowMs(), mw.connection);
  if (mw.pictureMs === null && view.regions.size) mw.pictureMs = performance.now();
}
function schedule() { if (!pending) pending = setTimeout(render, 150); }
onLang(() => render());

$("alerts").addEventListener("click", (e) => {
  const id = e.target.dataset && e.target.dataset.cap;
  if (id) openBlob(`/v1/alerts/${encodeURIComponent(id)}.xml`);
});

viewer.clock.shouldAnimate = true;
viewer.clock.multiplier = 1;
viewer.clock.onTick.addEventListener(() => {
  const now = C.JulianDate.toDate(viewer.clock.currentTime);
  $("clock").textContent = clockText(now);
  updateCountdowns($("tracks"), picture, now.getTime());
  // The first whole picture: the globe's tiles in, the events drawn (ms since navigation).
  if (mw.firstPictureMs === null && mw.pictureMs !== null && viewer.mwTiles.pending === 0
      && viewer.scene.globe.tilesLoaded && viewer.mwSettled()) mw.firstPictureMs = performance.now();
});

async function start() {
  // The event stream first (the picture arrives while the outlines load), then the outlines
  // and the sensors; a render after them shades the regions.
  let fetchedHistory = null;
  mw.link = new EventLink((ev) => {
    picture.apply(ev);
    const sid = picture.session && picture.session.id;
    if (sid && fetchedHistory !== sid) {  // the whole alert history of this session, once
      fetchedHistory = sid;
      apiJson(`/v1/alerts?session=${sid}`).then((r) => { picture.addMessages(r.alerts); schedule(); });
    }
    schedule();
  }, (state) => {
    if (state === "lost") mw.drops += 1;
    mw.connection = state;
    banners($("banners"), picture, state);
  });
  const linked = mw.link.connect();
  const [regions, sensors] = await Promise.all([loadOutlines(viewer), apiJson("/v1/sensors")]);
  for (const [k, v] of regions) view.regions.set(k, v);
  view.catalogue = sensors.sensors;
  drawSensors(viewer, view.catalogue);
  schedule();
  await linked;
}
start().catch((err) => { $("banners").innerHTML = `<div class="banner lost">${String(err)}</div>`; throw err; });
