# Two entry points for a fresh machine with Python 3.11+: `make demo` and `make test`.
# Each creates .venv and installs what it needs from requirements*.txt.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 8501

.PHONY: demo test lint bench sample clean browser postgis

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: $(BIN)/python requirements.txt pyproject.toml
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

## Start the dashboard on the bundled sample street at http://localhost:$(PORT) (the sample is imported first)
demo: $(VENV)/.runtime
	@# The sample is built only when the demo opens it: GRIDWATCH_WORKSPACE=ws/ make demo opens ws/ alone.
	@if [ -z "$$GRIDWATCH_WORKSPACE" ]; then $(BIN)/python -m geo prepare-sample; fi
	$(BIN)/python -m dashboard --server.port $(PORT)

## Run the whole test suite (installs Debian's chromium and PostGIS for the tests when missing)
## on TEST_WORKERS processes, a test file per worker at a time (its module fixtures stay in one process)
TEST_WORKERS ?= 2
test: $(VENV)/.dev browser postgis
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

browser:
	@bash scripts/ensure-chromium.sh

postgis:
	@bash scripts/ensure-postgis.sh

lint: $(VENV)/.dev
	$(BIN)/ruff check geo dashboard tests benchmarks

bench: $(VENV)/.dev
	$(BIN)/python -m benchmarks.bench_join
	$(BIN)/python -m benchmarks.bench_dashboard
	$(BIN)/python -m benchmarks.bench_gi_star
	$(BIN)/python -m benchmarks.bench_emerging
	$(BIN)/python -m benchmarks.bench_forecast
	$(BIN)/python -m benchmarks.bench_sessions
	$(BIN)/python -m benchmarks.bench_scale
	$(BIN)/python -m benchmarks.bench_dask_cube

## Regenerate the sample street (deterministic: the files must not change)
sample: $(VENV)/.runtime
	$(BIN)/python -m geo sample --out data/sample

clean:
	rm -rf $(VENV) dashboard/static/vendor .pytest_cache .hypothesis
