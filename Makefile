# osmu: the two commands a fresh machine needs are `make demo` and `make test`.
# Both create .venv and install pinned dependencies (constraints.txt) on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
VAULT  := examples/vault
DEMO_OUT := out/demo

export PREFECT_HOME ?= $(CURDIR)/.prefect
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1

.PHONY: install demo test lint golden bench editorial wheel clean

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	touch $@

install: $(VENV)/.installed

## demo: sweep the bundled example vault (changed notes only, embedded Prefect) into ./out/demo, leaving the vault untouched
demo: install
	OSMU_PREFECT_SERVER=embedded $(BIN)/osmu sweep --vault "$(VAULT)" --out "$(DEMO_OUT)"
	@echo "outputs: $(CURDIR)/$(DEMO_OUT)/ (one folder per note, with manifest.json)"
	@echo "preview: $(CURDIR)/$(DEMO_OUT)/index.html (open it in a browser)"

## wheel: dist/osmu-<version>-py3-none-any.whl (offline: the dev venv's setuptools builds it; `pipx install .` also works)
wheel: install
	$(BIN)/pip wheel --no-deps --no-build-isolation -q -w dist .
	@ls dist/osmu-*.whl

## lint: ruff + mypy (CI runs them as part of `make test`)
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## test: lint, then the whole test suite
test: lint
	$(BIN)/pytest

## golden: regenerate tests/golden/ (review the diff with `git diff tests/golden`)
golden: install
	OSMU_REGEN_GOLDEN=1 $(BIN)/pytest -q tests/test_golden.py tests/test_story_golden.py tests/test_channel_golden.py

## bench: the benchmark vs Pelican and the parser floor (long; never part of `make test`)
bench: install
	$(BIN)/pip install -q -c constraints.txt -e '.[dev,bench]'
	bench/run $(BENCH_ARGS)

## editorial: lint violations per channel and rule on the example vault + editorial fixture notes (reports, exit 0)
editorial: install
	$(BIN)/python -m bench.editorial_eval $(EDITORIAL_ARGS)

clean:
	rm -rf $(VENV) .prefect .pytest_cache .mypy_cache .ruff_cache $(VAULT)/_osmu $(DEMO_OUT) build dist
