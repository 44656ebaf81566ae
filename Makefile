# Two entry points for a fresh clone (Python 3.11, pip and make are all it needs):
#   make run    ingest nothing new: run the main job on the embedded Fe3Pt default -> zenthermo-out/
#   make test   lint and run the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint install clean

run: $(STAMP)
	$(BIN)/zenthermo run -o zenthermo-out

test: $(STAMP)
	$(BIN)/ruff check zenthermo tests benchmarks
	$(BIN)/python -m pytest -q

install: $(STAMP)

# torch is pinned first so that pip takes the local CPU wheel instead of a CUDA build.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) zenthermo-out
