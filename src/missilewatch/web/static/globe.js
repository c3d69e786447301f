// The globe, offline: CesiumJS from this server (/static/vendor/cesium), its bundled Natural
// Earth II imagery as the only layer, the WGS84 ellipsoid as terrain, no Cesium ion, no
// geocoder or layer picker; outlines from the project's own geography data.
import { apiJson } from "./api.js";

const C = window.Cesium;
C.Ion.defaultAccessToken = undefined;

export const COLORS = {
  issued: C.Color.fromCssColorString("#e03131").withAlpha(0.55),
  updated: C.Color.fromCssColorString("#f08c00").withAlpha(0.55),
  cancelled: C.Color.fromCssColorString("#868e96").withAlpha(0.45),
  closed: C.Color.fromCssColorString("#4c6ef5").withAlpha(0.40),
  passed: C.Color.fromCssColorString("#4c6ef5").withAlpha(0.40),
  none: C.Color.TRANSPARENT,
};

/** A viewer in ``el``; ``opts.timeline`` adds the animation and timeline widgets (replay). */
export function makeViewer(el, opts = {}) {
  const imagery = C.TileMapServiceImageryProvider.fromUrl(C.buildModuleUrl("Assets/Textures/NaturalEarthII"));
  const viewer = new C.Viewer(el, {
    baseLayer: C.ImageryLayer.fromProviderAsync(imagery),
    terrainProvider: new C.EllipsoidTerrainProvider(),
    baseLayerPicker: false, geocoder: false, homeButton: false, sceneModePicker: false,
    navigationHelpButton: false, fullscreenButton: false, infoBox: false, selectionIndicator: false,
    animation: !!opts.timeline, timeline: !!opts.timeline, vrButton: false, projectionPicker: false,
    requestRenderMode: true, maximumRenderTimeChange: 0.5,
  });
  viewer.scene.globe.enableLighting = false;
  viewer.scene.globe.baseColor = C.Color.fromCssColorString("#0d2238");
  viewer.scene.fog.enabled = false;
  viewer.camera.setView({ destination: C.Cartesian3.fromDegrees(opts.lon ?? 136.0, opts.lat ?? 37.5, opts.height ?? 3.6e6) });
  // Tile loading: the number of tiles still to load, and when it first reached zero (ms since
  // navigation started) — how long the page takes to show its first picture.
  const tiles = { pending: -1, firstIdleMs: null };
  viewer.scene.globe.tileLoadProgressEvent.addEventListener((n) => {
    tiles.pending = n;
    if (n === 0 && tiles.firstIdleMs === null && viewer.scene.globe.tilesLoaded) tiles.firstIdleMs = performance.now();
  });
  viewer.mwTiles = tiles;
  // Rendering is on demand (cheap on a software renderer): keep asking for frames while the
  // entities' geometry is still being built, so a change shows without waiting for a touch.
  // A few more frames once it is ready put the new primitives on screen.
  let settle = 0;
  viewer.clock.onTick.addEventListener(() => {
    if (!viewer.dataSourceDisplay.ready) settle = 5;
    if (settle > 0) { settle -= 1; viewer.scene.requestRender(); }
  });
  viewer.mwSettled = () => viewer.dataSourceDisplay.ready && settle === 0;
  return viewer;
}

/** Country outlines and admin regions (prefectures, provinces) from /v1/geography/outlines;
 * returns a Map from region name to its polygon entities (for shading). */
export async function loadOutlines(viewer) {
  const [countries, regions] = await Promise.all([
    apiJson("/v1/geography/outlines?kind=countries"), apiJson("/v1/geography/outlines?kind=regions")]);
  const style = (color, width) => ({ stroke: C.Color.fromCssColorString(color), fill: C.Color.TRANSPARENT,
    strokeWidth: width });
  const cs = await C.GeoJsonDataSource.load(countries, style("#c9d6e2", 1));
  const rs = await C.GeoJsonDataSource.load(regions, style("#7f93a6", 1));
  cs.name = "countries"; rs.name = "regions";
  await viewer.dataSources.add(cs);
  await viewer.dataSources.add(rs);
  const byName = new Map();
  for (const e of rs.entities.values) {
    const name = e.properties && e.properties.name && e.properties.name.getValue();
    if (!name || !e.polygon) continue;
    if (!byName.has(name)) byName.set(name, []);
    byName.get(name).push(e);
  }
  viewer.scene.requestRender();
  return byName;
}

/** Shade a region (all its polygons) by alert state ("issued", ..., or "none"). */
export function shade(regions, name, state) {
  for (const e of regions.get(name) || []) e.polygon.material = new C.ColorMaterialProperty(COLORS[state] || COLORS.none);
}

export function cart(lat, lon, altKm = 0) { return C.Cartesian3.fromDegrees(lon, lat, altKm * 1000); }
export function julian(iso) { return C.JulianDate.fromIso8601(iso); }
export function toDate(jd) { return C.JulianDate.toDate(jd); }
