# Two commands on a fresh machine: `make demo` and `make test`. Both build .venv when missing.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench venv clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

# The live service: serve + feed the 2022-10-04 flight at 10x, the live picture, the report.
demo: $(STAMP)
	$(PY) -m missilewatch.service.demo --out out/demo

# Lint and types first (ruff: pycodestyle, pyflakes, isort, bugbear, pyupgrade; mypy on the package).
lint: $(STAMP)
	$(PY) -m ruff check src tests benchmarks scripts
	$(PY) -m mypy src/missilewatch

test: lint
	$(PY) -m pytest -n 2 --dist loadgroup -q

bench: $(STAMP)
	$(PY) benchmarks/run.py

clean:
	rm -rf out .pytest_cache
