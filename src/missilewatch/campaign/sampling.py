"""From a study to its runs, and from one run to the scenario that is simulated.

The runs are the product of the study's dimensions (site x target x flight x launch time x
salvo size x network x policy) times ``seeds_per_cell``, in that fixed order, so run ``i`` is
the same run whoever computes it.

Seeds are paired: the runs that differ only in network or policy form a pairing group (``pair``)
and share one ``numpy.random.SeedSequence``, ``SeedSequence(seed).spawn(n_pairs)[pair]``, from
which the simulation seed and the aim scatter are drawn. So a run's draws depend on nothing but
the study and the run (not on workers or chunks), and two networks or two policies are compared
on the same flights with the same noise (common random numbers: the simulator draws each
sensor's noise from the seed and the sensor's name, so unchanged sensors see exactly the same).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import asdict, dataclass
from functools import lru_cache

import numpy as np
from pyproj import Geod

from missilewatch.campaign.study import PREFECTURE_COUNTRY, NetworkSpec, StudySpec, network_sensors
from missilewatch.errors import InputError

GEOD = Geod(ellps="WGS84")


@dataclass(frozen=True)
class Target:
    """Where a launch goes: a bearing (deg) or an aim point (deg)."""

    label: str
    kind: str  # bearing, prefecture, point
    bearing_deg: float | None = None
    lat_deg: float | None = None
    lon_deg: float | None = None


@dataclass(frozen=True)
class RunSpec:
    """One run of a campaign (JSON-ready fields; indices into the study's lists)."""

    run: int
    cell: int
    seed_index: int
    pair: int
    site: str
    target: str
    target_kind: str
    bearing_deg: float | None
    aim_lat_deg: float | None
    aim_lon_deg: float | None
    flight: str
    launch_time: str
    salvo: int
    network: str
    policy: str

    def to_dict(self) -> dict:
        return asdict(self)


@lru_cache(maxsize=1)
def prefecture_points() -> dict[str, tuple[float, float]]:
    """A point inside each of Japan's prefectures (lat_deg, lon_deg): the representative point of
    its largest part (the main island, not an outlying one)."""
    from missilewatch.geography.regions import all_regions

    out = {}
    for r in all_regions().regions:
        if r.country == PREFECTURE_COUNTRY and r.name:
            parts = getattr(r.geometry, "geoms", [r.geometry])
            p = max(parts, key=lambda g: g.area).representative_point()
            out[r.name] = (float(p.y), float(p.x))
    return out


def targets(study: StudySpec) -> list[Target]:
    """The study's targets in file order: bearings, prefectures, points."""
    t = study.targets
    out = [Target(f"bearing-{b:g}", "bearing", bearing_deg=float(b)) for b in t.bearings_deg]
    pts = prefecture_points()
    names = sorted(pts) if t.prefectures == "all" else list(t.prefectures)
    out += [Target(n, "prefecture", lat_deg=pts[n][0], lon_deg=pts[n][1]) for n in names]
    out += [Target(p.name, "point", lat_deg=p.lat_deg, lon_deg=p.lon_deg) for p in t.points]
    return out


def expand(study: StudySpec) -> list[RunSpec]:
    """Every run of the study, in its fixed order."""
    outer = itertools.product(study.sites, targets(study), study.flights, study.launch_times, study.salvo_sizes)
    runs: list[RunSpec] = []
    cell = 0
    for g, (site, tgt, flight, when, salvo) in enumerate(outer):
        for net, pol in itertools.product(study.networks, study.policies):
            for k in range(study.seeds_per_cell):
                runs.append(RunSpec(len(runs), cell, k, g * study.seeds_per_cell + k, site, tgt.label, tgt.kind,
                                    tgt.bearing_deg, tgt.lat_deg, tgt.lon_deg, flight.name, when.isoformat(), salvo,
                                    net.name, pol.name))
            cell += 1
    return runs


def sample(runs: list[RunSpec], n: int | None) -> list[RunSpec]:
    """About ``n`` runs spread evenly over the study (all when n is None or larger): whole pairing
    groups, so every network and policy runs the same sampled flights."""
    if n is None or n >= len(runs):
        return runs
    if n < 1:
        raise InputError("--sample", n, "must be at least 1")
    pairs = sorted({r.pair for r in runs})
    per_pair = len(runs) // len(pairs)
    k = max(1, round(n / per_pair))
    chosen = {pairs[i] for i in np.unique(np.linspace(0, len(pairs) - 1, k).round().astype(int))}
    return [r for r in runs if r.pair in chosen]


def pair_seed(seed: int, pair: int) -> np.random.SeedSequence:
    """The SeedSequence of a pairing group: ``SeedSequence(seed).spawn(n)[pair]`` for any n > pair."""
    return np.random.SeedSequence(seed, spawn_key=(pair,))


def run_seed(ss: np.random.SeedSequence) -> int:
    """The simulation seed (0 <= seed < 2**63) of a run's SeedSequence."""
    return int(ss.generate_state(1, np.uint64)[0] >> np.uint64(1))


def _apogee_km(flight, range_km: float) -> float:
    from missilewatch.flight.capability import minimum_energy_apogee_km

    if flight.apogee_km is not None:
        return float(flight.apogee_km)
    base = minimum_energy_apogee_km(range_km)
    return base if flight.trajectory == "standard" else flight.loft_factor * base


def launch_azimuth_deg(run: RunSpec, data: dict) -> float:
    """Bearing (deg from north) from the site to the first missile's aim point, or the run's bearing."""
    if run.bearing_deg is not None:
        return run.bearing_deg
    from missilewatch.flight.sites import resolve_site

    _, lat0, lon0 = resolve_site(run.site, "site")
    imp = data["launches"][0]["impact"]
    return round(float(GEOD.inv(lon0, lat0, imp["lon_deg"], imp["lat_deg"])[0]) % 360.0, 3)


def scenario_data(study: StudySpec, run: RunSpec, seed: int, rng: np.random.Generator) -> dict:
    """The scenario (as a scenario-file mapping) of one run: the salvo's launches and the network.

    A bearing target flies the flight's ``range_km``; an aim point is scattered by
    ``targets.aim_sigma_km`` (circular normal, per missile) and the range is the distance to it.
    """
    from missilewatch.flight.sites import resolve_site

    flight = next(f for f in study.flights if f.name == run.flight)
    net: NetworkSpec = next(n for n in study.networks if n.name == run.network)
    _, lat0, lon0 = resolve_site(run.site, "site")
    launches = []
    for j in range(run.salvo):
        la: dict = {"id": f"L{j + 1}", "site": run.site, "t_s": round(j * study.salvo_interval_s, 3),
                    "range_class": flight.range_class}
        if run.bearing_deg is not None:
            if flight.range_km is None:
                raise InputError(f"flights.{flight.name}.range_km", None, "required with a bearing target")
            la.update(azimuth_deg=run.bearing_deg, range_km=flight.range_km,
                      apogee_km=round(_apogee_km(flight, flight.range_km), 3))
        else:
            if run.aim_lat_deg is None or run.aim_lon_deg is None:
                raise InputError("target", run.target, "has neither a bearing nor an aim point")
            lat, lon = run.aim_lat_deg, run.aim_lon_deg
            sigma = study.targets.aim_sigma_km
            if sigma > 0:
                dx, dy = rng.normal(0.0, sigma * 1e3, 2)
                lon, lat, _ = GEOD.fwd(lon, lat, math.degrees(math.atan2(dx, dy)), math.hypot(dx, dy))
            range_km = float(GEOD.inv(lon0, lat0, lon, lat)[2]) / 1e3
            la.update(impact={"lat_deg": round(float(lat), 5), "lon_deg": round(float(lon), 5)},
                      apogee_km=round(_apogee_km(flight, range_km), 3))
        launches.append(la)
    return {
        "name": f"{study.name}-run{run.run}",
        "epoch": run.launch_time,
        "seed": seed,
        "launches": launches,
        "sensors": network_sensors(net),
    }
