"""Run every benchmark (benchmarks/bench_*.py, each with ``run() -> list[dict]``) and print one
JSON line per result: name, ours, peer, unit, ratio (times faster than the peer), and extras."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    here = Path(__file__).resolve().parent
    wanted = set(argv)
    failed = 0
    for path in sorted(here.glob("bench_*.py")):
        if wanted and path.stem not in wanted and path.stem.removeprefix("bench_") not in wanted:
            continue
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        try:
            for result in module.run():
                print(json.dumps(result), flush=True)
        except Exception as exc:  # one broken benchmark must not hide the others
            failed += 1
            print(json.dumps({"name": path.stem, "error": f"{type(exc).__name__}: {exc}"}), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
