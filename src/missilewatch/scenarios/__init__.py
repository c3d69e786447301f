"""Scenarios: the YAML schema, the built-in library, the simulator and its output files."""

from missilewatch.scenarios.library import builtin, builtin_names, load, summaries
from missilewatch.scenarios.output import FILES, write_outputs
from missilewatch.scenarios.schema import LaunchSpec, ScenarioSpec, load_scenario_file, parse_scenario
from missilewatch.scenarios.simulate import SimulationResult, simulate

__all__ = [
    "FILES",
    "LaunchSpec",
    "ScenarioSpec",
    "SimulationResult",
    "builtin",
    "builtin_names",
    "load",
    "load_scenario_file",
    "parse_scenario",
    "simulate",
    "summaries",
    "write_outputs",
]
