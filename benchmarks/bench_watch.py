"""The whole watch, end to end: measurements/s through tracker, impact prediction, assessment
and alerts, on the simulated 2022-10-04 flight (all ten sensors of the catalogue) and on the
salvo of eight SRBMs (radar false alarms included); and the peak memory of a `replay`.

Ours and the peer run the same script on the same seeded streams in the same run: the peer is
the watch as it was before the fast-watch work (``benchmarks/previous.py``), ``ratio`` is its
time over ours. Timed: a fresh ``Watch`` fed every item (ingest, then the predictions due),
then ``finish``; not the simulation, not the summary against the truth. One warm-up run
compiles the kernels first. Target (issue 9): 5,000 measurements/s. Wall time is the figure;
the CPU time of the same runs is reported too (``ours_per_cpu_s``, ``ratio_cpu``), as other
processes share the machine.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from previous import run_previous, run_with_src

SCENARIOS = ("2022-10-04", "salvo-srbm-8")

TIMING = textwrap.dedent('''
    import json, statistics, time
    from missilewatch.pipeline.source import load_input
    from missilewatch.pipeline.watch import Watch

    def feed(inp):
        w = Watch(inp.epoch)
        step = getattr(w, "step", w.ingest)  # the previous watch predicted inside ingest
        for item in inp.items:
            step(item)
        w.finish()
        return w

    out = {}
    for name in NAMES:
        inp = load_input(name)
        feed(inp)  # compile and warm the caches
        times, cpu = [], []
        for _ in range(REPEATS):
            t0, c0 = time.perf_counter(), time.process_time()
            w = feed(inp)
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        out[name] = {"s": statistics.median(times), "cpu_s": statistics.median(cpu), "items": len(inp.items),
                     "alerts": len(w.alerts.messages()),
                     "confirmed": sum(log.confirmed_t_s is not None for log in w.tracks.values())}
    print(json.dumps(out))
''')

# The peak is this process's own VmHWM: Linux keeps ru_maxrss across exec, so a replay started
# from a big parent (this bench after the campaign's) would report the parent's peak.
MEMORY = textwrap.dedent('''
    import json, resource, sys
    from missilewatch.pipeline.replay import replay
    from missilewatch.pipeline.source import load_input
    replay(load_input("2022-10-04"))
    try:
        with open("/proc/self/status") as fh:
            kb = next(float(line.split()[1]) for line in fh if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"maxrss_mb": kb / 1024}))
''')


def _script(body: str, repeats: int = 3) -> str:
    return f"NAMES = {SCENARIOS!r}\nREPEATS = {repeats}\n" + body


def _ours(code: str) -> dict:
    """The same script with this checkout's package, in a subprocess like the peer's."""
    return run_with_src(code, Path(__file__).resolve().parents[1] / "src")


def run() -> list[dict]:
    ours = _ours(_script(TIMING))
    peer = run_previous(_script(TIMING, repeats=1))
    rows = []
    for name in SCENARIOS:
        o = ours[name]
        p = (peer or {}).get(name)
        rows.append({
            "name": f"watch_end_to_end_{name}",
            "ours": o["items"] / o["s"],
            "peer": p["items"] / p["s"] if p else None,
            "unit": "measurements/s",
            "ratio": p["s"] / o["s"] if p else None,
            "peer_name": "the watch before the fast-watch work (same stream, same run)",
            "items": o["items"], "ours_s": o["s"], "peer_s": p["s"] if p else None,
            "ours_cpu_s": o["cpu_s"], "peer_cpu_s": p["cpu_s"] if p else None,
            "ours_per_cpu_s": o["items"] / o["cpu_s"], "ratio_cpu": p["cpu_s"] / o["cpu_s"] if p else None,
            "alerts": o["alerts"], "peer_alerts": p["alerts"] if p else None,
            "confirmed_tracks": o["confirmed"], "peer_confirmed_tracks": p["confirmed"] if p else None,
            "target": 5000,
        })
    mem_o, mem_p = _ours(MEMORY), run_previous(MEMORY)
    rows.append({
        "name": "replay_peak_memory_2022-10-04",
        "ours": mem_o["maxrss_mb"], "peer": mem_p["maxrss_mb"] if mem_p else None, "unit": "MB (peak RSS)",
        "ratio": mem_p["maxrss_mb"] / mem_o["maxrss_mb"] if mem_p else None,
        "peer_name": "the replay before the fast-watch work", "target": 400,
    })
    return rows


if __name__ == "__main__":
    for row in run():
        print(json.dumps(row))
