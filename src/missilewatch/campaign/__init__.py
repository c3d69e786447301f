"""Campaigns: thousands of simulated launches through the whole watch, on Dask (local or a cluster).

A study file defines the space (sites, targets, flights, launch times, salvos, sensor networks,
policies, seeds per cell); :func:`run_campaign` runs it in chunks with Parquet per chunk and
resume; :func:`write_report` turns one or two campaign directories into HTML, PNG and Parquet.
"""

from missilewatch.campaign.runs import SCHEMAS, load_tables, run_campaign
from missilewatch.campaign.sampling import RunSpec, expand, sample
from missilewatch.campaign.study import StudySpec, builtin_studies, load_study, parse_study

__all__ = ["SCHEMAS", "RunSpec", "StudySpec", "builtin_studies", "expand", "load_study", "load_tables",
           "parse_study", "run_campaign", "sample"]
