# One-word commands. `make demo` and `make test` are the two the README promises.
# uv is used when installed; otherwise it is bootstrapped into .tools/ with the system Python.
UV := $(shell command -v uv 2>/dev/null || echo $(CURDIR)/.tools/bin/uv)
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000
export ECO311_DATA_DIR ?= $(CURDIR)/var

.PHONY: install demo serve test test-sqlite test-postgres lint format bench bench-survey bench-kpi bench-search messages

$(CURDIR)/.tools/bin/uv:
	$(PYTHON) -m venv $(CURDIR)/.tools
	$(CURDIR)/.tools/bin/pip install --quiet uv

install: $(UV)
	$(UV) sync --frozen

## demo: install everything, load the plans and synthetic demo data, create demo accounts, serve
demo: install
	$(UV) run eco311 demo --host $(HOST) --port $(PORT)

serve: install
	$(UV) run eco311 serve --host $(HOST) --port $(PORT)

## test: the whole suite on SQLite, then again on a throwaway PostgreSQL cluster
test: install
	$(UV) run scripts/run-tests

test-sqlite: install
	$(UV) run pytest

test-postgres: install
	$(UV) run scripts/with-postgres pytest

lint: install
	$(UV) run ruff check .
	$(UV) run ruff format --check .

format: install
	$(UV) run ruff format .
	$(UV) run ruff check --fix .

## bench: every benchmark, as ratios against baselines measured in the same run (bench/results/).
## The survey, KPI and search benchmarks run on SQLite and on a throwaway PostgreSQL cluster
## (scripts/with-postgres) side by side; BENCH_ARGS="--enterprises 5000" makes a quick run.
bench: install
	$(UV) run python bench/run.py
	$(UV) run python bench/survey_import.py $(BENCH_ARGS)
	$(UV) run python bench/kpi.py $(BENCH_ARGS)
	$(UV) run python bench/ranking_uncertainty.py
	$(UV) run python bench/search.py $(BENCH_ARGS)
	$(UV) run python bench/chains.py

bench-survey: install
	$(UV) run python bench/survey_import.py $(BENCH_ARGS)

bench-kpi: install
	$(UV) run python bench/kpi.py $(BENCH_ARGS)

bench-search: install
	$(UV) run python bench/search.py $(BENCH_ARGS)

messages: install
	cd src/eco311 && $(UV) run django-admin makemessages -l zh_Hans -l en --no-obsolete --settings=eco311.settings
	cd src/eco311 && $(UV) run django-admin compilemessages --settings=eco311.settings
