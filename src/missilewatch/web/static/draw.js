// Drawing one track of the picture on the globe: its history, the current position moving with
// the clock (along the track, then along the latest predicted trajectory), the estimated
// trajectory to impact in 3D, its ground track, the impact point and the 95% footprint.
import { cart, julian } from "./globe.js";

const C = window.Cesium;
const seconds = (iso) => Date.parse(iso) / 1000;

/** Where the missile is at ``date`` (s since 1970): interpolated on the track's positions, then
 * on the predicted trajectory after the last one; null before the first. */
export function positionAt(tr, t) {
  const pts = tr.positions.map((p) => [seconds(p[0]), p[1], p[2], p[3]]);
  const pr = tr.prediction;
  if (pr && pr.ground_track && pr.ground_track.length && tr.state !== "ended") {
    const t0 = seconds(pr.t_utc);
    const lastT = pts.length ? pts[pts.length - 1][0] : -Infinity;
    for (const g of pr.ground_track) if (t0 + g[0] > lastT) pts.push([t0 + g[0], g[1], g[2], g[3]]);
  }
  if (!pts.length || t < pts[0][0]) return null;
  if (t >= pts[pts.length - 1][0]) { const p = pts[pts.length - 1]; return cart(p[1], p[2], p[3]); }
  let i = 1;
  while (pts[i][0] < t) i += 1;
  const a = pts[i - 1]; const b = pts[i];
  const f = (t - a[0]) / Math.max(b[0] - a[0], 1e-9);
  return cart(a[1] + f * (b[1] - a[1]), a[2] + f * (b[2] - a[2]), a[3] + f * (b[3] - a[3]));
}

function entity(viewer, id, spec) {
  return viewer.entities.getById(id) || viewer.entities.add({ id, ...spec });
}

export function drawTrack(viewer, tr) {
  const ended = tr.state === "ended";
  const now = entity(viewer, `track:${tr.id}`, {
    point: { pixelSize: 9, color: C.Color.YELLOW, outlineColor: C.Color.BLACK, outlineWidth: 1 },
    label: { text: tr.id, font: "12px sans-serif", pixelOffset: new C.Cartesian2(12, -10),
      fillColor: C.Color.YELLOW, showBackground: true, backgroundColor: C.Color.BLACK.withAlpha(0.5) },
  });
  if (!now.mwLive) {
    now.mwLive = tr;
    now.position = new C.CallbackProperty((time) => positionAt(now.mwLive, C.JulianDate.toDate(time).getTime() / 1000), false);
  }
  now.mwLive = tr;
  now.show = !ended;
  const hist = tr.positions.map((p) => cart(p[1], p[2], p[3]));
  entity(viewer, `history:${tr.id}`, { polyline: { width: 2, material: C.Color.YELLOW } }).polyline.positions = hist;
  const pr = tr.prediction;
  for (const id of [`trajectory:${tr.id}`, `groundtrack:${tr.id}`, `impact:${tr.id}`, `footprint:${tr.id}`]) {
    const e = viewer.entities.getById(id);
    if (e) e.show = !!pr;
  }
  if (!pr) return;
  const t0 = seconds(pr.t_utc);
  const gt = pr.ground_track || [];
  entity(viewer, `trajectory:${tr.id}`, { polyline: { width: 2,
    material: new C.PolylineDashMaterialProperty({ color: C.Color.ORANGE }) } }).polyline.positions =
    gt.map((g) => cart(g[1], g[2], g[3]));
  entity(viewer, `groundtrack:${tr.id}`, { polyline: { width: 1.5, material: C.Color.WHITE.withAlpha(0.8) } })
    .polyline.positions = gt.map((g) => cart(g[1], g[2], 0));
  const imp = entity(viewer, `impact:${tr.id}`, {
    point: { pixelSize: 8, color: C.Color.RED, outlineColor: C.Color.WHITE, outlineWidth: 1 },
    label: { font: "11px sans-serif", pixelOffset: new C.Cartesian2(10, 10), fillColor: C.Color.WHITE,
      showBackground: true, backgroundColor: C.Color.BLACK.withAlpha(0.5) },
  });
  imp.position = cart(pr.impact_lat_deg, pr.impact_lon_deg, 0);
  imp.label.text = `${tr.id} ${pr.impact_utc.slice(11, 19)}Z`;
  const fp = entity(viewer, `footprint:${tr.id}`, { polygon: {
    material: C.Color.RED.withAlpha(0.30), outline: true, outlineColor: C.Color.RED, height: 0 } });
  fp.polygon.hierarchy = new C.PolygonHierarchy(pr.footprint_polygon.map((p) => cart(p[0], p[1], 0)));
  fp.mwImpactUtc = julian(pr.impact_utc);
  fp.mwT0 = t0;
}

/** Remove the entities of tracks no longer in the picture (a new session). */
export function prune(viewer, ids) {
  for (const e of [...viewer.entities.values]) {
    const [kind, id] = e.id.split(":");
    if (id && ["track", "history", "trajectory", "groundtrack", "impact", "footprint"].includes(kind) && !ids.has(id)) {
      viewer.entities.remove(e);
    }
  }
}

/** Sensors: a point and name, and the ground coverage of radars (outline). */
export function drawSensors(viewer, sensors) {
  for (const s of sensors) {
    if (s.geostationary) continue;
    entity(viewer, `sensor:${s.id}`, {
      position: cart(s.lat_deg, s.lon_deg, 0),
      point: { pixelSize: 6, color: C.Color.CYAN },
      label: { text: s.id, font: "10px sans-serif", pixelOffset: new C.Cartesian2(8, 0), fillColor: C.Color.CYAN,
        scaleByDistance: new C.NearFarScalar(1e6, 1.0, 8e6, 0.6) },
    });
    if (s.coverage) {
      entity(viewer, `coverage:${s.id}`, { polyline: { width: 1, arcType: C.ArcType.GEODESIC,
        positions: s.coverage.map((p) => cart(p[0], p[1], 0)), material: C.Color.CYAN.withAlpha(0.35) } });
    }
  }
}

export function colorSensor(viewer, id, state) {
  const e = viewer.entities.getById(`sensor:${id}`);
  if (e) e.point.color = state === "stale" ? C.Color.ORANGE : C.Color.CYAN;
  const c = viewer.entities.getById(`coverage:${id}`);
  if (c) c.polyline.material = (state === "stale" ? C.Color.ORANGE : C.Color.CYAN).withAlpha(0.35);
}
