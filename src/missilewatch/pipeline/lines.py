"""Records of a measurement stream read as bytes, one at a time, in flat memory.

Only ``\\n`` ends a record (never U+2028, U+0085 or a lone ``\\r``, which may sit inside a JSON
string); a UTF-8 byte-order mark before the first record is dropped; a record that is not
UTF-8 or longer than :data:`MAX_RECORD_BYTES` is reported as a problem for that record alone;
blank records are skipped. Nothing is read whole into memory.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

#: The longest record taken (bytes, without its ``\n``); a measurement line is about 1 KB.
MAX_RECORD_BYTES = 64 * 1024
BOM = b"\xef\xbb\xbf"
_CHUNK = 1 << 16


@dataclass(frozen=True)
class RawRecord:
    """One record: its 1-based line number, its text (None when unreadable) and the problem."""

    lineno: int
    text: str | None
    problem: str | None = None
    field: str = "line"


def printable(data: bytes | str, limit: int = 200) -> str:
    """A short, printable rendering of bytes or text for an error message (never raw binary)."""
    if isinstance(data, bytes):
        data = data[: limit * 4].decode("utf-8", errors="backslashreplace")
    out = "".join(c if c.isprintable() else repr(c)[1:-1] for c in data[:limit])
    return out + ("..." if len(data) > limit else "")


def _decode(lineno: int, data: bytes) -> RawRecord:
    try:
        return RawRecord(lineno, data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        bad = data[exc.start:exc.start + 4]
        return RawRecord(lineno, None, f"bytes {printable(bad)} at offset {exc.start} are not UTF-8",
                         field="encoding")


def iter_records(path: Path | str) -> Iterator[RawRecord]:
    """Every non-blank record of a file, in order, with its problem if it cannot be read."""
    with open(path, "rb") as fh:
        lineno = 0
        while True:
            chunk = fh.readline(MAX_RECORD_BYTES + 2)
            if not chunk:
                return
            lineno += 1
            if lineno == 1 and chunk.startswith(BOM):
                chunk = chunk[len(BOM):]
            if not chunk.endswith(b"\n") and len(chunk) > MAX_RECORD_BYTES:
                size = len(chunk)
                while chunk and not chunk.endswith(b"\n"):
                    chunk = fh.readline(_CHUNK)
                    size += len(chunk)
                yield RawRecord(lineno, None, f"record of {size:,} bytes is longer than the "
                                f"{MAX_RECORD_BYTES:,} bytes allowed", field="line")
                continue
            body = chunk.rstrip(b"\n")
            if len(body) > MAX_RECORD_BYTES:
                yield RawRecord(lineno, None, f"record of {len(body):,} bytes is longer than the "
                                f"{MAX_RECORD_BYTES:,} bytes allowed", field="line")
                continue
            if not body.strip():
                continue
            yield _decode(lineno, body)


def count_records(path: Path | str) -> int:
    """Number of non-blank records (a pass over the file in fixed-size chunks)."""
    return sum(1 for _ in iter_records(path))


def _string_values(path: Path | str, key: str) -> Iterator[str]:
    """The string ``key`` of every readable record that has one, in file order."""
    for rec in iter_records(path):
        if rec.text is None:
            continue
        try:
            value = json.loads(rec.text)
        except ValueError:
            continue
        if isinstance(value, dict) and isinstance(value.get(key), str):
            yield value[key]


def first_epoch_text(path: Path | str) -> str | None:
    """``epoch_utc`` of the first record that has one (stops there), else None."""
    return next(_string_values(path, "epoch_utc"), None)


def time_texts(path: Path | str) -> Iterator[str]:
    """``time_utc`` of every readable record (for an epoch when no record names one)."""
    return _string_values(path, "time_utc")
