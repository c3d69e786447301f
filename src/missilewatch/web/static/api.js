// The project's own API and nothing else: a token kept in this tab's sessionStorage (taken from
// the login form, or from the address's #token=... fragment, which browsers never send to a
// server and which is removed from the address at once), REST with Authorization headers, and
// the numbered event stream over a WebSocket opened with a single-use ticket offered as
// subprotocol (no secret in any URL). The stream reconnects by itself and resumes after the
// last event number it saw.
import { t } from "./i18n.js";

const KEY = "mw.token";

export function takeTokenFromFragment() {
  const m = location.hash.match(/(?:^#|&)token=([^&]+)/);
  if (m) {
    sessionStorage.setItem(KEY, decodeURIComponent(m[1]));
    history.replaceState(null, "", location.pathname + location.search);
  }
}

export function token() { return sessionStorage.getItem(KEY); }
export function signOut() { sessionStorage.removeItem(KEY); location.reload(); }

let loginWaiters = [];

/** Show the sign-in form; resolves once a token is entered. */
export function login(message = "") {
  let el = document.getElementById("login");
  if (!el) {
    el = document.createElement("div");
    el.id = "login";
    el.className = "overlay";
    el.innerHTML = `<form><b data-t="login">${t("login")}</b>
      <label><div class="muted">${t("tokenPrompt")}</div><input name="token" type="password" autocomplete="off"></label>
      <div class="error"></div><button type="submit">${t("signIn")}</button></form>`;
    document.body.appendChild(el);
    el.querySelector("form").addEventListener("submit", (e) => {
      e.preventDefault();
      const v = el.querySelector("input").value.trim();
      if (!v) return;
      sessionStorage.setItem(KEY, v);
      el.classList.add("hidden");
      const w = loginWaiters; loginWaiters = [];
      w.forEach((fn) => fn(v));
    });
  }
  el.querySelector(".error").textContent = message;
  el.classList.remove("hidden");
  return new Promise((resolve) => loginWaiters.push(resolve));
}

/** fetch() on the API with the token; asks to sign in again on 401. */
export async function api(path, opts = {}) {
  for (;;) {
    if (!token()) await login();
    const r = await fetch(path, { ...opts, headers: { ...(opts.headers || {}), Authorization: `Bearer ${token()}` } });
    if (r.status === 401) {
      sessionStorage.removeItem(KEY);
      const body = await r.json().catch(() => ({}));
      await login(body.error || "401");
      continue;
    }
    if (!r.ok) {
      const body = await r.json().catch(() => ({}));
      throw new Error(`${path}: ${r.status} ${body.error || ""}`);
    }
    return r;
  }
}

export async function apiJson(path, opts) { return (await api(path, opts)).json(); }

/** Save an API answer as a file (links cannot carry the Authorization header). */
export async function download(path, filename) {
  const blob = await (await api(path)).blob();
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
}

/** Open an API answer (CAP XML, a text) in a new tab. */
export async function openBlob(path) {
  const blob = await (await api(path)).blob();
  window.open(URL.createObjectURL(blob), "_blank");
}

/** The live event stream: onEvent(ev) for every event (a snapshot first when starting from
 * nothing), onState("open" | "lost") as the connection comes and goes. */
export class EventLink {
  constructor(onEvent, onState) {
    this.onEvent = onEvent;
    this.onState = onState;
    this.last = null;
    this.retry = 0;
    this.ws = null;
    this.stopped = false;
  }

  async connect() {
    if (this.stopped) return;
    let ticket;
    try {
      ticket = (await apiJson("/v1/tickets", { method: "POST" })).ticket;
    } catch (err) {
      this.lost();
      return;
    }
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const q = this.last === null ? "" : `?last_event_id=${this.last}`;
    const ws = new WebSocket(`${proto}//${location.host}/v1/events${q}`, ["missilewatch.v1", `ticket.${ticket}`]);
    this.ws = ws;
    ws.onopen = () => { this.retry = 0; this.onState("open"); };
    ws.onmessage = (m) => {
      const ev = JSON.parse(m.data);
      if (ev.kind === "keepalive") return;
      this.last = ev.number;
      this.onEvent(ev);
    };
    ws.onclose = () => { if (this.ws === ws) this.lost(); };
  }

  lost() {
    this.onState("lost");
    this.ws = null;
    const wait = Math.min(500 * 2 ** this.retry, 5000);
    this.retry += 1;
    setTimeout(() => this.connect(), wait);
  }

  /** For tests and operators: drop the connection (it comes back by itself). */
  drop() { if (this.ws) this.ws.close(); }
}
