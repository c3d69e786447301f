"""The CAP feed: an Atom 1.0 feed with one entry per alert message, each linking to its CAP 1.2
XML (after the OASIS "CAP feeds" practice: entry id = the CAP identifier, updated = sent,
``link rel="alternate" type="application/cap+xml"``)."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

ATOM_NS = "http://www.w3.org/2005/Atom"
CAP_TYPE = "application/cap+xml"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
    if text is not None:
        el.text = text
    return el


def atom_feed(alerts: list[dict], base_url: str, now: dt.datetime) -> str:
    """``alerts``: dicts with identifier, msg_type, state, sent (datetime), regions, text_en,
    newest first. ``base_url``: the service's address (no trailing slash)."""
    ET.register_namespace("", ATOM_NS)
    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    _sub(feed, "id", f"{base_url}/v1/alerts/feed.atom")
    _sub(feed, "title", "missilewatch: ballistic-missile alerts (CAP 1.2)")
    updated = max((a["sent"] for a in alerts), default=now)
    _sub(feed, "updated", updated.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"))
    author = _sub(feed, "author")
    _sub(author, "name", "missilewatch")
    _sub(feed, "link", rel="self", href=f"{base_url}/v1/alerts/feed.atom", type="application/atom+xml")
    for a in alerts:
        entry = _sub(feed, "entry")
        _sub(entry, "id", f"urn:missilewatch:cap:{a['identifier']}")
        regions = ", ".join(a["regions"]) or "-"
        _sub(entry, "title", f"{a['msg_type']} ({a['state']}): {regions}")
        sent = a["sent"].astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
        _sub(entry, "updated", sent)
        _sub(entry, "published", sent)
        _sub(entry, "summary", a["text_en"])
        _sub(entry, "link", rel="alternate", type=CAP_TYPE, href=f"{base_url}/v1/alerts/{a['identifier']}.xml")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(feed, encoding="unicode")
