# Two commands: `make run` and `make test`. Everything else is here to help.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501
DB ?= data/energy.duckdb

.PHONY: run test test-deep install demo lint bench browser-deps clean

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

install: $(VENV)/.installed

$(DB): | $(VENV)/.installed
	ENERGY_DB=$(DB) $(PY) -m etl demo

demo: install  ## rebuild the demo database from scratch
	ENERGY_DB=$(DB) $(PY) -m etl demo --force

run: install $(DB)  ## start the dashboard on http://localhost:$(PORT)
	ENERGY_DB=$(DB) $(PY) -m streamlit run serve.py --server.port=$(PORT) --server.headless=true  # serve.py: dashboard.py, warmed at start

lint: install
	$(PY) -m ruff check .
	$(PY) -m mypy

TEST_JOBS ?= 2  # pytest-xdist workers (one per core here); TEST_JOBS=0 runs in one process
test: install  ## lint and type-check, then the test suite but its deep tier (browser tests run where Chromium is installed)
	$(PY) -m ruff check .
	$(PY) -m mypy
	$(PY) -m pytest -n $(TEST_JOBS) --dist loadfile -m "not deep"

test-deep: install  ## the large-sample variants (pytest marker `deep`); each has a smaller sibling in make test
	$(PY) -m pytest -n $(TEST_JOBS) --dist loadfile -m deep

bench: install
	$(PY) bench/bench_pvmodel.py
	$(PY) bench/bench_model_pv.py
	$(PY) bench/bench_upload.py
	$(PY) bench/bench_energy.py
	$(PY) bench/bench_loader.py --big
	$(PY) bench/bench_scale.py

browser-deps:  ## Debian's Chromium and CJK fonts for the browser tests (needs root)
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk

clean:
	rm -rf $(VENV) data/demo data/*.duckdb data/*.duckdb.wal
