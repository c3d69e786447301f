"""Built-in scenarios (``data/*.yaml``): real launches from official figures, a salvo, a failure."""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from missilewatch.errors import InputError
from missilewatch.scenarios.schema import ScenarioSpec, load_scenario_file, parse_scenario_text


def _data() -> Traversable:
    return resources.files("missilewatch.scenarios").joinpath("data")


def builtin_names() -> list[str]:
    """Names of the built-in scenarios, sorted."""
    return sorted(p.name.removesuffix(".yaml") for p in _data().iterdir() if p.name.endswith(".yaml"))


def builtin_text(name: str) -> str:
    """The YAML text of a built-in scenario."""
    if name not in builtin_names():
        raise InputError("scenario", name, f"unknown scenario; built-in: {', '.join(builtin_names())}")
    return _data().joinpath(f"{name}.yaml").read_text(encoding="utf-8")


def builtin(name: str) -> ScenarioSpec:
    """A built-in scenario, validated."""
    return parse_scenario_text(builtin_text(name), f"{name}.yaml")


def load(name_or_path: str | Path) -> ScenarioSpec:
    """A built-in scenario by name, or a scenario file by path (``.yaml``/``.yml``)."""
    text = str(name_or_path)
    if text in builtin_names():
        return builtin(text)
    p = Path(text)
    if p.suffix in (".yaml", ".yml") or p.exists():
        return load_scenario_file(p)
    raise InputError("scenario", text,
                     f"is neither a built-in scenario ({', '.join(builtin_names())}) nor a .yaml file")


def summaries() -> list[dict]:
    """One summary per built-in scenario: name, title, launches, first launch time (UTC)."""
    out = []
    for name in builtin_names():
        s = builtin(name)
        out.append({
            "name": name, "title": s.title, "launches": len(s.launches),
            "epoch_utc": s.epoch_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "sites": sorted({la.site for la in s.launches}),
        })
    return out
