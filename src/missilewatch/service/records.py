"""Request bodies of measurements: a JSON array or JSON Lines, one record id per record."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import msgspec

_DECODER = msgspec.json.Decoder()


@dataclass(frozen=True)
class BodyLine:
    """One record of a body: its JSON line (as received for JSON Lines, compact for an array)
    and id, or why it cannot be read."""

    index: int
    line: str | None
    record_id: str | None
    error: str | None = None


def record_id(obj: dict) -> str:
    """The record's id: SHA-256 of its canonical JSON (sorted keys, no spaces), 32 hex digits.
    The same record sent twice has the same id, whatever its key order or spacing."""
    canon = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canon.encode()).hexdigest()[:32]


def _loads(text: str) -> Any:
    """``json.loads``, faster: msgspec decodes what it can, and json does the rest and names the
    fault. Where msgspec decodes a text at all, it makes the same object as json (tested on
    every record of a raid and on the edge cases where they differ: NaN, overflowing numbers,
    lone surrogates, which msgspec refuses); so record ids and messages stay as they were."""
    try:
        return _DECODER.decode(text)
    except msgspec.DecodeError:
        return json.loads(text)


def _line(index: int, obj: object, text: str | None = None) -> BodyLine:
    """``text``: the record's own line (JSON Lines), kept verbatim; a record of an array is
    written as compact JSON."""
    if not isinstance(obj, dict):
        return BodyLine(index, None, None, f"record {index}: must be a JSON object, got {type(obj).__name__}")
    line = text if text is not None else json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    return BodyLine(index, line, record_id(obj))


def split_body(body: bytes) -> list[BodyLine]:
    """A JSON array of objects, or JSON Lines (one object per non-blank line).

    A line of JSON Lines that is not JSON is one rejected record (naming the line); a body
    that is a broken JSON array raises ``ValueError`` naming the position."""
    text = body.decode("utf-8")  # UnicodeDecodeError is a ValueError: the caller names it
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            items = _loads(stripped)
        except json.JSONDecodeError as exc:
            raise ValueError(f"body: not a JSON array ({exc.msg} at line {exc.lineno} column {exc.colno})") from exc
        if not isinstance(items, list):
            raise ValueError("body: expected a JSON array of records")
        return [_line(i, obj) for i, obj in enumerate(items)]
    out = []
    for i, raw in enumerate(ln for ln in text.splitlines() if ln.strip()):
        try:
            obj = _loads(raw)
        except json.JSONDecodeError as exc:
            out.append(BodyLine(i, None, None, f"record {i}: not JSON ({exc.msg} at column {exc.colno})"))
            continue
        out.append(_line(i, obj, raw.strip()))
    return out
