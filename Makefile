# The two commands of the README:
#   make demo   sets up the environment from requirements.lock and runs the main job on the sample
#   make test   sets up the same environment and runs lint and the whole test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
UV_VERSION := $(shell sed -n 's/^uv==\([0-9.]*\).*/\1/p' requirements.lock)

export DO_NOT_TRACK := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export GX_ANALYTICS_ENABLED := false

.PHONY: demo test lint env browser poppler docker-compose compose-cli bench fuzz clean

env: $(VENV)/.installed

# --compile-bytecode: the packages' .pyc are written at install time. Imports then skip compiling
# source (GX 7 s -> 3 s, airflow.sdk 3.6 s -> 1.4 s), also where PYTHONDONTWRITEBYTECODE is set, as
# it is on these machines, and no task ever pays for the first compile.
$(VENV)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip sync --quiet --compile-bytecode --python $(BIN)/python --require-hashes requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps --no-build-isolation -e .
	touch $@

# The demo prints each follow-up report as a PDF with Debian's chromium (REGIONKPI_REPORT_EXPORTS=0: HTML only)
demo: env browser
	$(BIN)/regionkpi demo

lint: env
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The follow-up report is tested in a real headless Chromium (tests/test_report_browser.py), and that
# test fails rather than skips without one: a browser test that silently never runs proves nothing.
# So `make test` first makes sure Debian's chromium is installed (apt-get update only when the install
# fails without it; sudo only when not root). `make demo` needs no browser and does not depend on this.
CHROMIUM ?= $(or $(REGIONKPI_CHROMIUM),/usr/bin/chromium)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_INSTALL := DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium
# pdftotext and pdfinfo read the printed PDFs back in tests/test_exports.py
APT_POPPLER := DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends poppler-utils

browser:
	@if [ -x "$(CHROMIUM)" ]; then :; else \
		echo "installing chromium for the PDFs and the browser tests (tests/test_report_browser.py)"; \
		$(SUDO) env $(APT_INSTALL) || { $(SUDO) apt-get update && $(SUDO) env $(APT_INSTALL); }; \
	fi

poppler:
	@if command -v pdftotext >/dev/null 2>&1; then :; else \
		echo "installing poppler-utils for the PDF tests (tests/test_exports.py)"; \
		$(SUDO) env $(APT_POPPLER) || { $(SUDO) apt-get update && $(SUDO) env $(APT_POPPLER); }; \
	fi

# The deployment's docker-compose.yml is checked with Debian's docker-compose (`config` parses and
# interpolates; it needs no Docker daemon, and these machines have none): tests/test_compose.py.
# Installed the way chromium is, when missing; `make demo` does not need it.
APT_COMPOSE := DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends docker-compose

docker-compose:
	@if command -v docker-compose >/dev/null 2>&1; then :; else \
		echo "installing docker-compose for the deployment tests (tests/test_compose.py)"; \
		$(SUDO) env $(APT_COMPOSE) || { $(SUDO) apt-get update && $(SUDO) env $(APT_COMPOSE); }; \
	fi

compose-cli: docker-compose  # the target's earlier name

# Test files are spread over the cores (pytest-xdist, one file per worker at a time); conftest.py hands
# out the Airflow end-to-end file first so that it runs beside the rest instead of after it.
# The native Celery topology (tests/test_celery_topology.py: six Airflow processes and their tasks)
# runs alone after the rest: beside them on two cores it took ~15 minutes instead of ~5, and starved
# the timing of the kill tests.
test: lint browser poppler docker-compose
	$(BIN)/python -m pytest -n auto --dist loadfile -m "not topology"
	$(BIN)/python -m pytest -m topology

# Speed and memory beside a plain pandas script and DuckDB alone (benchmarks/run.py; not a test).
# Generated files stay in .bench/ and are reused; `make bench BENCH_ARGS=--quick` is a smoke run.
bench: env
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

# Fuzzing (fuzz/, Hypothesis): the SIE 4 parser and the CSV contract path for a bounded time; prints
# the executions per target and every distinct failure (its smallest input under .fuzz/failures/).
FUZZ_SECONDS ?= 600
fuzz: env
	$(BIN)/python -m fuzz --seconds $(FUZZ_SECONDS) $(FUZZ_ARGS)

clean:
	rm -rf $(VENV) landing warehouse quarantine airflow_home dbt_project/target dbt_project/logs
