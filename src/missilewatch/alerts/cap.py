"""CAP 1.2 (OASIS Common Alerting Protocol) XML of alert messages: one <info> per language.

Times carry an explicit offset ("-00:00" for UTC, as CAP 1.2 requires instead of "Z");
polygons are closed "lat,lon" pairs (latitude first). Written with xml.etree: the schema is
small and fixed, a dependency would add nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree as ET

from missilewatch.alerts.model import Alert, AlertKind, MsgType
from missilewatch.alerts.text import render_text

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
DEFAULT_SENDER = "missilewatch@missilewatch.invalid"
ALERT_LIFETIME = timedelta(hours=1)
_LANG_TAGS = {"en": "en-US", "ja": "ja-JP"}
_HEADLINES = {
    "en": {"launch": "Missile launch: take shelter", "impact": "Missile may fall: take shelter immediately",
           "passed": "Missile passed", "cancel": "Missile warning withdrawn", "fell": "Missile fell"},
    "ja": {"launch": "ミサイル発射", "impact": "直ちに避難", "passed": "ミサイル通過",
           "cancel": "ミサイル情報の解除", "fell": "ミサイル落下"},
}


def cap_time(dt: datetime) -> str:
    """CAP 1.2 date-time: seconds precision, UTC written as -00:00."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S") + "-00:00"


def cap_polygon(points) -> str:
    """Closed polygon "lat,lon lat,lon ..." (first point repeated at the end)."""
    pts = list(points)
    if pts and pts[0] != pts[-1]:
        pts.append(pts[0])
    return " ".join(f"{lat:.4f},{lon:.4f}" for lat, lon in pts)


def _headline_key(alert: Alert) -> str:
    if alert.msg_type == MsgType.CANCEL:
        return "cancel"
    if alert.passed_regions:
        return "passed"
    if alert.plan.final:
        return "fell"
    if any(r.kind == AlertKind.IMPACT for r in alert.regions):
        return "impact"
    return "launch" if alert.regions else "cancel"


def _sub(parent, tag, text=None):
    el = ET.SubElement(parent, f"{{{CAP_NS}}}{tag}")
    if text is not None:
        el.text = str(text)
    return el


def render_cap(alert: Alert, sender: str = DEFAULT_SENDER, status: str = "Actual") -> str:
    """The CAP 1.2 XML document of one message, as a string with an XML declaration."""
    ET.register_namespace("", CAP_NS)
    root = ET.Element(f"{{{CAP_NS}}}alert")
    _sub(root, "identifier", alert.identifier)
    _sub(root, "sender", sender)
    _sub(root, "sent", cap_time(alert.sent))
    _sub(root, "status", status)
    _sub(root, "msgType", alert.msg_type.value)
    _sub(root, "scope", "Public")
    if alert.references:
        _sub(root, "references", " ".join(f"{sender},{ident},{cap_time(sent)}" for ident, sent in alert.references))
    _sub(root, "incidents", alert.launch_id.replace(" ", "_").replace(",", "_"))
    key = _headline_key(alert)
    impact_soon = key == "impact"
    for lang, tag in _LANG_TAGS.items():
        info = _sub(root, "info")
        _sub(info, "language", tag)
        _sub(info, "category", "Security")
        _sub(info, "event", "Ballistic missile" if lang == "en" else "弾道ミサイル")
        _sub(info, "responseType", "AllClear" if key in ("cancel", "passed", "fell") else "Shelter")
        _sub(info, "urgency", "Immediate" if key in ("launch", "impact") else "Past")
        _sub(info, "severity", "Extreme" if impact_soon else "Severe" if key == "launch" else "Minor")
        _sub(info, "certainty", "Likely" if key in ("launch", "impact") else "Observed")
        _sub(info, "onset", cap_time(alert.plan.launch_time))
        _sub(info, "expires", cap_time(alert.sent + ALERT_LIFETIME))
        _sub(info, "senderName", "missilewatch")
        _sub(info, "headline", _HEADLINES[lang][key])
        _sub(info, "description", render_text(alert, lang))
        if key in ("launch", "impact"):
            _sub(info, "instruction", "Take shelter inside a building or underground."
                 if lang == "en" else "建物の中、又は地下に避難して下さい。")
        par = _sub(info, "parameter")
        _sub(par, "valueName", "threatOfDamage")
        _sub(par, "value", "true" if alert.plan.threat_of_damage else "false")
        areas = alert.regions or ()
        for r in areas:
            area = _sub(info, "area")
            _sub(area, "areaDesc", r.region)
            if len(r.polygon) >= 3:
                _sub(area, "polygon", cap_polygon(r.polygon))
            geo = _sub(area, "geocode")
            _sub(geo, "valueName", "ISO3166-1-alpha-3:region")
            _sub(geo, "value", f"{r.country}:{r.region}")
        for name, _why in alert.cancelled_regions if not areas else ():
            area = _sub(info, "area")
            _sub(area, "areaDesc", name)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
