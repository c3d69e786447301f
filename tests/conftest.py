"""Suite-wide set-up: the independent references the tests check against (closed-form Kepler
arcs, SciPy-integrated flights) live in ``tests/references``, outside the package."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "references"))
