# make demo: set everything up and run the end-to-end job on local Ray.   make test: set up and run the tests.
# make lint: the linter CI runs before the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
ARGS ?=

# The offline environment and local Ray's settings are set by Python itself (recruit_core/env.py),
# first thing in every entry point, test session and benchmark; nothing here needs them.
export PYTHONUNBUFFERED := 1

.PHONY: venv demo test test-all bench lint clean

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

venv: $(BIN)/.installed

demo: venv
	$(BIN)/python ray_jobs/demo.py experiment=demo $(ARGS)

test: venv
	$(BIN)/python -m pytest -q $(ARGS)

# Also the slow tests (full-size model paths, long Ray runs).
test-all: venv
	RECRUIT_SLOW=1 $(BIN)/python -m pytest -q $(ARGS)

# Lint only: pyflakes, pycodestyle, import order, bugbear ([tool.ruff] in pyproject.toml).
lint: venv
	$(BIN)/ruff check .

bench: venv
	$(BIN)/python bench/run_all.py $(ARGS)

clean:
	rm -rf outputs multirun .pytest_cache
