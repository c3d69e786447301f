// Drawing a picture (picture.js) on a globe and in the side panels: used by the live console
// and by the replay, so both show the same thing.
import { colorSensor, drawTrack, prune } from "./draw.js";
import { shade } from "./globe.js";
import { applyStatic } from "./i18n.js";
import { alertCard, banners, sensorList, trackCard } from "./panels.js";

export class PictureView {
  /** ``els``: {tracks, alerts, sensors, banners, side} elements (sensors and banners optional). */
  constructor(viewer, els) {
    this.viewer = viewer;
    this.els = els;
    this.regions = new Map();   // region name -> polygon entities
    this.shaded = new Map();    // region name -> state drawn
    this.catalogue = [];
  }

  render(picture, nowMs, connection = "open") {
    const viewer = this.viewer;
    prune(viewer, new Set(picture.tracks.keys()));
    for (const tr of picture.tracks.values()) drawTrack(viewer, tr);
    const states = picture.regionStates();
    for (const name of new Set([...this.shaded.keys(), ...states.keys()])) {
      const st = states.get(name) || "none";
      if (this.shaded.get(name) !== st) { shade(this.regions, name, st); this.shaded.set(name, st); }
    }
    for (const s of this.catalogue) colorSensor(viewer, s.id, (picture.sensors.get(s.id) || {}).state);
    const tracks = [...picture.tracks.values()].filter((tr) => tr.confirmed_utc || tr.prediction || tr.last.launch_detected);
    this.els.tracks.innerHTML = tracks.map((tr) => trackCard(tr, nowMs)).join("") || `<div class="muted" data-t="noTracks"></div>`;
    const launches = [...picture.launches()].reverse();
    this.els.alerts.innerHTML = launches.map(([id, msgs]) => alertCard(id, msgs)).join("") || `<div class="muted" data-t="noAlerts"></div>`;
    if (this.els.sensors) this.els.sensors.innerHTML = sensorList(this.catalogue, picture);
    if (this.els.banners) banners(this.els.banners, picture, connection);
    applyStatic(this.els.side);
    viewer.scene.requestRender();
  }
}
