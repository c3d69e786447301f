"""Write ``src/missilewatch/service/data/watch_warmup.json``: the first records of the simulated
2022-10-04 flight (the scenario's own seed), through its first impact predictions. The watch
process runs them through a throwaway watch before it takes the service's stream, so the first
real prediction does not pay for loading the kernels (a few hundred milliseconds).

Usage: ``python scripts/make_watch_warmup.py``
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from missilewatch.service.feed import measurement_dir, read_lines

RECORDS = 70
#: Fields the watch does not read (optional in the format): left out to keep the file small.
DROP = ("schema", "seq", "components", "frame", "epoch_utc", "t_s", "t_report_s", "sensor_type", "truth")
OUT = Path(__file__).resolve().parents[1] / "src" / "missilewatch" / "service" / "data" / "watch_warmup.json"


def main() -> None:
    with tempfile.TemporaryDirectory() as d:
        lines = [json.dumps({k: v for k, v in json.loads(fl.line).items() if k not in DROP}, separators=(",", ":"))
                 for fl in read_lines(measurement_dir("2022-10-04", workdir=Path(d)))[:RECORDS]]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"source": "2022-10-04 simulated (scenario seed), first records", "lines": lines},
                              indent=0) + "\n")
    print(f"{OUT}: {len(lines)} records")


if __name__ == "__main__":
    main()
