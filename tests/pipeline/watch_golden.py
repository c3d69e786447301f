"""The watch's outcome on a built-in scenario, in the few numbers that must not change when the
watch is made faster or reorganised: tracks, alerts (kind, regions, time), final impact.

Regenerate on purpose only (when a change is meant to alter behaviour) with
``python tests/pipeline/watch_golden.py [NAME ...]`` and say why in the commit.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

GOLDEN = Path(__file__).with_name("data") / "golden_outcomes.json"
SCENARIOS = ("2017-08-29", "2017-09-15", "2017-11-29", "2022-10-04", "2022-11-18", "boost-failure",
             "land-impact-akita", "salvo-srbm-8")


def outcome(name: str) -> dict:
    """The fingerprint of one replay (default seed of the scenario)."""
    from missilewatch.pipeline.replay import replay
    from missilewatch.pipeline.source import load_input

    res = replay(load_input(name))
    s = res.summary
    epoch = res.watch.epoch.timestamp()
    alerts = [{"type": m.msg_type.value, "regions": sorted(m.region_names),
               "cancelled": sorted(n for n, _ in m.cancelled_regions), "passed": sorted(m.passed_regions),
               "final": m.plan.final, "t_s": round(m.sent.timestamp() - epoch, 1)}
              for m in res.watch.alerts.messages()]
    launches = [{"launch_id": d["launch_id"], "tracks": len(d["tracks"]), "confirmed_s": d["confirmed_s"],
                 "first_alert_s": d["first_alert_s"],
                 "final_impact": d.get("final_prediction", {}).get("impact"),
                 "impact_zone": (d.get("assessment") or {}).get("impact_zone")}
                for d in s["launch_details"]]
    return {"tracks_confirmed": s["tracks_confirmed"], "false_tracks": s["false_tracks"],
            "threat_of_damage": s["threat_of_damage"], "alerts": alerts, "launches": launches}


if __name__ == "__main__":
    names = sys.argv[1:] or SCENARIOS
    data = json.loads(GOLDEN.read_text()) if GOLDEN.exists() else {}
    for n in names:
        data[n] = outcome(n)
        print(n, "done", file=sys.stderr)
    GOLDEN.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
