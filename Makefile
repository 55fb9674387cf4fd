# Two commands on a fresh machine with only Python 3: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
CONFIG ?= configs/dti2022.yaml
# Third-party case-study data (PAPI, PCI, BLI) are read from a folder, never committed; use the shared copy
# beside the checkout when there is one, unless the caller set DTI_BENCH_DATA already.
ifneq ($(wildcard ../shared/datasets),)
DTI_BENCH_DATA ?= $(abspath ../shared/datasets)
export DTI_BENCH_DATA
endif

.PHONY: run test bench install clean docs

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || { echo "python3 -m venv failed: install the venv module (e.g. apt-get install python3-venv)"; exit 1; }

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/dti-bench run $(CONFIG)

test: $(STAMP)
	$(BIN)/python -m pytest -q

# the documentation site, warnings as errors; the tutorials execute (sphinx-gallery), so DTI_BENCH_DATA matters
DOCS_STAMP := $(VENV)/.installed-docs
$(DOCS_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test,docs]'
	touch $(DOCS_STAMP)

docs: $(DOCS_STAMP)
	$(BIN)/python -m sphinx -W --keep-going -b html -j 1 docs docs/_build/html

.PHONY: test-fast lint
# every test but the end-to-end ones marked slow, on two workers (pytest-xdist): about 170 s of CPU, 85 s a core,
# so under two minutes when a 2-core machine is otherwise idle (one worker would need about 140 s)
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow" -n 2

# bug-finding lint rules and type checking of the package (both configured in pyproject.toml)
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: $(STAMP)
	cd bench && ../$(BIN)/python run_all.py

clean:
	rm -rf $(VENV) build *.egg-info docs/_build docs/auto_tutorials docs/generated docs/sg_execution_times.rst
