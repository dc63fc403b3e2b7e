# The two commands a newcomer needs: `make run` and `make test`. Both build .venv from the
# locked dependencies (uv.lock) on first use; nothing else needs installing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
STAMP := $(VENV)/.synced-stamp

.PHONY: run test lint format bench-activity bench-aggregate bench-survey bench-survey-rows bench-gateway bench-scorecard bench-report clean

$(STAMP): pyproject.toml uv.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@test -x $(BIN)/uv || $(BIN)/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	@$(BIN)/uv sync --frozen --quiet
	@touch $@

## run: migrate, load demo data, start every service and the gateway (Ctrl-C stops all)
run: $(STAMP)
	@$(BIN)/hub up

## test: lint, type-check (mypy --strict: shared/, services/, gateway/, hub/), then the whole test suite
test: $(STAMP) lint
	@$(BIN)/pytest

lint: $(STAMP)
	@$(BIN)/ruff check .
	@$(BIN)/ruff format --check .
	@$(BIN)/mypy

format: $(STAMP)
	@$(BIN)/ruff format .
	@$(BIN)/ruff check --fix .

bench-activity: $(STAMP)
	@$(BIN)/python -m bench.activity_post

bench-aggregate: $(STAMP)
	@$(BIN)/python -m bench.activity_aggregate --drop

bench-survey: $(STAMP)
	@$(BIN)/python -m bench.survey_import

bench-survey-rows: $(STAMP)
	@$(BIN)/python -m bench.survey_rows

bench-gateway: $(STAMP)
	@$(BIN)/python -m bench.gateway_proxy

bench-scorecard: $(STAMP)
	@$(BIN)/python -m bench.scorecard

bench-report: $(STAMP)
	@$(BIN)/python -m bench.report

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .mypy_cache
