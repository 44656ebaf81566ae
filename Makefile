# Two entry points for a fresh clone (Python 3.11, pip and make are all it needs):
#   make run    ingest nothing new: run the main job on the embedded Fe3Pt default -> zenthermo-out/
#   make test   lint, type-check and run the whole test suite (what CI runs)
# For development:
#   make check      ruff + the fast tests (-m "not slow"): the quick loop
#   make typecheck  mypy on the package (configured in pyproject.toml)
#   make docs       the API reference and the docs pages -> site/ (warnings are errors)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DOCS_STAMP := $(VENV)/.installed-docs

.PHONY: run test check lint typecheck docs install clean

run: $(STAMP)
	$(BIN)/zenthermo run -o zenthermo-out

test: $(STAMP)
	$(BIN)/ruff check zenthermo tests benchmarks
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

check: $(STAMP)
	$(BIN)/ruff check zenthermo tests benchmarks
	$(BIN)/python -m pytest -q -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check zenthermo tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

# NO_MKDOCS_2_WARNING silences mkdocs-material's banner about its successor (not a warning
# of this build; the build's own warnings fail it through --strict).
docs: $(DOCS_STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

install: $(STAMP)

# torch is pinned first so that pip takes the local CPU wheel instead of a CUDA build.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

# The docs tools only where docs are built (make run and make test do not need them).
$(DOCS_STAMP): $(STAMP)
	$(BIN)/pip install -q -e '.[dev,docs]'
	touch $(DOCS_STAMP)

clean:
	rm -rf $(VENV) zenthermo-out site
