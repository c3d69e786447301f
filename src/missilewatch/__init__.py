"""missilewatch: open early warning and analysis of ballistic-missile launches.

Layers (each imports only those below it): earth -> flight -> geography -> sensors ->
scenarios -> tracking -> prediction -> assessment -> alerts -> pipeline/store/archive -> cli.
"""

__version__ = "0.1.0"
