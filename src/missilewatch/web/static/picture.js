// The live picture in the browser, built from the server's numbered events exactly as the
// server builds its own (service/picture.py): a snapshot replaces everything, each later event
// changes one thing. Plain data; console.js draws it.

export class Picture {
  constructor() { this.reset(); }

  reset() {
    this.number = 0;
    this.session = null;
    this.tracks = new Map();    // id -> {id, state, last, positions: [[t, lat, lon, alt]], prediction, decision, ...}
    this.messages = new Map();  // alert identifier -> message (every one sent: the history)
    this.sensors = new Map();   // id -> {sensor, state, since_utc, last_report_utc}
    this.timeUtc = null;        // latest measurement-time of the picture (ISO)
  }

  track(id) {
    if (!this.tracks.has(id)) {
      this.tracks.set(id, { id, state: "live", last: {}, positions: [], prediction: null, decision: null, events: [] });
    }
    return this.tracks.get(id);
  }

  /** Alert messages fetched from /v1/alerts (the full history), merged by identifier. */
  addMessages(rows) {
    for (const r of rows) {
      if (this.session && r.session !== undefined && r.session !== this.session.id) continue;
      this.messages.set(r.identifier, { ...(this.messages.get(r.identifier) || {}), ...r });
    }
  }

  apply(ev) {
    if (ev.kind === "snapshot") return this.applySnapshot(ev);
    this.number = Math.max(this.number, ev.number);
    const d = ev.data || {};
    if (!ev.kind.startsWith("sensor.") && ev.time_utc && (!this.timeUtc || ev.time_utc > this.timeUtc)) {
      this.timeUtc = ev.time_utc;
    }
    if (ev.kind === "session.opened") {
      this.session = { id: d.session, epoch_utc: d.epoch_utc };
      this.tracks.clear();
      this.messages.clear();
      return;
    }
    if (ev.kind.startsWith("sensor.")) {
      this.sensors.set(d.sensor, { sensor: d.sensor, state: ev.kind.split(".")[1], since_utc: ev.time_utc,
        last_report_utc: d.last_report_utc, last_measured_utc: d.last_measured_utc });
      return;
    }
    if (ev.kind.startsWith("alert.")) {
      this.messages.set(d.identifier, { ...d, event: ev.number, track: ev.track, session: this.session && this.session.id });
    }
    if (!ev.track) return;
    const tr = this.track(ev.track);
    tr.events.push({ number: ev.number, kind: ev.kind, time_utc: ev.time_utc, text: ev.text });
    if (tr.events.length > 100) tr.events.shift();
    if (["track.initiated", "track.updated", "track.confirmed"].includes(ev.kind) && d.t_utc) {
      tr.last = d;
      tr.positions.push([d.t_utc, d.lat_deg, d.lon_deg, d.alt_km]);
      if (ev.kind === "track.confirmed") tr.confirmed_utc = ev.time_utc;
    } else if (ev.kind === "track.deleted") {
      tr.state = "ended";
      tr.end_reason = d.reason || "";
      tr.ended_utc = ev.time_utc;
    } else if (ev.kind === "prediction") {
      tr.prediction = d;
    } else if (ev.kind === "decision") {
      tr.decision = d;
    } else if (ev.kind === "impact") {
      tr.impacted_utc = ev.time_utc;
    }
  }

  applySnapshot(ev) {
    const s = ev.data;
    this.reset();
    this.number = ev.number;
    this.snapshotNumber = ev.number;  // the last event the snapshot covers
    this.session = s.session;
    for (const t of s.tracks || []) {
      this.tracks.set(t.id, { ...t, positions: [...(t.positions || [])], events: [] });
    }
    for (const sn of s.sensors || []) this.sensors.set(sn.sensor, sn);
    for (const a of s.alerts || []) this.messages.set(a.identifier, { ...a, session: this.session && this.session.id });
    for (const h of s.history || []) {
      if (h.kind.startsWith("alert.")) {
        const d = h.data || {};
        this.messages.set(d.identifier, { ...d, event: h.number, track: h.track, session: this.session && this.session.id });
      }
      if (!h.kind.startsWith("sensor.") && h.time_utc && (!this.timeUtc || h.time_utc > this.timeUtc)) this.timeUtc = h.time_utc;
      if (h.track && this.tracks.has(h.track)) this.tracks.get(h.track).events.push(h);
    }
    for (const t of this.tracks.values()) {
      const p = t.positions[t.positions.length - 1];
      if (p && (!this.timeUtc || p[0] > this.timeUtc)) this.timeUtc = p[0];
    }
  }

  /** Alert messages grouped by launch (oldest first within each). */
  launches() {
    const out = new Map();
    const rows = [...this.messages.values()].sort((a, b) => (a.sent_utc < b.sent_utc ? -1 : a.sent_utc > b.sent_utc ? 1 : 0));
    for (const m of rows) {
      if (!out.has(m.launch_id)) out.set(m.launch_id, []);
      out.get(m.launch_id).push(m);
    }
    return out;
  }

  /** Each region's alert state: the latest message that names it decides. */
  regionStates() {
    const st = new Map();
    for (const msgs of this.launches().values()) {
      for (const m of msgs) {
        for (const r of m.regions || []) st.set(r, m.state);
        for (const c of m.cancelled_regions || []) st.set(c[0], "cancelled");
        for (const r of m.passed_regions || []) st.set(r, "passed");
      }
    }
    return st;
  }

  staleSensors() { return [...this.sensors.values()].filter((s) => s.state === "stale"); }
}
