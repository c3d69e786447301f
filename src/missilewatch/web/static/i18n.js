// English and Japanese interface texts; the choice is kept in localStorage.
const TEXTS = {
  en: {
    console: "Live console", replay: "Replay", archive: "Archive", tracks: "Tracks", alerts: "Alerts",
    sensors: "Sensors", noTracks: "No track", noAlerts: "No alert", rangeClass: "Range class",
    trajectory: "Trajectory", apogee: "Apogee", impactIn: "Impact in", impactAt: "Impact at",
    zone: "Zone of impact", threat: "Threat of damage", intercept: "Intercept recommended",
    reasons: "Reasons", overflown: "Over", yes: "yes", no: "no", provisional: "provisional",
    staleSensor: "Sensor stale", since: "since", lastMeasured: "last measured", lost: "Connection to the server lost; reconnecting",
    resumed: "Reconnected", cap: "CAP XML", history: "History", login: "Sign in",
    tokenPrompt: "Token or API key (operator or analyst)", signIn: "Sign in", signOut: "Sign out",
    impacted: "impacted", ended: "ended", live: "live", footprint: "95% footprint",
    fresh: "reporting", stale: "stale", idle: "not reporting", issued: "issued", updated: "updated",
    cancelled: "cancelled", closed: "closed / passed", speed: "Speed", play: "Play", pause: "Pause",
    load: "Load", truth: "Truth", estimate: "Track", year: "Year", type: "Type", site: "Site", all: "all",
    launches: "Launches", downloads: "Downloads", figures: "Figures", sources: "Sources",
    disagreements: "Disagreements", evidence: "Evidence", plots: "Plots", source: "Source", value: "Value",
    flight: "Reconstructed flight", none: "none",
  },
  ja: {
    console: "監視画面", replay: "再生", archive: "アーカイブ", tracks: "航跡", alerts: "警報",
    sensors: "センサー", noTracks: "航跡なし", noAlerts: "警報なし", rangeClass: "射程区分",
    trajectory: "軌道", apogee: "最高高度", impactIn: "落下まで", impactAt: "落下予測時刻",
    zone: "落下区域", threat: "被害のおそれ", intercept: "迎撃推奨",
    reasons: "理由", overflown: "上空通過", yes: "あり", no: "なし", provisional: "暫定",
    staleSensor: "センサー途絶", since: "から", lastMeasured: "最終観測", lost: "サーバーとの接続が切れました。再接続中",
    resumed: "再接続しました", cap: "CAP XML", history: "履歴", login: "ログイン",
    tokenPrompt: "トークンまたはAPIキー（運用者・分析者）", signIn: "ログイン", signOut: "ログアウト",
    impacted: "落下", ended: "終了", live: "追尾中", footprint: "95%落下範囲",
    fresh: "受信中", stale: "途絶", idle: "未受信", issued: "発令", updated: "更新",
    cancelled: "解除", closed: "終了・通過", speed: "速度", play: "再生", pause: "一時停止",
    load: "読込", truth: "真値", estimate: "推定航跡", year: "年", type: "種別", site: "発射地点", all: "すべて",
    launches: "発射一覧", downloads: "ダウンロード", figures: "諸元", sources: "出典",
    disagreements: "出典間の相違", evidence: "根拠", plots: "図", source: "出典", value: "値",
    flight: "再構成した飛翔", none: "なし",
  },
};

let current = localStorage.getItem("mw.lang") === "ja" ? "ja" : "en";
const listeners = [];

export function t(key) { return (TEXTS[current] && TEXTS[current][key]) || TEXTS.en[key] || key; }
export function lang() { return current; }
export function onLang(fn) { listeners.push(fn); }

export function setLang(code) {
  current = code === "ja" ? "ja" : "en";
  localStorage.setItem("mw.lang", current);
  document.documentElement.lang = current;
  applyStatic();
  listeners.forEach((fn) => fn(current));
}

/** Fill every element with a data-t attribute with its text in the current language. */
export function applyStatic(root = document) {
  root.querySelectorAll("[data-t]").forEach((el) => { el.textContent = t(el.dataset.t); });
}

/** A button switching EN/JA. */
export function langButton(el) {
  const label = () => { el.textContent = current === "en" ? "日本語" : "English"; };
  el.addEventListener("click", () => { setLang(current === "en" ? "ja" : "en"); label(); });
  label();
  document.documentElement.lang = current;
  applyStatic();
}

const JST = new Intl.DateTimeFormat("en-GB", { timeZone: "Asia/Tokyo", hour: "2-digit", minute: "2-digit",
  second: "2-digit", hourCycle: "h23" });
const UTC = new Intl.DateTimeFormat("en-GB", { timeZone: "UTC", hour: "2-digit", minute: "2-digit",
  second: "2-digit", hourCycle: "h23" });
const DAY = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Tokyo" });

export function jst(date) { return `${JST.format(date)} JST`; }
export function utc(date) { return `${UTC.format(date)} UTC`; }
export function dayJst(date) { return DAY.format(date); }
