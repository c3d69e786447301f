# Two commands on a fresh machine: `make demo` and `make test`. Both build .venv when missing.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench venv clean cesium chromium

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

# The live service: serve + feed the 2022-10-04 flight at 10x, the live picture, the report.
# KEEP=1 keeps the server and the finished picture up (the console's address is printed).
demo: $(STAMP) cesium
	$(PY) -m missilewatch.service.demo --out out/demo $(if $(KEEP),--keep)

# The console's CesiumJS (npm pack of the pinned version, integrity-checked; idempotent; Debian's
# npm installed first where missing) and
# Debian's chromium for the browser tests (apt, when missing).
cesium: $(STAMP)
	test -f src/missilewatch/web/static/vendor/cesium/Cesium.js || command -v npm >/dev/null || \
	  (apt-get update -qq && apt-get install -y -qq npm >/dev/null)
	$(PY) scripts/fetch_cesium.py

chromium:
	sh scripts/install_chromium.sh

# Lint and types first (ruff: pycodestyle, pyflakes, isort, bugbear, pyupgrade; mypy on the package).
lint: $(STAMP)
	$(PY) -m ruff check src tests benchmarks scripts
	$(PY) -m mypy src/missilewatch

test: lint cesium chromium
	$(PY) -m pytest -n 2 --dist loadgroup -q

bench: $(STAMP)
	$(PY) benchmarks/run.py

clean:
	rm -rf out .pytest_cache
