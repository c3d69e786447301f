"""The report reader on 5 MB of text, against the previous reader, in the same run.

Corpus: the bodies of the evaluation reports (tests/data/reports, English and Japanese)
repeated up to the size, each copy's numbers shifted so that no sentence repeats (no cache can
help). Ours: ``missilewatch.archive.reader.extract_report`` on 1 MB and 5 MB, CPU time
(``time.process_time``: this machine is shared, so the wall time is given beside it); the
growth from 1 MB to 5 MB is 5 for a linear reader. Target: 5 MB in under 10 s.

Peer: the reader it replaces (``archive/reports.py`` at commit d8bbaa0, taken from git), on
100 kB and 200 kB; its 5 MB time is extrapolated from its own growth per doubling, and
measured at 200 kB against ours at 200 kB. Two shapes of text: paragraphs (one per line, as
the reports come) and the same text without line breaks (one paragraph of 5 MB), where a
reader that looks back over its paragraph grows with the square of the size.
"""

from __future__ import annotations

import importlib.util
import math
import re
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPORTS = ROOT / "tests" / "data" / "reports"
PREVIOUS = "d8bbaa0"
TODAY = date(2026, 1, 1)


def corpus(size: int) -> str:
    """``size`` bytes (UTF-8) of report text with no sentence repeated."""
    bodies = [p.read_text(encoding="utf-8").split("\n\n", 1)[1] for p in sorted(REPORTS.glob("*.txt"))]
    unit = "\n\n".join(bodies)
    parts, n, i = [], 0, 0
    while n < size:
        part = re.sub(r"\d+", lambda m, i=i: str(int(m.group(0)) + i % 97), unit)
        parts.append(part)
        n += len(part.encode())
        i += 1
    return "\n\n".join(parts).encode()[:size].decode("utf-8", "ignore")


def _cpu(fn, text: str) -> tuple[float, float]:
    t0, w0 = time.process_time(), time.perf_counter()
    fn(text, today=TODAY)
    return time.process_time() - t0, time.perf_counter() - w0


def _previous_reader():
    """``extract_report`` of the previous reader, loaded from git (None when git cannot give it)."""
    try:
        src = subprocess.run(["git", "show", f"{PREVIOUS}:src/missilewatch/archive/reports.py"], cwd=ROOT,
                             capture_output=True, text=True, check=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    path = Path(tempfile.mkdtemp()) / "previous_reports.py"
    path.write_text(src, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("previous_reports", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["previous_reports"] = module
    spec.loader.exec_module(module)
    return module.extract_report


def _case(name: str, extract_report, previous, shape) -> list[dict]:
    """Ours on 1 MB and 5 MB, the previous reader on 100 and 200 kB, of one corpus shape."""
    ours_200k = _cpu(extract_report, shape(corpus(200_000)))
    ours_1m = _cpu(extract_report, shape(corpus(1_000_000)))
    ours_5m = _cpu(extract_report, shape(corpus(5_000_000)))
    out = []
    peer_5m = growth_peer = None
    if previous is not None:
        peer_100k = _cpu(previous, shape(corpus(100_000)))
        peer_200k = _cpu(previous, shape(corpus(200_000)))
        growth_peer = peer_200k[0] / peer_100k[0]
        # The peer's 5 MB time at its own measured growth per doubling (5 MB = 200 kB x 2^4.64).
        peer_5m = peer_200k[0] * growth_peer ** math.log2(25)
        out.append({"name": f"{name}_200kB", "ours": round(ours_200k[0], 3), "peer": round(peer_200k[0], 3),
                    "unit": "s CPU", "ratio": round(peer_200k[0] / ours_200k[0], 2),
                    "peer_name": f"previous reader ({PREVIOUS})"})
    out.append({"name": f"{name}_5MB", "ours": round(ours_5m[0], 3),
                "peer": round(peer_5m, 1) if peer_5m else None, "unit": "s CPU",
                "ratio": round(peer_5m / ours_5m[0], 2) if peer_5m else None,
                "peer_name": f"previous reader ({PREVIOUS}), extrapolated from 100 and 200 kB",
                "wall_s": round(ours_5m[1], 3), "target_s": 10.0, "under_target": ours_5m[0] < 10.0,
                "growth_1MB_to_5MB": round(ours_5m[0] / ours_1m[0], 2),
                "peer_growth_per_doubling": round(growth_peer, 2) if growth_peer else None})
    return out


def run() -> list[dict]:
    from missilewatch.archive.reader import extract_report

    extract_report(corpus(20_000), today=TODAY)  # warm-up: imports, compiled patterns
    previous = _previous_reader()
    return [*_case("report_reader", extract_report, previous, lambda t: t),
            # The same text without line breaks (as pasted from a web page): one long paragraph.
            *_case("report_reader_one_paragraph", extract_report, previous, lambda t: t.replace("\n", " "))]


if __name__ == "__main__":
    import json

    for r in run():
        print(json.dumps(r))
