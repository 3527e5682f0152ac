# make demo: set everything up and run the end-to-end job on local Ray.   make test: set up and run the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
ARGS ?=

# Nothing phones home; local Ray without token auth (cluster.yaml keeps it on for real clusters).
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export RAY_USAGE_STATS_ENABLED := 0
export RAY_AUTH_MODE := disabled
export TOKENIZERS_PARALLELISM := false
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

bench: venv
	$(BIN)/python bench/run_all.py $(ARGS)

clean:
	rm -rf outputs multirun .pytest_cache
