"""missilewatch: open early warning and analysis of ballistic-missile launches.

Layers (each imports only those below it): earth -> flight -> geography -> sensors ->
scenarios -> tracking -> prediction -> assessment -> alerts -> pipeline/store/archive -> cli.
"""

from missilewatch.kernel_cache import configure as _configure_kernel_cache

__version__ = "0.1.0"

_configure_kernel_cache()  # before any module imports Numba
